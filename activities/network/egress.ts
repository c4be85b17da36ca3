/**
 * The hub's one way out to participants: every outbound call (the connectivity proof, the bank's
 * authorization check, later the switch's callbacks) is routed here first. https only, in both
 * environments. The destination is resolved once and its addresses are checked; the call then
 * connects to exactly the checked address, and TLS checks the URL's name against the certificate.
 * A DNS answer that changes between the check and the connection (rebinding) cannot move the call.
 *
 * The checks see through every notation of an address: the URL parser turns `127.1`, `2130706433`,
 * `0x7f000001` and `0177.0.0.1` into `127.0.0.1`; IPv6 forms that carry an IPv4 address (mapped
 * `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64, 6to4, Teredo) count as that address or as not
 * public; a trailing dot is the same name. Loopback, private, link-local (cloud metadata),
 * carrier-grade NAT and every other special range is refused — unless an operator named the
 * destination in `OUTBOUND_CONNECT_TO` (a participant reached over a VPN or, in tests, on
 * loopback): those targets are configuration, not participant input.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { finding, type Finding } from '../pki/findings';

/** curl's --connect-to, as configured: `host:port` → where to connect instead (the TLS name stays the URL's). */
export type ConnectTo = Record<string, { host: string; port: number }>;

export interface EgressConfig {
  connectTo: ConnectTo;
  /** Resolves a host name to its addresses (all of them). */
  resolve: (host: string) => Promise<string[]>;
}

/** Where a call goes: the URL's name and port, and the one address it connects to. */
export interface EgressRoute {
  /** The URL's host, normalised (lower case, no brackets, no trailing dot): what TLS checks the certificate against. */
  host: string;
  port: number;
  /** The checked address (or the configured connect-to target) the socket connects to. */
  connect: { host: string; port: number };
  /** How the route was found: an operator's connect-to entry, an address literal, or a DNS answer. */
  via: 'connect-to' | 'address' | 'dns';
}

/** The system resolver: every address of a name. */
export async function systemResolve(host: string): Promise<string[]> {
  const answers = await lookup(host, { all: true, verbatim: true });
  return answers.map((a) => a.address);
}

/** The egress as a worker configures it: its connect-to entries, and a resolver (the system's when none is given). */
export function egressConfig(connectTo: ConnectTo, resolve?: (host: string) => Promise<string[]>): EgressConfig {
  return { connectTo, resolve: resolve ?? systemResolve };
}

export type EgressResult = { route: EgressRoute; finding: Finding } | { route: null; finding: Finding };

const metadataNames = new Set(['metadata.google.internal', 'metadata', 'instance-data']);
/** IPv6 ranges that carry an IPv4 address the hub would in effect reach (NAT64, 6to4, Teredo). */
const embeddingRanges = new Set(['rfc6052', 'rfc6145', '6to4', 'teredo']);

/** The URL's host as a name or address: lower case, without IPv6 brackets or a trailing dot. */
export function normalisedHost(url: URL): string {
  return url.hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
}

/** A name that never means a public host (`localhost`, `*.internal`, cloud metadata names). */
export function isLocalName(host: string): boolean {
  const name = host.replace(/\.$/, '').toLowerCase();
  return (
    name === 'localhost' || name.endsWith('.localhost') || name.endsWith('.internal') || name.endsWith('.local') || metadataNames.has(name)
  );
}

/**
 * The special range an address is in, or null for a public unicast address. IPv4-mapped and
 * IPv4-compatible IPv6 addresses are judged by the IPv4 address they carry; NAT64, 6to4 and Teredo
 * addresses are never public destinations.
 */
export function nonPublicRange(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'invalid';
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return nonPublicRange(v6.toIPv4Address().toString());
    const parts = v6.parts;
    // ::a.b.c.d (IPv4-compatible, deprecated by RFC 4291): the first 96 bits are zero.
    if (parts.slice(0, 6).every((p) => p === 0)) {
      const v4 = `${parts[6]! >> 8}.${parts[6]! & 255}.${parts[7]! >> 8}.${parts[7]! & 255}`;
      return v4 === '0.0.0.0' || v4 === '0.0.0.1' ? v6.range() : `ipv4Compatible ${nonPublicRange(v4) ?? 'unicast'}`;
    }
    if (embeddingRanges.has(v6.range())) return v6.range();
  }
  const range = parsed.range();
  return range === 'unicast' ? null : range;
}

const refused = (message: string, detail: Record<string, unknown>): EgressResult => ({
  route: null,
  finding: finding('EGRESS_DESTINATION', 'fail', message, detail),
});

/**
 * The route to a participant's URL, or the finding that refuses it. `label` names the URL in the
 * finding (e.g. the callback origin). Never throws.
 */
export async function routeTo(raw: string | URL, config: EgressConfig, label = String(raw)): Promise<EgressResult> {
  let url: URL;
  try {
    url = typeof raw === 'string' ? new URL(raw) : raw;
  } catch {
    return refused(`${label}: not an absolute URL`, { url: label });
  }
  if (url.protocol !== 'https:')
    return refused(`${label}: the hub calls participants over https only`, { url: label, scheme: url.protocol });
  if (url.username !== '' || url.password !== '') return refused(`${label}: credentials in the URL`, { url: label });
  const host = normalisedHost(url);
  const port = Number(url.port || 443);
  const configured = config.connectTo[`${host}:${port}`] ?? config.connectTo[`${url.hostname}:${port}`];
  if (configured !== undefined) {
    const route: EgressRoute = { host, port, connect: configured, via: 'connect-to' };
    return {
      route,
      finding: finding('EGRESS_DESTINATION', 'pass', `${label}: connects to ${configured.host}:${configured.port} (OUTBOUND_CONNECT_TO)`, {
        host,
        port,
        connect: configured,
      }),
    };
  }
  if (isLocalName(host)) return refused(`${label}: ${host} is a local or internal name, not a participant's public host`, { host });
  let addresses: string[];
  const literal = isIP(host) !== 0;
  if (literal) addresses = [host];
  else {
    try {
      addresses = await config.resolve(host);
    } catch (err) {
      return refused(`${label}: ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { host });
    }
    if (addresses.length === 0) return refused(`${label}: ${host} has no address`, { host });
  }
  const bad = addresses.map((address) => ({ address, range: nonPublicRange(address) })).filter((a) => a.range !== null);
  if (bad.length > 0) {
    const what = bad.map((b) => `${b.address} (${b.range})`).join(', ');
    return refused(`${label}: ${host} is or resolves to a non-public address: ${what}`, { host, addresses: bad });
  }
  const address = addresses[0]!;
  const route: EgressRoute = { host, port, connect: { host: address, port }, via: literal ? 'address' : 'dns' };
  return { route, finding: finding('EGRESS_DESTINATION', 'pass', `${label}: ${host} → ${address}, public`, { host, port, address }) };
}
