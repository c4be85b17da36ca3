/** The kit's HTTP client through an API restart: a refused or broken-off request is sent again as the same request (same Idempotency-Key). */
import { HubApi } from '../../../kit/hub-api';

describe('the kit through an API that is restarting', () => {
  it('sends a refused request again with the same Idempotency-Key until it answers', async () => {
    const keys: (string | null)[] = [];
    let calls = 0;
    const fetchImpl = (async (_url: string | URL | Request, init?: RequestInit) => {
      calls += 1;
      keys.push(new Headers(init?.headers).get('idempotency-key'));
      if (calls <= 2) throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
      return new Response(JSON.stringify({ ok: true }), { status: 200, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    const answer = await new HubApi('http://127.0.0.1:1', 'key', fetchImpl, 5000).call('POST', '/x', { a: 1 });
    expect(answer.data).toEqual({ ok: true });
    expect(calls).toBe(3);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives up after its deadline with a clear error', async () => {
    const fetchImpl = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    await expect(new HubApi('http://127.0.0.1:1', 'key', fetchImpl, 300).call('GET', '/x')).rejects.toThrow(
      "the hub's API at http://127.0.0.1:1 did not answer",
    );
  });
});
