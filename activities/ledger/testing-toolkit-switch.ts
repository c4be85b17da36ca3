/**
 * The sandbox switch when it is Mojaloop's Testing Toolkit (TTK) in HUB_ONLY_MODE: the hub-ledger
 * step registers the DFSP with it through TTK's admin API — the DFSP's endpoint is the edge's
 * egress for that DFSP (`<egress>/sandbox/<fspId>`: TTK never calls a DFSP directly, the egress
 * adds the hub's client certificate and checks the destination), and a forward rule sends every
 * request whose FSPIOP-Destination is the DFSP there. TTK holds no accounts or limits: the
 * result's view shows what it does hold (the DFSP's endpoints as registered).
 *
 * TTK keeps its configuration as whole documents (the user config, one forward-rules file), so
 * each set-up reads, changes and writes them back; set-ups are serialised in this process, and a
 * repeat converges on the same documents.
 */
import { DomainError } from '../domain-error';
import type { Environment } from '../../workflows/vocabulary';
import type { HubLedger, LedgerDeactivation, LedgerSetupRequest, LedgerSetupResult } from './hub-ledger';

export interface TestingToolkitSwitchOptions {
  /** TTK's admin API, e.g. http://127.0.0.1:5050. */
  adminUrl: string;
  /** The edge's egress, e.g. http://127.0.0.1:8491. */
  egressUrl: string;
  timeoutMs: number;
}

/**
 * What the hub's TTK is set to: a switch forwarding between DFSPs unchanged (HUB_ONLY_MODE: it never
 * signs what it forwards), and signing its own UAT runs' requests with the hub's key (JWS_SIGN).
 */
export const hubUserConfig = { HUB_ONLY_MODE: true, JWS_SIGN: true } as const;

/** The forward-rules file the hub owns in TTK. */
export const hubRulesFile = 'hub-switch.json';

interface ForwardRule {
  ruleId: number;
  priority: number;
  description: string;
  conditions: { all: { fact: string; operator: string; value: string; path?: string }[] };
  event: { type: 'FORWARD'; params: { dfspId: string } };
  type: 'forward';
  version: number;
}

/** A TTK forward rule: requests whose FSPIOP-Destination is the DFSP go to it (every FSPIOP version). */
export function forwardRuleFor(fspId: string, ruleId: number): ForwardRule {
  return {
    ruleId,
    priority: 1,
    description: `hub: FSPIOP-Destination ${fspId} → ${fspId}`,
    conditions: { all: [{ fact: 'headers', operator: 'equal', value: fspId, path: 'fspiop-destination' }] },
    event: { type: 'FORWARD', params: { dfspId: fspId } },
    type: 'forward',
    version: 1,
  };
}

export class TestingToolkitSwitch implements HubLedger {
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: TestingToolkitSwitchOptions) {}

  setUp(request: LedgerSetupRequest): Promise<LedgerSetupResult> {
    const run = this.#queue.then(() => this.register(request));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** The switch no longer routes to or for the DFSP: its endpoint and forward rule removed. Idempotent. */
  deactivate(fspId: string, _environment: Environment): Promise<LedgerDeactivation> {
    const run = this.#queue.then(() => this.unregister(fspId));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  private async unregister(fspId: string): Promise<LedgerDeactivation> {
    const { stored } = (await this.call('GET', '/api/config/user')) as { stored: Record<string, unknown> };
    const dfsps = { ...((stored.ENDPOINTS_DFSP_WISE as { dfsps?: Record<string, unknown> } | undefined)?.dfsps ?? {}) };
    if (fspId in dfsps) {
      delete dfsps[fspId];
      await this.call('PUT', '/api/config/user', { ...stored, ENDPOINTS_DFSP_WISE: { dfsps } });
    }
    const files = (await this.call('GET', '/api/rules/files/forward')) as { files?: string[] };
    if (files.files?.includes(hubRulesFile)) {
      const current = (await this.call('GET', `/api/rules/files/forward/${hubRulesFile}`)) as ForwardRule[];
      const kept = current.filter((r) => r.event?.params?.dfspId !== fspId);
      if (kept.length !== current.length) {
        await this.call(
          'PUT',
          `/api/rules/files/forward/${hubRulesFile}`,
          kept.map((r, i) => ({ ...r, ruleId: i + 1 })),
        );
      }
    }
    return { mode: 'applied', isActive: false };
  }

  /** The DFSP's endpoint (the egress) and forward rule, added or refreshed. */
  private async register(request: LedgerSetupRequest): Promise<LedgerSetupResult> {
    const endpoint = `${this.opts.egressUrl.replace(/\/+$/, '')}/${request.environment}/${encodeURIComponent(request.fspId)}`;
    const { stored } = (await this.call('GET', '/api/config/user')) as { stored: Record<string, unknown> };
    const dfsps = ((stored.ENDPOINTS_DFSP_WISE as { dfsps?: Record<string, unknown> } | undefined)?.dfsps ?? {}) as Record<
      string,
      { defaultEndpoint: string; endpoints: unknown[] }
    >;
    dfsps[request.fspId] = { defaultEndpoint: endpoint, endpoints: [] };
    await this.call('PUT', '/api/config/user', { ...stored, ...hubUserConfig, ENDPOINTS_DFSP_WISE: { dfsps } });

    const files = (await this.call('GET', '/api/rules/files/forward')) as { files?: string[] };
    const current = files.files?.includes(hubRulesFile)
      ? ((await this.call('GET', `/api/rules/files/forward/${hubRulesFile}`)) as ForwardRule[])
      : [];
    const others = current.filter((r) => r.event?.params?.dfspId !== request.fspId);
    const rules = [...others, forwardRuleFor(request.fspId, 0)].map((r, i) => ({ ...r, ruleId: i + 1 }));
    await this.call('PUT', `/api/rules/files/forward/${hubRulesFile}`, rules);
    await this.call('PUT', '/api/rules/files/forward', { type: 'activeRulesFile', fileName: hubRulesFile });
    return {
      mode: 'applied',
      ledgerUrl: this.opts.adminUrl,
      participant: { name: request.fspId, isActive: true, accounts: [], endpoints: request.endpoints, limits: [], positions: [] },
    };
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.opts.adminUrl.replace(/\/+$/, '')}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      throw new DomainError('LEDGER_UNAVAILABLE', `Testing Toolkit ${method} ${path}: ${(err as Error).message}`, { method, path });
    }
    const text = await res.text();
    if (!res.ok) {
      throw new DomainError(
        res.status >= 500 ? 'LEDGER_UNAVAILABLE' : 'LEDGER_REFUSED',
        `Testing Toolkit ${method} ${path}: ${res.status} ${text.slice(0, 300)}`,
        {
          method,
          path,
          status: res.status,
        },
      );
    }
    return text === '' ? null : (JSON.parse(text) as unknown);
  }
}
