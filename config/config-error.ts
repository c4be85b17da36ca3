/**
 * What every process's configuration loader shares (the API, the worker): one error type for a
 * bad setting, the message that names each variable without echoing its value, and the parsers
 * for values the environment can only carry as text.
 */
import { z } from 'zod';

/** A setting that stops a process at start-up; the message names the variables, never their values. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';

  /** The error for zod's issues with the environment, one line per variable. */
  static fromIssues(what: string, issues: readonly z.core.$ZodIssue[]): ConfigError {
    const lines = issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    return new ConfigError(`Invalid ${what} configuration:\n${lines.join('\n')}`);
  }
}

/** An on/off setting: `true` or `false`, parsed as a boolean (anything else names the variable). */
export const booleanSetting = z.enum(['true', 'false']).transform((v) => v === 'true');
