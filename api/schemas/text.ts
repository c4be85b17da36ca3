/**
 * Human text the API accepts (names, use cases, comments): normalised to NFC, free of control and
 * format characters (NUL, bidi overrides, zero-width joiners) and carrying at least one visible
 * character; lengths in code points, as the workflows count them (`codePoints` in journey.ts).
 */
import { z } from 'zod';

// Cc (controls) and Cf (format: bidi overrides, zero-width spaces/joiners, BOM, soft hyphen...).
const forbiddenSingleLine = /[\p{Cc}\p{Cf}]/u;
/** As above, but tab, line feed and carriage return are text in a multi-line field. */
const forbiddenMultiLine = { test: (value: string) => forbiddenSingleLine.test(value.replace(/[\t\n\r]/g, ' ')) };
const visible = /[\p{L}\p{N}\p{P}\p{S}]/u;

export function text(opts: { min?: number; max: number; multiline?: boolean }) {
  return z
    .string()
    .transform((value) => value.normalize('NFC').trim())
    .refine((value) => !(opts.multiline ? forbiddenMultiLine : forbiddenSingleLine).test(value), {
      message: opts.multiline
        ? 'no control or invisible format characters (tabs and line breaks are fine)'
        : 'no control or invisible format characters',
    })
    .refine((value) => ((opts.min ?? 1) === 0 ? true : visible.test(value)), { message: 'must contain visible characters' })
    .refine((value) => [...value].length >= (opts.min ?? 1), { message: `at least ${opts.min ?? 1} character(s)` })
    .refine((value) => [...value].length <= opts.max, { message: `at most ${opts.max} characters` });
}
