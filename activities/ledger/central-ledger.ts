/**
 * `HubLedger` on Mojaloop central-ledger's admin API (the calls seed 004's provisioning scripts
 * make). Idempotent against what central-ledger really answers on repeats:
 * - `POST /participants` for a currency it has → 400, errorCode 3000 "…already been registered";
 * - `POST /participants/Hub/accounts` again → 400, 3003 "Hub account has already been registered";
 * - `POST /participants/{name}/initialPositionAndLimits` again → 500, 2001 "…already set" (2001 is
 *   generic: only that message counts as done);
 * - `POST /participants/{name}/endpoints` overwrites.
 * A participant is half-created (400, 6000) when no settlement model applies to the currency: the
 * hub's own accounts and a settlement model are ensured first, and a repeat completes a
 * half-created one (central-ledger adds the currency to the participant it finds).
 * Every call has a timeout (limit calls hang when central-ledger's Kafka is down); a timeout, a
 * refused connection or a 5xx other than the above is LEDGER_UNAVAILABLE, retried by the
 * activity's policy with backoff — safe, since every call converges.
 */
import { DomainError } from '../domain-error';
import type { Environment } from '../../workflows/vocabulary';
import type { HubLedger, LedgerDeactivation, LedgerParticipantView, LedgerSetupRequest, LedgerSetupResult } from './hub-ledger';

export interface CentralLedgerOptions {
  /** The admin API, e.g. http://central-ledger:3001 */
  url: string;
  /** Per call; central-ledger answers in milliseconds when healthy. */
  timeoutMs?: number;
  /**
   * Created for a currency that has no settlement model (central-ledger then refuses participants
   * with 6000). The scheme's own model should normally exist; this is the Mojaloop default one.
   */
  defaultSettlementModel?: boolean;
}

interface ErrorInformation {
  errorCode?: string;
  errorDescription?: string;
}

interface LedgerAnswer {
  status: number;
  body: unknown;
}

const hubName = 'Hub';
const hubAccountTypes = ['HUB_MULTILATERAL_SETTLEMENT', 'HUB_RECONCILIATION'] as const;

function errorInformation(body: unknown): ErrorInformation {
  const info = (body as { errorInformation?: ErrorInformation } | null)?.errorInformation;
  return info ?? {};
}

export class CentralLedger implements HubLedger {
  private readonly url: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: CentralLedgerOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async setUp(request: LedgerSetupRequest): Promise<LedgerSetupResult> {
    for (const { currency } of request.currencies) await this.ensureHubCurrency(currency);
    for (const { currency } of request.currencies) {
      await this.call('POST', '/participants', { name: request.fspId, currency }, (a) =>
        this.isRepeat(a, 400, '3000', /already been registered/i),
      );
    }
    for (const endpoint of request.endpoints) {
      await this.call('POST', `/participants/${encodeURIComponent(request.fspId)}/endpoints`, endpoint);
    }
    for (const { currency, netDebitCap } of request.currencies) {
      await this.call(
        'POST',
        `/participants/${encodeURIComponent(request.fspId)}/initialPositionAndLimits`,
        { currency, limit: { type: 'NET_DEBIT_CAP', value: netDebitCap }, initialPosition: 0 },
        (a) => this.isRepeat(a, 500, '2001', /already set/i),
      );
    }
    return { mode: 'applied', ledgerUrl: this.url, participant: await this.describe(request.fspId) };
  }

  /**
   * `PUT /participants/{name}` `{ isActive: false }`: central-ledger refuses the DFSP's transfers
   * and quotes from then on; accounts and positions stay for settlement. A DFSP the ledger never
   * had (the onboarding stopped before the set-up) is already inactive.
   */
  async deactivate(fspId: string, _environment: Environment): Promise<LedgerDeactivation> {
    await this.call('PUT', `/participants/${encodeURIComponent(fspId)}`, { isActive: false }, (a) =>
      this.isRepeat(a, 400, '3200', /not found|does not exist/i),
    );
    return { mode: 'applied', isActive: false };
  }

  /** What central-ledger holds for the participant: accounts, endpoints, limits, positions. */
  async describe(fspId: string): Promise<LedgerParticipantView> {
    const name = encodeURIComponent(fspId);
    const participant = (await this.call('GET', `/participants/${name}`)).body as {
      name: string;
      isActive: number | boolean;
      accounts: { currency: string; ledgerAccountType: string; isActive: number | boolean }[];
    };
    const endpoints = (await this.call('GET', `/participants/${name}/endpoints`)).body as { type: string; value: string }[];
    const limits = (await this.call('GET', `/participants/${name}/limits`)).body as {
      currency: string;
      limit: { type: string; value: number };
    }[];
    const positions = (await this.call('GET', `/participants/${name}/positions`)).body as { currency: string; value: number }[];
    return {
      name: participant.name,
      isActive: Boolean(participant.isActive),
      accounts: participant.accounts.map((a) => ({
        currency: a.currency,
        ledgerAccountType: a.ledgerAccountType,
        isActive: Boolean(a.isActive),
      })),
      endpoints: endpoints.map(({ type, value }) => ({ type, value })),
      limits: limits.map((l) => ({ currency: l.currency, type: l.limit.type, value: Number(l.limit.value) })),
      positions: positions.map((p) => ({ currency: p.currency, value: Number(p.value) })),
    };
  }

  /** The hub's own accounts for the currency and a settlement model that covers it. */
  private async ensureHubCurrency(currency: string): Promise<void> {
    for (const type of hubAccountTypes) {
      await this.call('POST', `/participants/${hubName}/accounts`, { type, currency }, (a) =>
        this.isRepeat(a, 400, '3003', /already been registered/i),
      );
    }
    const models = (await this.call('GET', '/settlementModels')).body as { currency: string | null; isActive: number | boolean }[];
    if (models.some((m) => (m.currency === currency || m.currency === null) && Boolean(m.isActive))) return;
    if (!this.options.defaultSettlementModel) {
      throw new DomainError(
        'LEDGER_REFUSED',
        `central-ledger has no settlement model for ${currency}: participants would be half-created (6000). Create the scheme's model first.`,
        { currency },
      );
    }
    await this.call('POST', '/settlementModels', {
      name: `DEFERREDNET${currency}`,
      settlementGranularity: 'NET',
      settlementInterchange: 'MULTILATERAL',
      settlementDelay: 'DEFERRED',
      currency,
      requireLiquidityCheck: true,
      ledgerAccountType: 'POSITION',
      settlementAccountType: 'SETTLEMENT',
      autoPositionReset: true,
    });
  }

  private isRepeat(answer: LedgerAnswer, status: number, code: string, message: RegExp): boolean {
    const info = errorInformation(answer.body);
    return answer.status === status && info.errorCode === code && message.test(info.errorDescription ?? '');
  }

  /** One call with a timeout; `done` says which error answers mean "already so" (an idempotent repeat). */
  private async call(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: unknown,
    done: (answer: LedgerAnswer) => boolean = () => false,
  ): Promise<LedgerAnswer> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : (err as Error).message;
      throw new DomainError('LEDGER_UNAVAILABLE', `central-ledger ${method} ${path}: ${cause}`, { method, path });
    }
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      parsed = text;
    }
    const answer = { status: res.status, body: parsed };
    if (res.ok || done(answer)) return answer;
    const info = errorInformation(parsed);
    const details = {
      method,
      path,
      status: res.status,
      errorCode: info.errorCode ?? null,
      errorDescription: info.errorDescription ?? null,
    };
    const message = `central-ledger ${method} ${path} answered ${res.status}${info.errorCode ? ` ${info.errorCode}` : ''}: ${info.errorDescription ?? text.slice(0, 200)}`;
    throw new DomainError(res.status >= 500 ? 'LEDGER_UNAVAILABLE' : 'LEDGER_REFUSED', message, details);
  }
}
