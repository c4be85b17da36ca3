/**
 * A strict, zero-copy DER reader and a small DER writer for the certificate and CSR hot paths.
 *
 * Why not pkijs/asn1js here: measured on the target machine, asn1js.fromBER costs ≈ 0.13–0.19 ms
 * per certificate and pkijs's schema comparison another ≈ 0.2–0.3 ms, while the benchmark budget
 * (bench/pki.ts: ≥ 2,000 chain checks/s, CSR signing ≥ 60 % of openssl's RSA-2048 rate) leaves
 * ≈ 0.1–0.2 ms for everything that is not RSA. This reader walks the bytes in place (offsets, no
 * object tree) and is checked field by field against pkijs on every openssl-made input and on
 * fast-check mutations (test/unit/pki/der-differential.test.ts).
 *
 * Strict DER only: definite lengths in their shortest form, no trailing bytes, BOOLEAN 00/FF.
 * A BER encoding is `not-canonical`; bytes that are not ASN.1 at all are `invalid`.
 */

export type DerProblem = 'invalid' | 'not-canonical';

export class DerError extends Error {
  constructor(
    readonly problem: DerProblem,
    message: string,
  ) {
    super(message);
    this.name = 'DerError';
  }
}

/** One TLV inside `bytes`: `tag` is the identifier octet (class, constructed bit, number). */
export interface Tlv {
  readonly tag: number;
  /** Offset of the identifier octet. */
  readonly start: number;
  /** Offset of the first content octet. */
  readonly contentStart: number;
  /** Offset just past the content. */
  readonly end: number;
}

export const tags = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  numericString: 0x12,
  printableString: 0x13,
  teletexString: 0x14,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  visibleString: 0x1a,
  universalString: 0x1c,
  bmpString: 0x1e,
  sequence: 0x30,
  set: 0x31,
} as const;

/** `[n]` context-specific tags. */
export const context = (n: number, constructed: boolean): number => 0x80 | (constructed ? 0x20 : 0) | n;

const maxLength = 0x7fffffff;

/** Reads the TLV at `offset`, which must end at or before `limit`. */
export function readTlv(bytes: Uint8Array, offset: number, limit: number = bytes.length): Tlv {
  if (offset + 2 > limit) throw new DerError('invalid', `truncated: no room for a tag and length at byte ${offset}`);
  const tag = bytes[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new DerError('invalid', `high tag numbers are not used in X.509 (byte ${offset})`);
  let cursor = offset + 1;
  const first = bytes[cursor++] as number;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else {
    const count = first & 0x7f;
    if (count === 0) throw new DerError('not-canonical', `indefinite length at byte ${offset} (BER, not DER)`);
    if (count > 4) throw new DerError('invalid', `length of ${count} octets at byte ${offset}`);
    if (cursor + count > limit) throw new DerError('invalid', `truncated length at byte ${offset}`);
    if (bytes[cursor] === 0) throw new DerError('not-canonical', `length with a leading zero octet at byte ${offset}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[cursor++] as number);
    if (length < 0x80) throw new DerError('not-canonical', `long-form length ${length} at byte ${offset} (DER uses the short form)`);
    if (length > maxLength) throw new DerError('invalid', `length ${length} at byte ${offset}`);
  }
  const end = cursor + length;
  if (end > limit) throw new DerError('invalid', `truncated: ${length} content octets announced at byte ${offset}, ${limit - cursor} present`);
  return { tag, start: offset, contentStart: cursor, end };
}

/** The single TLV that makes up `bytes`, with nothing after it. */
export function readRoot(bytes: Uint8Array): Tlv {
  const root = readTlv(bytes, 0, bytes.length);
  if (root.end !== bytes.length) throw new TrailingDataError(bytes.length - root.end);
  return root;
}

export class TrailingDataError extends DerError {
  constructor(readonly trailingBytes: number) {
    super('invalid', `${trailingBytes} bytes follow the DER object`);
  }
}

/** The TLVs that exactly fill `parent`'s content. */
export function children(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let offset = parent.contentStart;
  while (offset < parent.end) {
    const child = readTlv(bytes, offset, parent.end);
    out.push(child);
    offset = child.end;
  }
  return out;
}

export function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (tlv === undefined) throw new DerError('invalid', `${what} is missing`);
  if (tlv.tag !== tag) throw new DerError('invalid', `${what}: expected tag 0x${tag.toString(16)}, found 0x${tlv.tag.toString(16)}`);
  return tlv;
}

/** The children of a constructed TLV with the expected tag. */
export function sequenceOf(bytes: Uint8Array, tlv: Tlv | undefined, what: string, tag: number = tags.sequence): Tlv[] {
  return children(bytes, expectTag(tlv, tag, what));
}

export const content = (bytes: Uint8Array, tlv: Tlv): Uint8Array => bytes.subarray(tlv.contentStart, tlv.end);
export const whole = (bytes: Uint8Array, tlv: Tlv): Uint8Array => bytes.subarray(tlv.start, tlv.end);

const oidCache = new Map<string, string>();

/** OBJECT IDENTIFIER → dotted text; arcs must be minimally encoded. */
export function readOid(bytes: Uint8Array, tlv: Tlv | undefined, what = 'object identifier'): string {
  const t = expectTag(tlv, tags.oid, what);
  if (t.end === t.contentStart) throw new DerError('invalid', `${what}: empty`);
  const key = Buffer.from(bytes.buffer, bytes.byteOffset + t.contentStart, t.end - t.contentStart).toString('latin1');
  const cached = oidCache.get(key);
  if (cached !== undefined) return cached;
  const arcs: string[] = [];
  let value = 0;
  let started = false;
  for (let i = t.contentStart; i < t.end; i++) {
    const octet = bytes[i] as number;
    if (!started && octet === 0x80) throw new DerError('not-canonical', `${what}: arc with a leading 0x80 octet`);
    started = true;
    if (value > 2 ** 45) throw new DerError('invalid', `${what}: arc too large`);
    value = value * 128 + (octet & 0x7f);
    if ((octet & 0x80) === 0) {
      if (arcs.length === 0) {
        const first = value < 80 ? Math.floor(value / 40) : 2;
        arcs.push(String(first), String(value - first * 40));
      } else {
        arcs.push(String(value));
      }
      value = 0;
      started = false;
    } else if (i === t.end - 1) {
      throw new DerError('invalid', `${what}: last arc unterminated`);
    }
  }
  const dotted = arcs.join('.');
  if (oidCache.size < 4096) oidCache.set(key, dotted);
  return dotted;
}

/** INTEGER content octets (two's complement, as encoded). */
export function readIntegerBytes(bytes: Uint8Array, tlv: Tlv | undefined, what: string): Uint8Array {
  const t = expectTag(tlv, tags.integer, what);
  if (t.end === t.contentStart) throw new DerError('invalid', `${what}: empty INTEGER`);
  const first = bytes[t.contentStart] as number;
  const second = t.end - t.contentStart > 1 ? (bytes[t.contentStart + 1] as number) : -1;
  // X.690 8.3.2: the first nine bits are never all zeros or all ones.
  if ((first === 0x00 && second >= 0 && second < 0x80) || (first === 0xff && second >= 0x80)) {
    throw new DerError('not-canonical', `${what}: INTEGER with a redundant leading octet`);
  }
  return content(bytes, t);
}

/** A small non-negative INTEGER (versions, pathLen); larger values come back as MAX_SAFE_INTEGER. */
export function readSmallInteger(bytes: Uint8Array, tlv: Tlv | undefined, what: string): number {
  const octets = readIntegerBytes(bytes, tlv, what);
  if (((octets[0] as number) & 0x80) !== 0) throw new DerError('invalid', `${what}: negative`);
  let value = 0;
  for (const octet of octets) {
    value = value * 256 + octet;
    if (value > Number.MAX_SAFE_INTEGER / 256) return Number.MAX_SAFE_INTEGER;
  }
  return value;
}

export function readBoolean(bytes: Uint8Array, tlv: Tlv | undefined, what: string): boolean {
  const t = expectTag(tlv, tags.boolean, what);
  const octet = bytes[t.contentStart];
  if (t.end - t.contentStart !== 1) throw new DerError('invalid', `${what}: BOOLEAN of ${t.end - t.contentStart} octets`);
  if (octet !== 0x00 && octet !== 0xff) throw new DerError('not-canonical', `${what}: BOOLEAN 0x${(octet as number).toString(16)} (DER uses 00 or FF)`);
  return octet === 0xff;
}

/** BIT STRING → its unused-bit count and the octets after it. */
export function readBitString(bytes: Uint8Array, tlv: Tlv | undefined, what: string): { unusedBits: number; octets: Uint8Array } {
  const t = expectTag(tlv, tags.bitString, what);
  if (t.end === t.contentStart) throw new DerError('invalid', `${what}: empty BIT STRING`);
  const unusedBits = bytes[t.contentStart] as number;
  if (unusedBits > 7 || (unusedBits > 0 && t.end - t.contentStart === 1)) throw new DerError('invalid', `${what}: ${unusedBits} unused bits`);
  return { unusedBits, octets: bytes.subarray(t.contentStart + 1, t.end) };
}

/** A BIT STRING that carries whole octets (keys, signatures). */
export function readOctetAlignedBits(bytes: Uint8Array, tlv: Tlv | undefined, what: string): Uint8Array {
  const bits = readBitString(bytes, tlv, what);
  if (bits.unusedBits !== 0) throw new DerError('invalid', `${what}: not a whole number of octets`);
  return bits.octets;
}

const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** IA5String, PrintableString, NumericString, VisibleString: 7-bit sets; a byte above 0x7F is not that string type. */
function sevenBit(b: Uint8Array): string {
  for (const octet of b) if (octet > 0x7f) throw new DerError('invalid', 'a 7-bit string type holds a byte above 0x7F');
  return latin1(b);
}
function utf8(b: Uint8Array): string {
  try {
    return strictUtf8.decode(b);
  } catch {
    throw new DerError('invalid', 'a UTF8String is not valid UTF-8');
  }
}
function utf16be(b: Uint8Array): string {
  if (b.length % 2 !== 0) throw new DerError('invalid', 'a BMPString has an odd number of octets');
  return Buffer.from(b).swap16().toString('utf16le');
}
function utf32be(b: Uint8Array): string {
  if (b.length % 4 !== 0) throw new DerError('invalid', 'a UniversalString is not a whole number of characters');
  let out = '';
  for (let i = 0; i < b.length; i += 4) {
    const cp = (((b[i] as number) << 24) | ((b[i + 1] as number) << 16) | ((b[i + 2] as number) << 8) | (b[i + 3] as number)) >>> 0;
    if (cp > 0x10ffff) throw new DerError('invalid', 'a UniversalString holds a value beyond Unicode');
    out += String.fromCodePoint(cp);
  }
  return out;
}

const stringDecoders: Record<number, (b: Uint8Array) => string> = {
  [tags.utf8String]: utf8,
  [tags.printableString]: sevenBit,
  [tags.ia5String]: sevenBit,
  [tags.numericString]: sevenBit,
  [tags.visibleString]: sevenBit,
  [tags.teletexString]: latin1,
  [tags.bmpString]: utf16be,
  [tags.universalString]: utf32be,
};

/** A directory string of any of the X.520 types; `null` when `tlv` is not a string. Malformed text throws. */
export function readString(bytes: Uint8Array, tlv: Tlv): string | null {
  const decode = stringDecoders[tlv.tag];
  return decode ? decode(content(bytes, tlv)) : null;
}

/** An IA5String held under another (implicit) tag, e.g. a dNSName. */
export function readIa5(bytes: Uint8Array, tlv: Tlv): string {
  return sevenBit(content(bytes, tlv));
}

const utcTimePattern = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;
const generalizedTimePattern = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;

/**
 * RFC 5280 4.1.2.5: UTCTime YYMMDDHHMMSSZ (YY < 50 is 20YY) or GeneralizedTime YYYYMMDDHHMMSSZ,
 * every field in range. JavaScript's Date would roll nonsense over ("99999999999Z" → 1899), so
 * the text is checked before a Date is made.
 */
export function readTime(bytes: Uint8Array, tlv: Tlv | undefined, what: string): Date {
  if (tlv === undefined) throw new DerError('invalid', `${what} is missing`);
  const isUtc = tlv.tag === tags.utcTime;
  if (!isUtc && tlv.tag !== tags.generalizedTime) throw new DerError('invalid', `${what}: not a time`);
  const text = latin1(content(bytes, tlv));
  const m = (isUtc ? utcTimePattern : generalizedTimePattern).exec(text);
  if (m === null) throw new DerError('not-canonical', `${what} "${text.slice(0, 20)}" is malformed`);
  const [yearText, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const year = isUtc ? (yearText < 50 ? 2000 + yearText : 1900 + yearText) : yearText;
  const daysInMonth = month >= 1 && month <= 12 ? new Date(Date.UTC(year, month, 0)).getUTCDate() : 0;
  if (day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
    throw new DerError('not-canonical', `${what} "${text}" is out of range`);
  }
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (year < 100) date.setUTCFullYear(year);
  return date;
}

// ---------------------------------------------------------------------------------------------
// Writing

function lengthOctets(length: number): number[] {
  if (length < 0x80) return [length];
  const out: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) out.unshift(rest % 256);
  return [0x80 | out.length, ...out];
}

/** A TLV around already-encoded parts. */
export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const header = lengthOctets(length);
  const out = new Uint8Array(1 + header.length + length);
  out[0] = tag;
  out.set(header, 1);
  let offset = 1 + header.length;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export const encode = {
  sequence: (...parts: Uint8Array[]) => tlv(tags.sequence, ...parts),
  set: (...parts: Uint8Array[]) => tlv(tags.set, ...parts),
  explicit: (n: number, ...parts: Uint8Array[]) => tlv(context(n, true), ...parts),
  implicitPrimitive: (n: number, value: Uint8Array) => tlv(context(n, false), value),
  null: () => new Uint8Array([tags.null, 0]),
  boolean: (value: boolean) => new Uint8Array([tags.boolean, 1, value ? 0xff : 0]),
  octetString: (value: Uint8Array) => tlv(tags.octetString, value),
  bitString: (value: Uint8Array, unusedBits = 0) => tlv(tags.bitString, new Uint8Array([unusedBits]), value),
  utf8String: (value: string) => tlv(tags.utf8String, Buffer.from(value, 'utf8')),
  printableString: (value: string) => tlv(tags.printableString, Buffer.from(value, 'latin1')),
  ia5String: (value: string) => tlv(tags.ia5String, Buffer.from(value, 'latin1')),
  /** An INTEGER from unsigned big-endian octets: leading zeros dropped, 00 added before a high bit. */
  unsignedInteger(value: Uint8Array): Uint8Array {
    let start = 0;
    while (start < value.length - 1 && value[start] === 0) start++;
    const body = value.subarray(start);
    return ((body[0] ?? 0) & 0x80) !== 0 ? tlv(tags.integer, new Uint8Array([0]), body) : tlv(tags.integer, body.length ? body : new Uint8Array([0]));
  },
  smallInteger(value: number): Uint8Array {
    const octets: number[] = [];
    for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
    return encode.unsignedInteger(new Uint8Array(octets.length ? octets : [0]));
  },
  oid(dotted: string): Uint8Array {
    const arcs = dotted.split('.').map(Number);
    const body: number[] = [];
    const push = (value: number) => {
      const chunk = [value % 128];
      for (let rest = Math.floor(value / 128); rest > 0; rest = Math.floor(rest / 128)) chunk.unshift(0x80 | rest % 128);
      body.push(...chunk);
    };
    push((arcs[0] as number) * 40 + (arcs[1] as number));
    for (const arc of arcs.slice(2)) push(arc);
    return tlv(tags.oid, new Uint8Array(body));
  },
  /** Up to 2049 as UTCTime, from 2050 as GeneralizedTime (RFC 5280 4.1.2.5), whole seconds. */
  time(value: Date): Uint8Array {
    const iso = value.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
    const digits = iso.slice(0, 19).replace(/[-:T]/g, '');
    const year = value.getUTCFullYear();
    return year >= 1950 && year < 2050
      ? tlv(tags.utcTime, Buffer.from(`${digits.slice(2)}Z`, 'latin1'))
      : tlv(tags.generalizedTime, Buffer.from(`${digits}Z`, 'latin1'));
  },
};
