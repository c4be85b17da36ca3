/**
 * A DFSP's FSPIOP callback URLs (central-ledger's FSPIOP_CALLBACK_URL_* endpoint types). The hub
 * calls them, so they are checked as a server-side request target (SSRF rules): absolute https
 * URLs (the hub calls participants over https only) without credentials or fragment; in production
 * no host that is or resolves to a private, loopback, link-local (cloud metadata), CGNAT or
 * otherwise non-public address (in sandbox a warning: the egress still refuses it at call time
 * unless `OUTBOUND_CONNECT_TO` names it); every
 * host covered by the DFSP's accepted server certificate (its SANs), so the hub's TLS to it works.
 * central-ledger's `{{partyIdType}}`-style placeholders are allowed in the path.
 */
import { isIP } from 'node:net';
import { isLocalName, nonPublicRange, normalisedHost, systemResolve } from './egress';
import { callbackTypes, Environment, requiredCallbackTypes } from '../../workflows/vocabulary';
import { hostDeclared } from '../pki/certificate-checks';
import { CheckReport, Finding, finding, summarise } from '../pki/findings';

export interface EndpointsCheckInput {
  callbacks: Record<string, string>;
  environment: Environment;
  /** The SANs (DNS names and IPs) of the accepted server certificate; null when none is accepted yet. */
  serverCertificateHosts: string[] | null;
  /** Resolves a host name to its addresses (production only); defaults to the system resolver. */
  resolve?: (host: string) => Promise<string[]>;
}

export interface EndpointsReport extends CheckReport {
  /** The accepted callbacks in central-ledger's endpoint shape, sorted by type. */
  endpoints: { type: string; value: string }[];
  hosts: string[];
}

const placeholder = /\{\{[A-Za-z][A-Za-z0-9_]*\}\}/g;

export { systemResolve };

/** The URL's host as the egress sees it (lower case, no brackets, no trailing dot). */
export const hostOf = normalisedHost;

export async function hostFinding(host: string, environment: Environment, resolve: (host: string) => Promise<string[]>): Promise<Finding> {
  const production = environment === 'production';
  const named = isLocalName(host);
  if (named) {
    return finding(
      'ENDPOINT_HOST_PUBLIC',
      production ? 'fail' : 'warn',
      `${host} is a local or internal name${production ? ': production callbacks must be public' : ''}`,
      { host },
    );
  }
  let addresses: string[];
  if (isIP(host) !== 0) addresses = [host];
  else if (!production) return finding('ENDPOINT_HOST_PUBLIC', 'pass', `${host} (not resolved in sandbox)`, { host });
  else {
    try {
      addresses = await resolve(host);
    } catch (err) {
      return finding(
        'ENDPOINT_HOST_PUBLIC',
        'fail',
        `${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'}): the hub could not call it`,
        { host },
      );
    }
  }
  const bad = addresses.map((a) => ({ address: a, range: nonPublicRange(a) })).filter((a) => a.range !== null);
  if (bad.length === 0) return finding('ENDPOINT_HOST_PUBLIC', 'pass', `${host} is public`, { host, addresses });
  const what = bad.map((b) => `${b.address} (${b.range})`).join(', ');
  return finding('ENDPOINT_HOST_PUBLIC', production ? 'fail' : 'warn', `${host} is or resolves to a non-public address: ${what}`, {
    host,
    addresses: bad,
  });
}

/**
 * The callback as the hub stores and registers it: scheme and host in lower case, no trailing dot
 * on the host, no default port (`HTTPS://API.Dfsp.example.:443/x` → `https://api.dfsp.example/x`);
 * the path exactly as sent (central-ledger's `{{placeholders}}` must survive).
 */
export function normalisedCallback(value: string): string {
  const trimmed = value.trim();
  const parts = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/s.exec(trimmed);
  if (parts === null) return trimmed;
  const [, scheme, authority, rest] = parts as unknown as [string, string, string, string];
  // Credentials stay as sent: the check refuses them, and says so.
  if (authority.includes('@')) return trimmed;
  try {
    const origin = new URL(`${scheme.toLowerCase()}://${authority}/`);
    const host = origin.hostname.replace(/\.$/, '');
    return `${origin.protocol}//${host}${origin.port ? `:${origin.port}` : ''}${rest}`;
  } catch {
    return trimmed;
  }
}

export async function checkEndpoints(input: EndpointsCheckInput): Promise<EndpointsReport> {
  const findings: Finding[] = [];
  const production = input.environment === 'production';
  const known = new Set<string>(callbackTypes);
  const entries = Object.entries(input.callbacks)
    .map(([type, value]): [string, string] => [type, typeof value === 'string' ? normalisedCallback(value) : value])
    .sort(([a], [b]) => a.localeCompare(b));
  const missing = requiredCallbackTypes.filter((t) => typeof input.callbacks[t] !== 'string');
  const unknown = entries.filter(([type]) => !known.has(type)).map(([type]) => type);
  findings.push(
    missing.length === 0 && unknown.length === 0
      ? finding(
          'ENDPOINTS_REQUIRED_PRESENT',
          'pass',
          `${entries.length} callback types, the ${requiredCallbackTypes.length} required ones among them`,
        )
      : finding(
          'ENDPOINTS_REQUIRED_PRESENT',
          'fail',
          [missing.length ? `missing: ${missing.join(', ')}` : '', unknown.length ? `unknown types: ${unknown.join(', ')}` : '']
            .filter(Boolean)
            .join('; '),
          { missing, unknown },
        ),
  );

  const hosts = new Set<string>();
  for (const [type, value] of entries) {
    let url: URL;
    try {
      url = new URL(value.replace(placeholder, 'x'));
    } catch {
      findings.push(finding('ENDPOINT_URL_VALID', 'fail', `${type}: not an absolute URL`, { type }));
      continue;
    }
    const problem =
      url.protocol !== 'https:' && url.protocol !== 'http:'
        ? `scheme ${url.protocol} (http or https only)`
        : url.username !== '' || url.password !== ''
          ? 'credentials in the URL'
          : url.hash !== '' || value.includes('#')
            ? 'a fragment'
            : url.search !== ''
              ? 'a query string'
              : null;
    if (problem !== null) {
      findings.push(finding('ENDPOINT_URL_VALID', 'fail', `${type}: ${problem}`, { type }));
      continue;
    }
    if (url.protocol !== 'https:') {
      // The hub calls participants over https only, in sandbox too (activities/network/egress.ts).
      findings.push(finding('ENDPOINT_HTTPS', 'fail', `${type}: http is refused: the hub calls participants over https only`, { type }));
    }
    hosts.add(hostOf(url));
  }
  if (!findings.some((f) => f.code === 'ENDPOINT_URL_VALID'))
    findings.push(finding('ENDPOINT_URL_VALID', 'pass', 'Every URL is absolute http(s), without credentials, query or fragment'));
  if (!findings.some((f) => f.code === 'ENDPOINT_HTTPS')) findings.push(finding('ENDPOINT_HTTPS', 'pass', 'Every callback is https'));

  const resolve = input.resolve ?? systemResolve;
  for (const host of [...hosts].sort()) {
    findings.push(await hostFinding(host, input.environment, resolve));
    if (input.serverCertificateHosts === null) {
      findings.push(
        finding('ENDPOINT_HOST_COVERED', 'fail', `${host}: no server certificate accepted yet — submit the server certificate first`, {
          host,
        }),
      );
    } else if (!hostDeclared(host, input.serverCertificateHosts)) {
      findings.push(
        finding(
          'ENDPOINT_HOST_COVERED',
          'fail',
          `${host} is not among the server certificate's names (${input.serverCertificateHosts.join(', ') || 'none'})`,
          { host },
        ),
      );
    } else {
      findings.push(finding('ENDPOINT_HOST_COVERED', 'pass', `${host} is covered by the server certificate`, { host }));
    }
  }
  // Sandbox warnings (http, local hosts) are reported, not blocking: test DFSPs run on laptops.
  const report = summarise(findings, production);
  return {
    ...report,
    endpoints: entries.filter(([type]) => known.has(type)).map(([type, value]) => ({ type, value })),
    hosts: [...hosts].sort(),
  };
}
