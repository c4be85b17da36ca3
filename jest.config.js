/** @type {import('jest').Config} */
// swc compiles TypeScript, and the few ESM-only dependencies (light-my-request's `cookie`, jose, @fastify/static's `content-disposition`, Keycloak's admin client and its kiota and URI-template packages), to CommonJS.
const transform = {
  '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
};
const transformIgnorePatterns = [
  '/node_modules/(?!(cookie|jose|content-disposition|@keycloak/keycloak-admin-client|@microsoft/kiota-[a-z-]+|url-template|camelize-ts|@std-uritemplate/std-uritemplate)/)',
];

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      globalSetup: '<rootDir>/test/unit/global-setup.ts',
      globalTeardown: '<rootDir>/test/unit/global-teardown.ts',
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    },
  ],
  testTimeout: 120000,
};
