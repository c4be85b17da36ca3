/**
 * The X.509 reader against facts recorded from the reader before it (test/fixtures/pki/
 * reader-facts.json, made by test/scripts/record-reader-facts.ts over openssl-made and
 * hub-written certificates and CSRs): the same views, and the same verdict on 3,000 byte
 * mutations of them. Then strict DER: BER and broken encodings are refused with stable codes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCertificate, parseCsr, PkiInputError } from '../../../activities/pki/x509-model';
import { applyFlips, outcomeOf, viewFacts } from '../../support/pki-corpus';

interface Recorded {
  entries: { name: string; type: 'certificate' | 'csr'; der: string; facts: Record<string, unknown> }[];
  mutations: [number, [number, number][], string][];
}
const recorded = JSON.parse(readFileSync(path.join(__dirname, '../../fixtures/pki/reader-facts.json'), 'utf8')) as Recorded;
const inputs = recorded.entries.map((e) => ({ ...e, bytes: new Uint8Array(Buffer.from(e.der, 'base64')) }));
const read = (type: 'certificate' | 'csr', der: Uint8Array) => (type === 'csr' ? parseCsr(der) : parseCertificate(der));
const input = (name: string) => inputs.find((e) => e.name === name)!.bytes;

const codeOf = (bytes: Uint8Array, type: 'certificate' | 'csr' = 'certificate') => {
  try {
    read(type, bytes);
    return 'read';
  } catch (err) {
    return err instanceof PkiInputError ? err.code : `crash: ${String(err)}`;
  }
};

describe('the reader reads the recorded facts', () => {
  it.each(inputs.map((e) => [e.name, e] as const))('%s', (_name, entry) => {
    expect(viewFacts(read(entry.type, entry.bytes))).toEqual(entry.facts);
  });

  /**
   * Mutations the recorded reader read and this one refuses: each damages a part the recorded
   * reader never decoded and asn1js/pkijs now do — a signature AlgorithmIdentifier's OID or NULL
   * parameters (580, 616, 781, 1305, 1793, 1808), EC key parameters turned into a 5-octet BOOLEAN
   * (2099).
   */
  const refusedNowReadBefore = [580, 616, 781, 1305, 1793, 1808, 2099];

  it('on 3,000 byte mutations: never crashes, never laxer, and reads the same facts whenever both readers read', () => {
    expect(recorded.mutations.length).toBe(3000);
    const crashes: string[] = [];
    const laxer: string[] = [];
    const misread: string[] = [];
    const stricter: number[] = [];
    const codes = new Map<string, number>();
    recorded.mutations.forEach(([entry, flips, expected], i) => {
      const e = inputs[entry]!;
      const actual = outcomeOf(() => read(e.type, applyFlips(e.bytes, flips)));
      const wasRead = expected.startsWith('read:');
      const isRead = actual.startsWith('read:');
      if (actual.startsWith('crash:')) crashes.push(`#${i}: ${actual}`);
      else if (wasRead && isRead && actual !== expected) misread.push(`#${i} (${e.name})`);
      else if (!wasRead && isRead) laxer.push(`#${i} (${e.name}): recorded ${expected}`);
      else if (wasRead && !isRead) stricter.push(i);
      else if (!isRead) codes.set(actual === expected ? 'same' : 'other', (codes.get(actual === expected ? 'same' : 'other') ?? 0) + 1);
    });
    expect({ crashes, laxer, misread }).toEqual({ crashes: [], laxer: [], misread: [] });
    expect(stricter).toEqual(refusedNowReadBefore);
    // Refusal codes of random multi-byte damage may move between DER_INVALID, DER_NOT_CANONICAL
    // and NOT_A_CERTIFICATE (asn1js decodes OIDs and times the old walker only framed); the
    // single-fault classes keep their codes (tests below). Most refusals keep the same code.
    expect(codes.get('same') ?? 0).toBeGreaterThan(9 * (codes.get('other') ?? 0));
  });
});

describe('strict DER: BER encodings are refused with DER_NOT_CANONICAL, broken ones with DER_INVALID', () => {
  const cert = () => input('client leaf RSA-2048');

  it('refuses an indefinite length and a long-form length for a short value', () => {
    const body = cert().subarray(4);
    expect(codeOf(new Uint8Array([0x30, 0x80, ...body, 0, 0]))).toBe('DER_NOT_CANONICAL');
    expect(codeOf(new Uint8Array([0x30, 0x81, 0x05, 0x02, 0x01, 0x01, 0x05, 0x00]))).toBe('DER_NOT_CANONICAL');
  });

  it('refuses a BOOLEAN TRUE that is not FF, a truncated object and trailing bytes', () => {
    const bytes = cert();
    const critical = Buffer.from(bytes).indexOf(Buffer.from([0x01, 0x01, 0xff]));
    expect(critical).toBeGreaterThan(0);
    const loose = bytes.slice();
    loose[critical + 2] = 0x01;
    expect(codeOf(loose)).toBe('DER_NOT_CANONICAL');
    expect(codeOf(bytes.subarray(0, bytes.length - 10))).toBe('DER_INVALID');
    expect(codeOf(new Uint8Array([...bytes, 0]))).toBe('DER_TRAILING_DATA');
  });

  it('refuses a serial INTEGER with a redundant leading zero octet', () => {
    const bytes = cert();
    // tbsCertificate: [0] version (a0 03 02 01 02), then the serial INTEGER.
    const at = Buffer.from(bytes).indexOf(Buffer.from([0xa0, 0x03, 0x02, 0x01, 0x02, 0x02])) + 5;
    const length = bytes[at + 1]!;
    const padded = new Uint8Array([...bytes.subarray(0, at), 0x02, length + 1, 0x00, ...bytes.subarray(at + 2)]);
    // Lengths of the enclosing SEQUENCEs grow by one: rewrite the two long-form lengths.
    const view = new DataView(padded.buffer);
    view.setUint16(2, view.getUint16(2) + 1);
    view.setUint16(6, view.getUint16(6) + 1);
    // The openssl serial is small (high bit clear), so the added 00 octet is redundant.
    expect([padded[at + 2], (padded[at + 3] ?? 0xff) & 0x80]).toEqual([0x00, 0]);
    expect(codeOf(padded)).toBe('DER_NOT_CANONICAL');
  });

  it('refuses a rolled-over date as DER_NOT_CANONICAL', () => {
    const der = cert().slice();
    const at = Buffer.from(der).indexOf(Buffer.from([0x17, 0x0d]));
    der.set(Buffer.from('991399000000Z', 'latin1'), at + 2); // month 13
    expect(codeOf(der)).toBe('DER_NOT_CANONICAL');
  });

  it('refuses a PrintableString holding a byte above 0x7F', () => {
    const der = input('intermediate with pathLen 0, SKI, AKI').slice();
    const printable = Buffer.from(der).indexOf(Buffer.from([0x13, 0x02, 0x47, 0x42])); // C=GB in the issuer
    expect(printable).toBeGreaterThan(0);
    der[printable + 2] = 0xc7;
    expect(codeOf(der)).toBe('NOT_A_CERTIFICATE');
  });

  it('says NOT_A_CERTIFICATE / NOT_A_CSR for well-formed DER of the wrong shape', () => {
    expect(codeOf(input('plain RSA CSR'))).toBe('NOT_A_CERTIFICATE');
    expect(codeOf(cert(), 'csr')).toBe('NOT_A_CSR');
  });

  it('refuses 2,000 nested SEQUENCEs without recursing through them', () => {
    let nested: Buffer = Buffer.from([0x30, 0x00]);
    for (let i = 0; i < 2000; i++) {
      const len = nested.length;
      const header = len < 0x80 ? [0x30, len] : len < 0x100 ? [0x30, 0x81, len] : [0x30, 0x82, len >> 8, len & 0xff];
      nested = Buffer.concat([Buffer.from(header), nested]);
    }
    expect(codeOf(nested)).toBe('DER_INVALID');
    expect(codeOf(nested, 'csr')).toBe('DER_INVALID');
  });
});
