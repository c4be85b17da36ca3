import pino from 'pino';

/** Never logged: credentials in headers and any secret that a body may carry. */
export const apiRedactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  '*.clientSecret',
  '*.privateKey',
  '*.secret',
];

export function createApiLogger(level: pino.LevelWithSilent): pino.Logger {
  return pino({ name: 'api', level, redact: { paths: apiRedactPaths, censor: '[redacted]' } });
}
