/**
 * The connectivity proof (no seed does this; every hub should): the hub calls each of the
 * participant's callback origins the way it will call them in production — TLS with the hub's
 * client certificate issued by the participant's CA, the server checked against the chain the
 * participant registered — and sends one HTTP request. Any HTTP answer proves the path: DNS or
 * address, routing and firewall, the server's certificate and name, and the server's acceptance of
 * the hub's client certificate. A failure names its cause: timeout, refused, DNS, TLS alert (and
 * which), name mismatch, unknown CA, expired certificate, or a certificate other than the one
 * registered.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type PeerCertificate } from 'node:tls';
import type { EgressResult } from './egress';
import { finding, Finding, CheckReport, summarise } from '../pki/findings';

export type ConnectivityCause =
  | 'timeout'
  | 'refused'
  | 'dns'
  | 'reset'
  | 'tls-alert'
  | 'name-mismatch'
  | 'unknown-ca'
  | 'certificate-expired'
  | 'certificate-mismatch'
  /** The server closed the connection after the handshake without answering (Node-style servers refusing the client certificate). */
  | 'closed-after-handshake'
  /** The server answered, but with its refusal of the client certificate (nginx: 400 "The SSL certificate error"). */
  | 'client-certificate-refused'
  /** The hub's egress refused the destination before connecting (not https, a non-public address, no DNS answer). */
  | 'egress-refused'
  | 'error';

export interface ProbeResult {
  /** scheme://host:port as the callback URLs name it. */
  origin: string;
  /** Where the hub really connected, when an OUTBOUND_CONNECT_TO entry redirects the origin. */
  connectedTo: string;
  ok: boolean;
  cause: ConnectivityCause | null;
  /** The TLS alert the server sent (e.g. `certificate required`, `unknown ca`), for cause `tls-alert`. */
  alert: string | null;
  /** Node/OpenSSL's error code, for the record. */
  errorCode: string | null;
  message: string;
  /** The certificate the server presented, when the handshake got that far. */
  presented: { sha256: string; subject: string; issuer: string } | null;
  protocol: string | null;
  httpStatus: number | null;
  elapsedMs: number;
}

export interface ClientIdentity {
  keyPem: string;
  certificatePem: string;
}

export interface ServerTrust {
  /** The participant's CA certificates (root, intermediates) to verify the server with; null: the system's roots. */
  caPem: string | null;
  /** sha256 (hex) of the server certificate the participant registered. */
  leafSha256: string;
}

export interface ProbeOptions {
  identity: ClientIdentity;
  trust: ServerTrust;
  timeoutMs: number;
  /** curl's --connect-to: where to connect for host:port, the name checked staying the origin's. */
  connectTo?: (host: string, port: number) => { host: string; port: number } | null;
  /**
   * The hub's egress (activities/network/egress.ts): routes each origin to its checked address or
   * refuses it before any connection. Absent only where a test probes a server directly.
   */
  route?: (origin: URL) => Promise<EgressResult>;
}

const unknownCa = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

class ProbeAbort extends Error {
  constructor(
    readonly reason: ConnectivityCause,
    message: string,
  ) {
    super(message);
  }
}

/**
 * What went wrong, in the words of the cause list. `trusted` names what the hub checked the
 * server's certificate against, for an unknown-CA failure (the registered server certificate's CA,
 * a CA the participant sent, or — none sent — the public CAs the hub trusts).
 */
export function classify(
  err: unknown,
  trusted = 'the CA of the server certificate you registered',
): { cause: ConnectivityCause; alert: string | null; errorCode: string | null; message: string } {
  if (err instanceof ProbeAbort) return { cause: err.reason, alert: null, errorCode: null, message: err.message };
  const e = err as NodeJS.ErrnoException & { reason?: string };
  const code = typeof e.code === 'string' ? e.code : null;
  const alert = code ? /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(.+)$/.exec(code)?.[1] : undefined;
  if (alert) {
    const name = alert.toLowerCase().replace(/_/g, ' ');
    return {
      cause: 'tls-alert',
      alert: name,
      errorCode: code,
      message: `the server ended the handshake with the TLS alert "${name}"${/certificate|unknown ca|access denied/.test(name) ? ": it did not accept the hub's client certificate" : ''}`,
    };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return {
      cause: 'name-mismatch',
      alert: null,
      errorCode: code,
      message: `the server's certificate does not name this host: ${e.reason ?? e.message}`,
    };
  if (code && unknownCa.has(code))
    return {
      cause: 'unknown-ca',
      alert: null,
      errorCode: code,
      message: `the server's certificate does not chain to ${trusted} (${code})`,
    };
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
    return { cause: 'certificate-expired', alert: null, errorCode: code, message: `the server's certificate is not valid now (${code})` };
  if (code === 'ECONNREFUSED')
    return { cause: 'refused', alert: null, errorCode: code, message: 'the connection was refused: nothing listens there' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return { cause: 'dns', alert: null, errorCode: code, message: 'the host name does not resolve' };
  if (code === 'ECONNRESET' || code === 'EPIPE')
    return {
      cause: 'reset',
      alert: null,
      errorCode: code,
      message: 'the server closed the connection (a firewall, or a TLS server that refused the hub without an alert)',
    };
  if (code === 'ETIMEDOUT' || code === 'ECONNABORTED')
    return { cause: 'timeout', alert: null, errorCode: code, message: 'no answer in time' };
  return { cause: 'error', alert: null, errorCode: code, message: e.message };
}

const hexFingerprint = (colonHex: string) => colonHex.replace(/:/g, '').toLowerCase();

/**
 * In TLS 1.3 the server judges the client certificate after the client's handshake is done, and a
 * refusal (alert, then close) races the request the client sends next — the alert is often lost to
 * a reset. A server that accepts sends its session tickets at that point: the probe waits for the
 * first ticket (or the alert) before it sends the request, at most this long (servers without
 * tickets).
 */
const ticketWaitMs = 1000;

const closedAfterHandshake =
  "the server closed the connection right after the TLS handshake without answering: it most likely refused the hub's client certificate (check that it trusts the CA that signed the hub's certificate)";

/** One origin: TLS (mutual for https) and one GET, within `timeoutMs`. Never throws. */
export function probeOrigin(origin: URL, opts: ProbeOptions): Promise<ProbeResult> {
  const started = process.hrtime.bigint();
  const host = origin.hostname.replace(/^\[|\]$/g, '');
  const port = Number(origin.port || (origin.protocol === 'https:' ? 443 : 80));
  const target = opts.connectTo?.(host, port) ?? { host, port };
  const base = { origin: origin.origin, connectedTo: `${target.host}:${target.port}` };
  const elapsedMs = () => Number((process.hrtime.bigint() - started) / 1_000_000n);
  let presented: ProbeResult['presented'] = null;
  let protocol: string | null = null;
  let socket: Socket | null = null;
  let req: ClientRequest | null = null;

  return new Promise<ProbeResult>((resolve) => {
    let settled = false;
    const settle = (result: Omit<ProbeResult, 'origin' | 'connectedTo' | 'presented' | 'protocol' | 'elapsedMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req?.destroy();
      socket?.destroy();
      resolve({ ...base, ...result, presented, protocol, elapsedMs: elapsedMs() });
    };
    let handshakeDone = false;
    const fail = (err: unknown) => {
      const classified = classify(err, opts.trust.caPem ? 'the CA of the server certificate you registered' : 'a CA the hub trusts');
      if (handshakeDone && (classified.cause === 'reset' || classified.cause === 'error')) {
        return settle({ ok: false, httpStatus: null, ...classified, cause: 'closed-after-handshake', message: closedAfterHandshake });
      }
      settle({ ok: false, httpStatus: null, ...classified });
    };
    const timer = setTimeout(() => fail(new ProbeAbort('timeout', `no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);

    /** The HTTP request over the established connection. */
    const ask = (connection: Socket) => {
      req = httpRequest({
        createConnection: () => connection,
        method: 'GET',
        path: '/',
        headers: { host: origin.host, 'user-agent': 'onboarding-hub connectivity proof', accept: '*/*', connection: 'close' },
      });
      req.on('response', (res: IncomingMessage) => {
        if (res.statusCode === 400 && origin.protocol === 'https:') {
          // nginx answers a refused client certificate with 400 and a page naming it.
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (body.length < 4096) body += chunk;
          });
          res.on('end', () => {
            const refusal = /No required SSL certificate was sent|The SSL certificate error/i.exec(body);
            if (refusal)
              return settle({
                ok: false,
                cause: 'client-certificate-refused',
                alert: null,
                errorCode: null,
                httpStatus: 400,
                message: `the server refused the hub's client certificate: "${refusal[0]}" (check that it trusts the CA that signed the hub's certificate)`,
              });
            answered(res);
          });
          return;
        }
        answered(res);
      });
      const answered = (res: IncomingMessage) => {
        res.resume();
        settle({
          ok: true,
          cause: null,
          alert: null,
          errorCode: null,
          httpStatus: res.statusCode ?? null,
          message:
            origin.protocol === 'https:'
              ? `mutual TLS established and HTTP ${res.statusCode} answered`
              : `HTTP ${res.statusCode} answered over plain http (no TLS to prove)`,
        });
      };
      req.on('error', fail);
      req.end();
    };

    if (origin.protocol !== 'https:') {
      socket = netConnect({ host: target.host, port: target.port }, () => ask(socket as Socket));
      socket.on('error', fail);
      return;
    }
    const tlsSocket = tlsConnect({
      host: target.host,
      port: target.port,
      key: opts.identity.keyPem,
      cert: opts.identity.certificatePem,
      ...(opts.trust.caPem ? { ca: opts.trust.caPem } : {}),
      rejectUnauthorized: true,
      // SNI carries names only (RFC 6066); the identity check is always against the origin's host.
      ...(isIP(host) ? {} : { servername: host }),
      checkServerIdentity: (_connected: string, cert: PeerCertificate) => checkServerIdentity(host, cert),
    });
    socket = tlsSocket;
    tlsSocket.on('error', fail);
    // Read from the start: a session ticket or an alert is only seen when the socket reads.
    tlsSocket.resume();
    let ticket = false;
    tlsSocket.once('session', () => {
      ticket = true;
    });
    tlsSocket.once('close', () => {
      if (handshakeDone) fail(new ProbeAbort('closed-after-handshake', closedAfterHandshake));
    });
    tlsSocket.once('secureConnect', () => {
      handshakeDone = true;
      const peer = tlsSocket.getPeerCertificate();
      protocol = tlsSocket.getProtocol();
      if (peer && peer.fingerprint256) {
        presented = { sha256: hexFingerprint(peer.fingerprint256), subject: formatName(peer.subject), issuer: formatName(peer.issuer) };
        if (presented.sha256 !== opts.trust.leafSha256.toLowerCase()) {
          fail(
            new ProbeAbort(
              'certificate-mismatch',
              `the server presented ${presented.subject} (sha256 ${presented.sha256}), not the certificate you registered (sha256 ${opts.trust.leafSha256})`,
            ),
          );
          return;
        }
      }
      if (protocol !== 'TLSv1.3' || ticket) return ask(tlsSocket);
      const wait = setTimeout(() => ask(tlsSocket), ticketWaitMs);
      tlsSocket.once('session', () => {
        clearTimeout(wait);
        // Not from inside the TLS layer's own callback: a write there stalls the connection.
        setImmediate(() => {
          if (!settled) ask(tlsSocket);
        });
      });
      tlsSocket.once('close', () => clearTimeout(wait));
    });
  });
}

function formatName(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return '';
  return Object.entries(name)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

export interface ConnectivityReport extends CheckReport {
  targets: ProbeResult[];
}

/** An origin the egress refused: no connection was made. */
function egressRefusal(origin: URL, message: string): ProbeResult {
  return {
    origin: origin.origin,
    connectedTo: '',
    ok: false,
    cause: 'egress-refused',
    alert: null,
    errorCode: null,
    message,
    presented: null,
    protocol: null,
    httpStatus: null,
    elapsedMs: 0,
  };
}

/** Every distinct origin of the callback URLs, routed through the egress and probed in turn; the findings name each failure. */
export async function checkConnectivity(urls: string[], opts: ProbeOptions): Promise<ConnectivityReport> {
  const origins = [...new Map(urls.map((u) => new URL(u)).map((u) => [u.origin, u])).values()];
  const findings: Finding[] = [
    finding(
      'CONNECTIVITY_TARGETS',
      origins.length ? 'pass' : 'fail',
      origins.length ? `${origins.length} callback origin(s) to reach` : 'no callback URL to reach: submit the endpoints first',
      {
        origins: origins.map((o) => o.origin),
      },
    ),
  ];
  const targets: ProbeResult[] = [];
  for (const origin of origins) {
    const routed = opts.route ? await opts.route(origin) : null;
    if (routed !== null) findings.push(routed.finding);
    if (routed !== null && routed.route === null) {
      targets.push(egressRefusal(origin, routed.finding.message));
      continue;
    }
    const route = routed?.route ?? null;
    const result = await probeOrigin(origin, route === null ? opts : { ...opts, connectTo: () => route.connect });
    targets.push(result);
    const detail = {
      origin: result.origin,
      connectedTo: result.connectedTo,
      cause: result.cause,
      alert: result.alert,
      errorCode: result.errorCode,
      httpStatus: result.httpStatus,
      elapsedMs: result.elapsedMs,
    };
    const plain = origin.protocol !== 'https:';
    findings.push(
      finding('CONNECTIVITY_MTLS', result.ok ? (plain ? 'warn' : 'pass') : 'fail', `${result.origin}: ${result.message}`, detail),
    );
    findings.push(
      finding(
        'CONNECTIVITY_SERVER_CERTIFICATE',
        plain || result.presented === null ? 'not-applicable' : result.cause === 'certificate-mismatch' ? 'fail' : 'pass',
        plain
          ? `${result.origin}: plain http`
          : result.presented === null
            ? `${result.origin}: no certificate seen`
            : result.cause === 'certificate-mismatch'
              ? `${result.origin}: ${result.message}`
              : `${result.origin}: presented the registered certificate`,
        { origin: result.origin, presented: result.presented },
      ),
    );
  }
  return { ...summarise(findings, false), findings, targets };
}
