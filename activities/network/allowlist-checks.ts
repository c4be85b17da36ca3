/**
 * IP allowlist checks (ipaddr.js): what a participant may connect from. Entries are single
 * addresses or CIDR blocks, IPv4 or IPv6; the accepted list is normalised (CIDR everywhere,
 * IPv4-mapped IPv6 as IPv4, duplicates and covered blocks merged) and reported in the PKI
 * findings format, so API clients read one vocabulary.
 */
import ipaddr from 'ipaddr.js';
import type { Environment } from '../../workflows/vocabulary';
import { CheckReport, Finding, finding, summarise } from '../pki/findings';

export interface AllowlistPolicy {
  /** Most entries a list may hold. */
  maxEntries: number;
  /** The widest block accepted: nothing shorter than these prefixes. */
  minPrefix: { ipv4: number; ipv6: number };
  /** Whether private, loopback, link-local, CGNAT, documentation… ranges are accepted. */
  allowNonPublic: boolean;
}

/** Defaults: /24 and /48 at the widest, 64 entries; non-public ranges in sandbox only. */
export function allowlistPolicyFor(environment: Environment, overrides: Partial<AllowlistPolicy> = {}): AllowlistPolicy {
  return { maxEntries: 64, minPrefix: { ipv4: 24, ipv6: 48 }, allowNonPublic: environment === 'sandbox', ...overrides };
}

export interface AllowlistReport extends CheckReport {
  /** The list the hub keeps when the report does not block: normalised CIDRs, sorted. */
  entries: string[];
}

interface Block {
  input: string;
  /** The network address (host bits cleared). */
  address: ipaddr.IPv4 | ipaddr.IPv6;
  prefix: number;
  cidr: string;
  /** The address as written had host bits set (`192.0.2.5/24`): `given` is it as one address. */
  hostBitsSet: boolean;
  given: string;
}

const maxEntryLength = 64;

/** An entry as written → a block, or why not. Only dotted-quad IPv4 (no `127.1`, no octal). */
function parseEntry(raw: string): Block | string {
  const input = raw.trim();
  if (input.length === 0 || input.length > maxEntryLength) return 'not an IP address or CIDR block';
  const [addressText = '', prefixText, ...rest] = input.split('/');
  if (rest.length > 0) return 'more than one "/"';
  const isV4 = ipaddr.IPv4.isValidFourPartDecimal(addressText);
  if (!isV4 && !ipaddr.IPv6.isValid(addressText)) return 'not an IP address (IPv4 as four decimal parts, or IPv6)';
  let address: ipaddr.IPv4 | ipaddr.IPv6 = ipaddr.parse(addressText);
  const maxPrefix = address.kind() === 'ipv4' ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return 'the prefix length is not a number';
  let prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
  if (prefix > maxPrefix) return `the prefix length is above ${maxPrefix}`;
  if (address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress() && prefix >= 96) {
    address = address.toIPv4Address();
    prefix -= 96;
  }
  const network = ipaddr.parse(networkOf(address, prefix));
  const hostBitsSet = network.toNormalizedString() !== address.toNormalizedString();
  const given = `${address.toString()}/${address.kind() === 'ipv4' ? 32 : 128}`;
  return { input, address: network, prefix, cidr: `${network.toString()}/${prefix}`, hostBitsSet, given };
}

function networkOf(address: ipaddr.IPv4 | ipaddr.IPv6, prefix: number): string {
  return address.kind() === 'ipv4'
    ? ipaddr.IPv4.networkAddressFromCIDR(`${address.toString()}/${prefix}`).toString()
    : ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${prefix}`).toString();
}

/** The block's last address: every host bit set. */
function lastOf(block: Block): ipaddr.IPv4 | ipaddr.IPv6 {
  const bytes = block.address.toByteArray().map((byte, i) => {
    const hostBits = Math.min(8, Math.max(0, (i + 1) * 8 - block.prefix));
    return byte | ((1 << hostBits) - 1);
  });
  return ipaddr.fromByteArray(bytes);
}

function covers(wide: Block, narrow: Block): boolean {
  return wide.address.kind() === narrow.address.kind() && wide.prefix <= narrow.prefix && narrow.address.match(wide.address, wide.prefix);
}

/** A block is public when its first and last addresses are ordinary unicast. */
function specialRange(block: Block): string | null {
  for (const address of [block.address, lastOf(block)]) {
    const range = address.range();
    if (range !== 'unicast') return range;
  }
  return null;
}

export function checkAllowlist(entries: readonly string[], policy: AllowlistPolicy): AllowlistReport {
  const findings: Finding[] = [];
  if (entries.length === 0) {
    findings.push(
      finding('ALLOWLIST_NOT_EMPTY', 'fail', 'The allowlist is empty: list at least one address or block the participant connects from'),
    );
    return { ...summarise(findings, true), entries: [] };
  }
  findings.push(
    entries.length > policy.maxEntries
      ? finding('ALLOWLIST_SIZE', 'fail', `${entries.length} entries; at most ${policy.maxEntries} are accepted`, {
          count: entries.length,
          max: policy.maxEntries,
        })
      : finding('ALLOWLIST_SIZE', 'pass', `${entries.length} entries`, { count: entries.length, max: policy.maxEntries }),
  );

  const blocks: Block[] = [];
  entries.forEach((raw, index) => {
    const parsed = parseEntry(raw);
    if (typeof parsed === 'string') {
      findings.push(
        finding('ALLOWLIST_ENTRY_PARSES', 'fail', `Entry ${index + 1} ("${raw.slice(0, maxEntryLength)}"): ${parsed}`, {
          index,
          entry: raw.slice(0, maxEntryLength),
        }),
      );
      return;
    }
    if (parsed.hostBitsSet) {
      // Which one was meant is not ours to guess: the block or the single address.
      findings.push(
        finding(
          'ALLOWLIST_NO_HOST_BITS',
          'fail',
          `Entry ${index + 1} (${parsed.input}) has host bits set: write ${parsed.cidr} for the block or ${parsed.given} for the one address`,
          {
            index,
            entry: parsed.input,
            block: parsed.cidr,
            address: parsed.given,
          },
        ),
      );
      return;
    }
    const minPrefix = parsed.address.kind() === 'ipv4' ? policy.minPrefix.ipv4 : policy.minPrefix.ipv6;
    if (parsed.prefix < minPrefix) {
      findings.push(
        finding(
          'ALLOWLIST_PREFIX_BREADTH',
          'fail',
          `Entry ${index + 1} (${parsed.cidr}) is wider than /${minPrefix}: list the narrower blocks the participant really uses`,
          {
            index,
            entry: parsed.cidr,
            minPrefix,
          },
        ),
      );
      return;
    }
    const range = specialRange(parsed);
    if (range !== null) {
      findings.push(
        finding(
          'ALLOWLIST_PUBLIC_RANGE',
          policy.allowNonPublic ? 'warn' : 'fail',
          `Entry ${index + 1} (${parsed.cidr}) is in a ${range} range, not reachable on the internet${policy.allowNonPublic ? ' (accepted in this environment)' : ''}`,
          { index, entry: parsed.cidr, range },
        ),
      );
      if (!policy.allowNonPublic) return;
    }
    blocks.push(parsed);
  });

  // Merge: the same block twice, or a block inside a wider one, leaves one entry.
  const kept: Block[] = [];
  const byBreadth = [...blocks].sort((a, b) => a.prefix - b.prefix);
  for (const block of byBreadth) {
    const same = kept.find((k) => k.cidr === block.cidr);
    if (same) {
      findings.push(
        finding('ALLOWLIST_NO_DUPLICATES', 'warn', `${block.input} repeats ${same.cidr}; kept once`, {
          entry: block.input,
          keptAs: same.cidr,
        }),
      );
      continue;
    }
    const wider = kept.find((k) => covers(k, block));
    if (wider) {
      findings.push(
        finding('ALLOWLIST_NO_OVERLAP', 'warn', `${block.cidr} lies inside ${wider.cidr}; kept as ${wider.cidr}`, {
          entry: block.cidr,
          keptAs: wider.cidr,
        }),
      );
      continue;
    }
    kept.push(block);
  }
  const normalised = kept.map((b) => b.cidr).sort(compareCidr);
  // A warning about a range the policy accepts does not block; failures do.
  return { ...summarise(findings, false), entries: normalised };
}

/** IPv4 before IPv6, then by address bytes, then by prefix: a stable order for storage and diffs. */
function compareCidr(a: string, b: string): number {
  const [pa, la] = ipaddr.parseCIDR(a);
  const [pb, lb] = ipaddr.parseCIDR(b);
  if (pa.kind() !== pb.kind()) return pa.kind() === 'ipv4' ? -1 : 1;
  const ba = pa.toByteArray();
  const bb = pb.toByteArray();
  for (let i = 0; i < ba.length; i++) {
    const d = (ba[i] as number) - (bb[i] as number);
    if (d !== 0) return d;
  }
  return la - lb;
}
