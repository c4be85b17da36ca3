import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { countryCodeSchema } from './country';
import { text } from './text';
import { environments, onboardingKinds } from '../../workflows/messages';
import { participantIdSchema } from './onboardings';

const hostSchema = z
  .string()
  .trim()
  .max(253)
  .refine(
    (h) => ipaddr.isValid(h) || /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(h),
    'a DNS name, *.wildcard or IP address',
  );

export const participantIdentitySchema = z.strictObject({
  participantId: participantIdSchema,
  legalName: text({ max: 200 }),
  country: countryCodeSchema,
  hosts: z.array(hostSchema).max(50).default([]),
});

/** PEM text; the size limit that matters is the policy's, reported as INPUT_TOO_LARGE. */
const pem = z
  .string()
  .min(1)
  .max(2 * 1024 * 1024);

export const certificateCheckBodySchema = z.strictObject({
  pem,
  kind: z.enum(onboardingKinds),
  environment: z.enum(environments),
  role: z.enum(['tls-client', 'tls-server', 'jws-signing']),
  participant: participantIdentitySchema.optional(),
});

export const csrCheckBodySchema = z.strictObject({
  pem,
  kind: z.enum(onboardingKinds),
  environment: z.enum(environments),
  role: z.enum(['tls-client', 'tls-server']),
  participant: participantIdentitySchema,
});

export const jwsKeysQuerySchema = z.strictObject({ environment: z.enum(environments).optional() });
