/**
 * Registry reads the edge makes on every request (a token's client, a participant's JWS keys),
 * kept for `ttlMs` so a burst does not query the database per request. The bound is what a revoked
 * client or a retired key may still be honoured for: well inside the seconds the edge has to
 * close access. Concurrent misses for one key share one read.
 */
export class FreshCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const at = this.now();
    const hit = this.entries.get(key);
    if (hit !== undefined && hit.until > at) return hit.value;
    const value = load();
    this.entries.set(key, { value, until: at + this.ttlMs });
    // A failed read is not kept.
    value.catch(() => this.entries.delete(key));
    if (this.entries.size > 10_000) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }
}
