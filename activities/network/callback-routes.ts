/**
 * The routes of the hub's egress: for each DFSP and environment, the callback endpoints the hub
 * proved it reaches (the connectivity proof) and the CA its servers' chain ends in. The egress
 * sends the switch's callbacks by them: the FSPIOP resource of a request picks the endpoint type,
 * its path fills the endpoint's `{{…}}` placeholders (central-ledger's templates).
 */
import type { Kysely } from 'kysely';
import type { Environment } from '../../workflows/vocabulary';
import type { RegistrySchema } from '../registry/schema';

export interface CallbackEndpoint {
  type: string;
  value: string;
}

export interface CallbackRoute {
  participantId: string;
  environment: Environment;
  endpoints: CallbackEndpoint[];
  /** What TLS trusts for the DFSP's servers: its root and intermediates (PEM), or null for the system's roots. */
  serverCaPem: string | null;
  provenAt: string;
}

export class CallbackRoutes {
  constructor(private readonly db: Kysely<RegistrySchema>) {}

  /** Records (or replaces) the environment's route after a passed proof. Idempotent. */
  async record(route: Omit<CallbackRoute, 'provenAt'>, at: Date): Promise<void> {
    const row = {
      participantId: route.participantId,
      environment: route.environment,
      endpointsJson: JSON.stringify(route.endpoints),
      serverCaPem: route.serverCaPem ?? '',
      provenAt: at.toISOString(),
    };
    await this.db
      .insertInto('callbackRoutes')
      .values(row)
      .onConflict((oc) => oc.columns(['participantId', 'environment']).doUpdateSet({ ...row }))
      .execute();
  }

  async find(participantId: string, environment: string): Promise<CallbackRoute | null> {
    const row = await this.db
      .selectFrom('callbackRoutes')
      .selectAll()
      .where('participantId', '=', participantId)
      .where('environment', '=', environment)
      .executeTakeFirst();
    if (row === undefined) return null;
    return {
      participantId: row.participantId,
      environment: row.environment as Environment,
      endpoints: JSON.parse(row.endpointsJson) as CallbackEndpoint[],
      serverCaPem: row.serverCaPem === '' ? null : row.serverCaPem,
      provenAt: row.provenAt,
    };
  }
}

/** One FSPIOP resource a switch calls back: method, path pattern (its captures named), the endpoint type, and what the template appends. */
interface CallbackRule {
  method: string;
  pattern: RegExp;
  type: string;
  /** Appended to the endpoint when it is a base (FSPIOP_CALLBACK_URL_QUOTES): the path as sent. */
  appendPath?: boolean;
}

const segment = '([^/?]+)';
/** Mojaloop's FSPIOP callbacks to a DFSP and the central-ledger endpoint type each one uses (as the switch's services pick them). */
const callbackRules: readonly CallbackRule[] = [
  {
    method: 'PUT',
    pattern: new RegExp(`^/parties/${segment}/${segment}/${segment}/error$`),
    type: 'FSPIOP_CALLBACK_URL_PARTIES_SUB_ID_PUT_ERROR',
  },
  { method: 'PUT', pattern: new RegExp(`^/parties/${segment}/${segment}/error$`), type: 'FSPIOP_CALLBACK_URL_PARTIES_PUT_ERROR' },
  { method: 'PUT', pattern: new RegExp(`^/parties/${segment}/${segment}/${segment}$`), type: 'FSPIOP_CALLBACK_URL_PARTIES_SUB_ID_PUT' },
  { method: 'PUT', pattern: new RegExp(`^/parties/${segment}/${segment}$`), type: 'FSPIOP_CALLBACK_URL_PARTIES_PUT' },
  { method: 'GET', pattern: new RegExp(`^/parties/${segment}/${segment}/${segment}$`), type: 'FSPIOP_CALLBACK_URL_PARTIES_SUB_ID_GET' },
  { method: 'GET', pattern: new RegExp(`^/parties/${segment}/${segment}$`), type: 'FSPIOP_CALLBACK_URL_PARTIES_GET' },
  { method: 'POST', pattern: /^\/quotes$/, type: 'FSPIOP_CALLBACK_URL_QUOTES', appendPath: true },
  { method: 'PUT', pattern: new RegExp(`^/quotes/${segment}(/error)?$`), type: 'FSPIOP_CALLBACK_URL_QUOTES', appendPath: true },
  { method: 'POST', pattern: /^\/transfers$/, type: 'FSPIOP_CALLBACK_URL_TRANSFER_POST' },
  { method: 'PUT', pattern: new RegExp(`^/transfers/${segment}/error$`), type: 'FSPIOP_CALLBACK_URL_TRANSFER_ERROR' },
  { method: 'PUT', pattern: new RegExp(`^/transfers/${segment}$`), type: 'FSPIOP_CALLBACK_URL_TRANSFER_PUT' },
  { method: 'PATCH', pattern: new RegExp(`^/transfers/${segment}$`), type: 'FSPIOP_CALLBACK_URL_TRANSFER_PUT' },
];

/** The placeholders each endpoint type's template may hold, in the order of the path's captures. */
const placeholders: Record<string, readonly string[]> = {
  FSPIOP_CALLBACK_URL_PARTIES_GET: ['partyIdType', 'partyIdentifier'],
  FSPIOP_CALLBACK_URL_PARTIES_PUT: ['partyIdType', 'partyIdentifier'],
  FSPIOP_CALLBACK_URL_PARTIES_PUT_ERROR: ['partyIdType', 'partyIdentifier'],
  FSPIOP_CALLBACK_URL_PARTIES_SUB_ID_GET: ['partyIdType', 'partyIdentifier', 'partySubIdOrType'],
  FSPIOP_CALLBACK_URL_PARTIES_SUB_ID_PUT: ['partyIdType', 'partyIdentifier', 'partySubIdOrType'],
  FSPIOP_CALLBACK_URL_PARTIES_SUB_ID_PUT_ERROR: ['partyIdType', 'partyIdentifier', 'partySubIdOrType'],
  FSPIOP_CALLBACK_URL_TRANSFER_PUT: ['transferId'],
  FSPIOP_CALLBACK_URL_TRANSFER_ERROR: ['transferId'],
};

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export type CallbackTarget = { url: string; type: string } | { url: null; reason: string };

/**
 * The URL a switch's request to the DFSP goes to: the endpoint its resource uses, with the path's
 * values in the template's placeholders (URL-encoded), and the query kept. Null with the reason
 * when the resource is not a callback the hub sends or the DFSP registered no endpoint for it.
 */
export function callbackTarget(route: CallbackRoute, method: string, pathWithQuery: string): CallbackTarget {
  const [path = '', query] = pathWithQuery.split('?', 2);
  const upper = method.toUpperCase();
  for (const rule of callbackRules) {
    if (rule.method !== upper) continue;
    const match = rule.pattern.exec(path);
    if (match === null) continue;
    const endpoint = route.endpoints.find((e) => e.type === rule.type);
    if (endpoint === undefined) return { url: null, reason: `${route.participantId} registered no ${rule.type} endpoint` };
    let url: string;
    if (rule.appendPath) url = `${endpoint.value.replace(/\/+$/, '')}${path}`;
    else {
      const names = placeholders[rule.type] ?? [];
      url = endpoint.value.replace(/\{\{([A-Za-z][A-Za-z0-9_]*)\}\}/g, (whole, name: string) => {
        const at = names.indexOf(name);
        const value = at >= 0 ? match[at + 1] : undefined;
        return value === undefined ? whole : encodeURIComponent(safeDecode(value));
      });
      if (/\{\{/.test(url))
        return { url: null, reason: `${rule.type} of ${route.participantId} has a placeholder the request does not fill` };
    }
    return { url: query === undefined ? url : `${url}?${query}`, type: rule.type };
  }
  return { url: null, reason: `${upper} ${path} is not an FSPIOP callback the hub sends to a DFSP` };
}
