import { FreshCache } from '../../../edge/verifier/fresh-cache';

describe("the edge's registry cache", () => {
  it('answers from one read within the bound, reads again after it, and shares a read between concurrent misses', async () => {
    let now = 0;
    let reads = 0;
    const cache = new FreshCache<number>(1000, () => now);
    const load = async () => ++reads;
    expect(await Promise.all([cache.get('k', load), cache.get('k', load)])).toEqual([1, 1]);
    now = 999;
    expect(await cache.get('k', load)).toBe(1);
    now = 1000;
    expect(await cache.get('k', load)).toBe(2);
    expect(reads).toBe(2);
  });

  it('keeps no failed read', async () => {
    const cache = new FreshCache<number>(1000, () => 0);
    await expect(cache.get('k', async () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await cache.get('k', async () => 7)).toBe(7);
  });
});
