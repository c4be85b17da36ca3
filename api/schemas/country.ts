/** A country as ISO 3166-1 alpha-2 assigns it (i18n-iso-countries' list): `XX`, `ZZ` or `EU` are not countries. */
import countries from 'i18n-iso-countries';
import { z } from 'zod';

const assigned = new Set(Object.keys(countries.getAlpha2Codes()));

export const countryCodeSchema = z
  .string()
  .regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 country code in capitals, e.g. GB')
  .refine((code) => assigned.has(code), 'not an ISO 3166-1 alpha-2 country (e.g. GB, KE, DE)');
