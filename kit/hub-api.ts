/**
 * The kit's only way to the hub: the public API with the participant's key. Every body is checked
 * before it leaves: a private key in any form is refused here, whatever the command.
 */
import { randomUUID } from 'node:crypto';
import { holdsPrivateKey } from './crypto';
import { KitError } from './folder';

/** The hub refused (a 4xx with its problem): findings or the reason are printed, the exit code is 2. */
export class HubRefusal extends Error {
  constructor(
    readonly status: number,
    readonly problem: { code?: string; detail?: string; title?: string; context?: Record<string, unknown>; [k: string]: unknown },
  ) {
    super(`${problem.code ?? status}: ${problem.detail ?? problem.title ?? 'refused'}`);
  }
}

export class PrivateKeyRefused extends KitError {
  constructor(where: string) {
    super(
      `refused to send ${where}: it holds a private key. The kit never sends a private key — the hub needs only public material ` +
        '(a CSR, a certificate, a public key, a signature made with the key), and a key that left your machine must be treated as compromised.',
    );
  }
}

export interface Answer<T = unknown> {
  status: number;
  data: T;
  headers: Headers;
  raw: Buffer;
}

export class HubApi {
  constructor(
    readonly apiUrl: string,
    private readonly key: string,
    private readonly fetchImpl: typeof fetch = fetch,
    /** How long a request is sent again while the API does not answer (KIT_RETRY_SECONDS; default 30 s). */
    private readonly retryForMs = 30_000,
  ) {}

  /**
   * GET/POST with the participant's key. A 503, and a connection that failed or broke off (the API
   * restarting), are retried with the same Idempotency-Key for up to `retryForMs`: the hub applies
   * the request once, however often it arrives.
   */
  async call<T = unknown>(method: 'GET' | 'POST', path: string, body?: unknown, accept = 'application/json'): Promise<Answer<T>> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    if (text !== undefined && holdsPrivateKey(text)) throw new PrivateKeyRefused(`the ${method} ${path} body`);
    const idempotencyKey = randomUUID();
    const giveUpAt = Date.now() + this.retryForMs;
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await this.fetchImpl(`${this.apiUrl}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${this.key}`,
            accept,
            ...(text !== undefined ? { 'content-type': 'application/json', 'idempotency-key': idempotencyKey } : {}),
          },
          ...(text !== undefined ? { body: text } : {}),
          signal: AbortSignal.timeout(60_000),
        });
      } catch (err) {
        // Refused or cut off before an answer: sent again as the same request until the deadline.
        if (Date.now() < giveUpAt && (err as Error).name !== 'TimeoutError') {
          await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 250 * attempt)));
          continue;
        }
        throw new KitError(`the hub's API at ${this.apiUrl} did not answer: ${(err as Error).message}`);
      }
      const raw = Buffer.from(await res.arrayBuffer());
      const type = res.headers.get('content-type') ?? '';
      const data = (type.includes('json') ? JSON.parse(raw.toString('utf8')) : raw) as T;
      if (res.status === 503 && (attempt < 4 || Date.now() < giveUpAt)) {
        await new Promise((resolve) => setTimeout(resolve, Number(res.headers.get('retry-after') ?? '2') * 1000));
        continue;
      }
      if (res.status === 401)
        throw new KitError('the hub does not accept this API key (revoked, rotated or mistyped): ask the hub for a new one');
      if (res.status >= 400 && res.status < 500) throw new HubRefusal(res.status, data as HubRefusal['problem']);
      if (res.status >= 500) {
        const problem = data as { code?: string; detail?: string };
        throw new KitError(`the hub failed (${res.status} ${problem.code ?? ''}): ${problem.detail ?? 'try again later'}`);
      }
      return { status: res.status, data, headers: res.headers, raw };
    }
  }
}
