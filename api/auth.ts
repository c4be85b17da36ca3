/**
 * Who is calling, and what they may do. Every route but the health and documentation routes
 * needs `Authorization: Bearer <token>`: an API key from the key file (stored as its SHA-256 only)
 * or, when configured, a JWT access token verified with jose against an issuer's JWKS. The
 * principal's name is what decisions and submissions record — never a body field.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRemoteJWKSet, JWTVerifyGetKey, jwtVerify } from 'jose';
import { z } from 'zod';
import { approverRoles, participantIdPattern } from '../workflows/messages';
import { text } from './schemas/text';

/** `viewer`, `operator`, `approver:<business|legal|security|ops>`, `participant:<participantId>`. */
export type Grant = 'viewer' | 'operator' | `approver:${(typeof approverRoles)[number]}` | `participant:${string}`;

export interface Principal {
  name: string;
  grants: ReadonlySet<Grant>;
  via: 'api-key' | 'jwt';
}

export const grantSchema = z
  .string()
  .refine(
    (g): g is Grant =>
      g === 'viewer' ||
      g === 'operator' ||
      approverRoles.some((r) => g === `approver:${r}`) ||
      (g.startsWith('participant:') && participantIdPattern.test(g.slice('participant:'.length))),
    { message: `a grant: viewer, operator, ${approverRoles.map((r) => `approver:${r}`).join(', ')} or participant:<participantId>` },
  ) as unknown as z.ZodType<Grant>;

/** Every grant a development key gets: all roles, no participant scope. */
export const allStaffGrants: Grant[] = ['viewer', 'operator', ...approverRoles.map((r) => `approver:${r}` as Grant)];

const principalName = text({ max: 200 });

const keyEntrySchema = z.strictObject({
  name: principalName,
  grants: z.array(grantSchema).min(1),
  /** `sha256:<64 hex>` of the key. */
  hash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'sha256:<64 lower-case hex digits>'),
});
export type ApiKeyEntry = z.infer<typeof keyEntrySchema>;
export const apiKeyFileSchema = z.strictObject({ keys: z.array(keyEntrySchema) });

const keyPrefix = 'obk_';

export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/** A new random key (256 bits) and the entry that authorises it; the key itself is shown once and stored nowhere. */
export function newApiKey(name: string, grants: Grant[]): { key: string; entry: ApiKeyEntry } {
  const key = `${keyPrefix}${randomBytes(32).toString('base64url')}`;
  return { key, entry: { name, grants, hash: hashApiKey(key) } };
}

export class ApiKeyFileError extends Error {
  readonly code = 'CONFIG_INVALID';
}

export async function readApiKeyFile(file: string): Promise<ApiKeyEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ApiKeyFileError(`${file}: not JSON (${(err as Error).message})`);
  }
  const parsed = apiKeyFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new ApiKeyFileError(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data.keys;
}

export interface JwtSettings {
  issuer: string;
  audience: string;
  jwksUrl: string;
  /** The claim holding the grants (an array of strings, or a space-separated string). */
  grantsClaim: string;
}

export interface Authenticator {
  /** The principal for a bearer token, or null when the token proves nothing. */
  authenticate(token: string): Promise<Principal | null>;
}

/** Where keys are looked up on every request (the registry's table: a revocation counts at once). */
export interface ApiKeyLookup {
  activeByHash(hash: string): Promise<ApiKeyEntry | null>;
}

/**
 * API keys (hash lookup, constant-time compare) — `keys` in memory, then `store` per request — and,
 * when configured, JWTs.
 */
export function createAuthenticator(
  keys: ApiKeyEntry[],
  jwt?: JwtSettings & { keySet?: JWTVerifyGetKey },
  store?: ApiKeyLookup,
): Authenticator {
  const byHash = new Map(keys.map((k) => [k.hash, k]));
  const keySet = jwt ? (jwt.keySet ?? createRemoteJWKSet(new URL(jwt.jwksUrl))) : undefined;
  return {
    async authenticate(token) {
      if (token.startsWith(keyPrefix)) {
        const hash = hashApiKey(token);
        const entry = byHash.get(hash) ?? (store ? await store.activeByHash(hash) : null) ?? undefined;
        if (entry === undefined || !timingSafeEqual(Buffer.from(entry.hash), Buffer.from(hash))) return null;
        return { name: entry.name, grants: new Set(entry.grants), via: 'api-key' };
      }
      if (jwt === undefined || keySet === undefined) return null;
      try {
        const { payload } = await jwtVerify(token, keySet, { issuer: jwt.issuer, audience: jwt.audience });
        const claim = payload[jwt.grantsClaim];
        const raw = Array.isArray(claim) ? claim : typeof claim === 'string' ? claim.split(' ') : [];
        const grants = raw.filter((g): g is Grant => grantSchema.safeParse(g).success);
        const name = principalName.safeParse(payload.sub);
        if (!name.success) return null;
        return { name: name.data, grants: new Set(grants), via: 'jwt' };
      } catch {
        return null;
      }
    },
  };
}

/** What a route allows: a predicate over the principal and the onboarding it touches. */
export type Access = (principal: Principal, participantId: string | undefined) => boolean;

const has = (p: Principal, g: Grant) => p.grants.has(g);
const staff = (p: Principal) => has(p, 'viewer') || has(p, 'operator') || approverRoles.some((r) => has(p, `approver:${r}`));

export const access = {
  /** Reading an onboarding: staff, or the participant itself. */
  readOnboarding: ((p, id) => staff(p) || (id !== undefined && has(p, `participant:${id}`))) as Access,
  /** Reading across onboardings or hub-wide data: staff only. */
  readAll: ((p) => staff(p)) as Access,
  /** Hub-wide, participant-safe reads (the CA chain, pre-validation checks): any authenticated caller. */
  anyone: (() => true) as Access,
  /** Starting and cancelling onboardings. */
  operate: ((p) => has(p, 'operator')) as Access,
  /** Submitting for an onboarding: an operator on the participant's behalf, or the participant itself. */
  submit: ((p, id) => has(p, 'operator') || (id !== undefined && has(p, `participant:${id}`))) as Access,
  /** Holding some approver role (a decision whose gate is not known yet: validation answers it). */
  anyApprover: ((p) => approverRoles.some((r) => has(p, `approver:${r}`))) as Access,
  /** Deciding a gate: the approver role that gate awaits. */
  decide:
    (role: (typeof approverRoles)[number]): Access =>
    (p) =>
      has(p, `approver:${role}`),
};
