import type { OnboardingStatus, SubmissionInstance, WatchedCertificate } from '../../workflows/messages';
import { certificateAlert, CertificateStateKey, onboardingSearchAttributes } from '../../workflows/frame/search-attributes';
import { absorbCertificates, certificateOf, nextCertificateEvent } from '../../workflows/steps/renewal';

const day = 86_400_000;
const t0 = Date.parse('2026-12-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

const watched = (
  id: string,
  notAfter: number,
  state: WatchedCertificate['state'] = 'valid',
  extra: Partial<WatchedCertificate> = {},
): WatchedCertificate => ({
  id,
  submission: 'client-csr',
  environment: 'production',
  serialHex: id.length.toString(16),
  sha256: `sha-${id}`,
  notAfter: iso(notAfter),
  state,
  ...extra,
});

function accepted(
  id: string,
  artifact: Record<string, unknown> | null,
  name: SubmissionInstance['name'] = 'client-csr',
): SubmissionInstance {
  const [, environment, round] = /^[^@]+@(\w+)#(\d+)$/.exec(id)!;
  return {
    id,
    type: 'submission',
    name,
    environment: environment as 'sandbox' | 'production',
    round: Number(round),
    role: 'participant',
    status: 'accepted',
    openedAt: iso(t0),
    closedAt: iso(t0 + 1000),
    deadlineAt: null,
    chase: {
      timers: { remindEveryMs: null, escalateAfterMs: null, expireAfterMs: null },
      since: iso(t0),
      reminders: 0,
      escalated: false,
      events: [],
    },
    attempts: [],
    artifact,
  } as SubmissionInstance;
}

describe('the certificate watch after go-live', () => {
  it('opens the renewal lead time before the earliest valid certificate ends, and expires a certificate under renewal at its own end', () => {
    const certs = [watched('client-csr@production#1', t0 + 90 * day), watched('server-certificate@production#1', t0 + 40 * day)];
    expect(nextCertificateEvent(certs, 30 * day)).toEqual({
      type: 'renewal-due',
      id: 'server-certificate@production#1',
      at: t0 + 10 * day,
    });
    certs[1]!.state = 'renewal-due';
    expect(nextCertificateEvent(certs, 30 * day)).toEqual({ type: 'expiry', id: 'server-certificate@production#1', at: t0 + 40 * day });
    certs[1]!.state = 'expired';
    expect(nextCertificateEvent(certs, 30 * day)).toEqual({ type: 'renewal-due', id: 'client-csr@production#1', at: t0 + 60 * day });
  });

  it('has nothing to wait for once every certificate is expired or replaced', () => {
    expect(nextCertificateEvent([watched('a@sandbox#1', t0, 'expired'), watched('b@sandbox#1', t0, 'replaced')], day)).toBeNull();
    expect(nextCertificateEvent([], day)).toBeNull();
  });

  it('reads the identity from a hub-issued artifact and from a checked bundle’s leaf, and refuses one without a valid notAfter', () => {
    const identity = { serialHex: '0a', sha256: 'ab', notAfter: iso(t0) };
    expect(certificateOf({ ...identity, certificatePem: 'x' })).toEqual(identity);
    expect(certificateOf({ leaf: { ...identity, subject: 'CN=x' }, chainPem: 'y' })).toEqual(identity);
    expect(certificateOf({ serialHex: '0a', sha256: 'ab', notAfter: 'soon' })).toBeNull();
    expect(certificateOf({})).toBeNull();
    expect(certificateOf(null)).toBeNull();
  });

  it('watches every accepted certificate once, and marks the one whose renewal was accepted as replaced', () => {
    const identity = (serialHex: string, notAfter: number) => ({ serialHex, sha256: `sha-${serialHex}`, notAfter: iso(notAfter) });
    const status = {
      instances: [
        accepted('client-csr@production#1', identity('01', t0 + day)),
        accepted('ip-allowlist@production#1', { entries: ['1.2.3.4'] }, 'ip-allowlist'),
        accepted('server-certificate@production#1', { leaf: identity('02', t0 + 2 * day) }, 'server-certificate'),
      ],
    } as unknown as OnboardingStatus;
    expect(absorbCertificates(status, ['client-csr', 'server-certificate'])).toBe(true);
    expect(status.certificates?.map((c) => `${c.id}=${c.state}`)).toEqual([
      'client-csr@production#1=valid',
      'server-certificate@production#1=valid',
    ]);
    expect(absorbCertificates(status, ['client-csr', 'server-certificate'])).toBe(false);
    // An accepted submission that carries no certificate is not watched (and does not count as news).
    status.instances.push(accepted('server-certificate@sandbox#1', {}, 'server-certificate'));
    expect(absorbCertificates(status, ['client-csr', 'server-certificate'])).toBe(false);
    status.instances.pop();

    status.certificates![0]!.state = 'expired';
    status.certificates![0]!.renewal = 'client-csr@production#2';
    status.instances.push(accepted('client-csr@production#2', identity('03', t0 + 365 * day)));
    expect(absorbCertificates(status, ['client-csr', 'server-certificate'])).toBe(true);
    expect(status.certificates?.map((c) => `${c.id}=${c.state}`)).toEqual([
      'client-csr@production#1=replaced',
      'server-certificate@production#1=valid',
      'client-csr@production#2=valid',
    ]);
    expect(status.certificates![0]!.replacedAt).toBe(iso(t0 + 1000));
  });

  it('flags the worst state in the CertificateState search attribute, pushed only once certificates are watched', () => {
    expect(certificateAlert([watched('a@sandbox#1', t0), watched('b@sandbox#1', t0, 'replaced')])).toBe('valid');
    expect(certificateAlert([watched('a@sandbox#1', t0), watched('b@sandbox#1', t0, 'renewal-due')])).toBe('renewal-due');
    expect(certificateAlert([watched('a@sandbox#1', t0, 'expired'), watched('b@sandbox#1', t0, 'renewal-due')])).toBe('expired');
    const base = {
      kind: 'dfsp' as const,
      participantId: 'dfsp1',
      environment: 'production' as const,
      step: 'done' as const,
      state: 'live' as const,
      awaiting: [],
    };
    expect(onboardingSearchAttributes(base).map((p) => p.key.name)).not.toContain('CertificateState');
    expect(
      onboardingSearchAttributes({ ...base, certificates: [watched('a@sandbox#1', t0, 'expired')] }).find(
        (p) => p.key === CertificateStateKey,
      )?.value,
    ).toBe('expired');
  });
});
