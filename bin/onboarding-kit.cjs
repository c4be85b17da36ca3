#!/usr/bin/env node
/* eslint-disable @typescript-eslint/no-require-imports, no-undef -- a CommonJS launcher */
// The participant kit as a command (`npx onboarding-kit …` from this repository): TypeScript run through tsx.
require('tsx/cjs');
require('../kit/main.ts');
