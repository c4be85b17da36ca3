import { allowlistPolicyFor, checkAllowlist } from '../../../activities/network/allowlist-checks';

const production = allowlistPolicyFor('production');
const sandbox = allowlistPolicyFor('sandbox');

function codes(report: ReturnType<typeof checkAllowlist>, result: 'warn' | 'fail') {
  return report.findings.filter((f) => f.result === result).map((f) => f.code);
}

describe('IP allowlist checks', () => {
  it('accepts public IPv4 and IPv6 addresses and blocks, normalised to sorted CIDRs', () => {
    const report = checkAllowlist(['81.2.69.160', '2a00:1450:4009:0820::/64', '81.2.69.0/28', '::ffff:8.8.8.8'], production);
    expect(report).toMatchObject({ verdict: 'pass', blocking: false });
    expect(report.entries).toEqual(['8.8.8.8/32', '81.2.69.0/28', '81.2.69.160/32', '2a00:1450:4009:820::/64']);
  });

  it('refuses what is not an address: words, short IPv4 forms, bad prefixes', () => {
    const report = checkAllowlist(['example.com', '127.1', '81.2.69.1/33', '81.2.69.1/x', '1.2.3.4/24/8', '2a00::1/129', ''], production);
    expect(report.blocking).toBe(true);
    expect(report.findings.filter((f) => f.code === 'ALLOWLIST_ENTRY_PARSES').map((f) => f.detail.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(report.entries).toEqual([]);
  });

  it('refuses a block written with host bits set, naming both readings', () => {
    const report = checkAllowlist(['81.2.69.165/24'], production);
    expect(codes(report, 'fail')).toEqual(['ALLOWLIST_NO_HOST_BITS']);
    expect(report.findings.find((f) => f.code === 'ALLOWLIST_NO_HOST_BITS')?.detail).toMatchObject({
      block: '81.2.69.0/24',
      address: '81.2.69.165/32',
    });
  });

  it('merges duplicates and covered blocks, reporting them as warnings that do not block', () => {
    const report = checkAllowlist(['81.2.69.0/24', '81.2.69.7', '81.2.69.0/24', '2a00:1450::/48', '2a00:1450:0:1::/64'], production);
    expect(report.blocking).toBe(false);
    expect(codes(report, 'warn').sort()).toEqual(['ALLOWLIST_NO_DUPLICATES', 'ALLOWLIST_NO_OVERLAP', 'ALLOWLIST_NO_OVERLAP']);
    expect(report.entries).toEqual(['81.2.69.0/24', '2a00:1450::/48']);
  });

  it('refuses blocks wider than /24 (IPv4) and /48 (IPv6), and the whole internet always', () => {
    const report = checkAllowlist(['81.2.68.0/23', '2a00:1450::/47', '0.0.0.0/0', '::/0'], allowlistPolicyFor('sandbox'));
    expect(codes(report, 'fail')).toEqual([
      'ALLOWLIST_PREFIX_BREADTH',
      'ALLOWLIST_PREFIX_BREADTH',
      'ALLOWLIST_PREFIX_BREADTH',
      'ALLOWLIST_PREFIX_BREADTH',
    ]);
  });

  it.each([
    ['10.1.2.3', 'private'],
    ['192.168.4.0/24', 'private'],
    ['127.0.0.2', 'loopback'],
    ['169.254.1.1', 'linkLocal'],
    ['100.64.3.4', 'carrierGradeNat'],
    ['224.0.0.1', 'multicast'],
    ['192.0.2.10', 'reserved'],
    ['203.0.113.0/24', 'reserved'],
    ['240.1.2.3', 'reserved'],
    ['fe80::1', 'linkLocal'],
    ['fd00::1', 'uniqueLocal'],
    ['::1', 'loopback'],
    ['2001:db8::/48', 'reserved'],
  ])('refuses %s (%s) in production and accepts it with a warning in sandbox', (entry, range) => {
    const prod = checkAllowlist([entry], production);
    expect(prod.blocking).toBe(true);
    expect(prod.findings.find((f) => f.code === 'ALLOWLIST_PUBLIC_RANGE')).toMatchObject({ result: 'fail', detail: { range } });
    const sand = checkAllowlist([entry], sandbox);
    expect(sand.blocking).toBe(false);
    expect(codes(sand, 'warn')).toEqual(['ALLOWLIST_PUBLIC_RANGE']);
    expect(sand.entries).toHaveLength(1);
  });

  it('refuses an empty list and one longer than the policy allows', () => {
    expect(codes(checkAllowlist([], production), 'fail')).toEqual(['ALLOWLIST_NOT_EMPTY']);
    const many = Array.from({ length: 65 }, (_, i) => `81.2.${i}.1`);
    expect(codes(checkAllowlist(many, production), 'fail')).toEqual(['ALLOWLIST_SIZE']);
    expect(checkAllowlist(many.slice(0, 64), production).blocking).toBe(false);
  });
});
