/**
 * An API client's OAuth redirect URIs and its callback URLs (seed 003). Redirect URIs are matched
 * exactly by the authorization server, so each must be an absolute https URL without wildcard,
 * fragment or credentials; at least one is required. Callback URLs are optional; the hub calls
 * them, so they follow the endpoint SSRF rules (https in production, no private or local host).
 */
import { CheckReport, Finding, finding, summarise } from '../pki/findings';
import type { Environment } from '../../workflows/vocabulary';
import { hostFinding, hostOf, systemResolve } from './endpoint-checks';

export interface RedirectUrlsReport extends CheckReport {
  redirectUris: string[];
  callbackUrls: string[];
}

const maxUrls = 10;

function urlProblem(value: string, https: boolean): string | null {
  if (value.includes('*')) return 'a wildcard: redirect URIs are matched exactly';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not an absolute URL';
  }
  if (https && url.protocol !== 'https:') return `scheme ${url.protocol} (https only)`;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `scheme ${url.protocol}`;
  if (url.username !== '' || url.password !== '') return 'credentials in the URL';
  if (url.hash !== '' || value.includes('#')) return 'a fragment';
  return null;
}

export async function checkRedirectUrls(
  input: { redirectUris: string[]; callbackUrls: string[]; environment: Environment },
  resolve: (host: string) => Promise<string[]> = systemResolve,
): Promise<RedirectUrlsReport> {
  const findings: Finding[] = [];
  const { redirectUris, callbackUrls, environment } = input;
  if (redirectUris.length === 0 || redirectUris.length > maxUrls) {
    findings.push(finding('REDIRECT_URIS_PRESENT', 'fail', `send 1-${maxUrls} redirect URIs (mandatory)`, { count: redirectUris.length }));
  } else {
    findings.push(finding('REDIRECT_URIS_PRESENT', 'pass', `${redirectUris.length} redirect URIs`));
  }
  const bad = redirectUris.map((u) => ({ url: u.slice(0, 200), problem: urlProblem(u, true) })).filter((b) => b.problem !== null);
  findings.push(
    bad.length === 0
      ? finding('REDIRECT_URI_VALID', 'pass', 'every redirect URI is an exact https URL')
      : finding('REDIRECT_URI_VALID', 'fail', bad.map((b) => `${b.url}: ${b.problem}`).join('; '), { invalid: bad }),
  );
  if (callbackUrls.length > maxUrls)
    findings.push(finding('ENDPOINT_URL_VALID', 'fail', `at most ${maxUrls} callback URLs`, { count: callbackUrls.length }));
  const production = environment === 'production';
  for (const value of callbackUrls.slice(0, maxUrls)) {
    const problem = urlProblem(value, production);
    if (problem !== null) {
      findings.push(finding('ENDPOINT_URL_VALID', 'fail', `${value.slice(0, 200)}: ${problem}`, { url: value.slice(0, 200) }));
      continue;
    }
    findings.push(await hostFinding(hostOf(new URL(value)), environment, resolve));
  }
  return { ...summarise(findings, production), redirectUris: [...redirectUris], callbackUrls: [...callbackUrls] };
}
