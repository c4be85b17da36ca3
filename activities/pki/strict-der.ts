/**
 * asn1js decodes BER; certificates and CSRs must be DER. This module decodes with asn1js and then
 * walks the decoded tree once, refusing what DER forbids on each node's header and content octets
 * as they were in the input: indefinite and non-minimal lengths, constructed strings, non-minimal
 * INTEGERs, BOOLEANs other than 00/FF, malformed or rolled-over times, badly encoded OIDs and BIT
 * STRING headers. (Comparing a re-encoding with the input would find the length problems too, but
 * asn1js keeps INTEGER, BOOLEAN and time octets as they came, so the explicit checks are needed
 * anyway, and the re-encoding doubled the cost of a read: see bench/RESULTS.md.)
 *
 * A BER-only encoding is `not-canonical`; bytes that are not ASN.1 at all are `invalid`.
 */
import * as asn1js from 'asn1js';

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

export class TrailingDataError extends DerError {
  constructor(readonly trailingBytes: number) {
    super('invalid', `${trailingBytes} bytes follow the DER object`);
  }
}

/** Deeper nesting than any certificate needs is refused before it costs anything. */
const limits = { maxDepth: 64, maxNodes: 20_000, maxContentLength: 1024 * 1024 };

const universal = 1;
const tag = { boolean: 1, integer: 2, bitString: 3, oid: 6, sequence: 16, set: 17, utcTime: 23, generalizedTime: 24 } as const;

/** The content octets of a decoded node, as they were in the input. */
export function contentOf(node: asn1js.AsnType): Uint8Array {
  return node.valueBeforeDecodeView.subarray(node.idBlock.blockLength + node.lenBlock.blockLength);
}

/** Decodes exactly one DER object from `bytes` (nothing after it); the nodes view `bytes`, no copy. */
export function decodeDer(bytes: Uint8Array): asn1js.AsnType {
  let decoded: asn1js.FromBerResult;
  try {
    decoded = asn1js.fromBER(bytes, { ...limits, parseEmbedded: false, copyInput: false });
  } catch (err) {
    // asn1js throws on some malformed values (a UniversalString of 5 octets, a time it cannot split).
    throw new DerError('invalid', `undecodable: ${(err as Error).message}`);
  }
  if (decoded.offset === -1) throw new DerError('invalid', decoded.result.error || 'not ASN.1');
  const { idBlock, lenBlock } = decoded.result;
  // What the outer header announces, not what asn1js consumed (it lets children overrun a parent).
  const end = lenBlock.isIndefiniteForm ? decoded.offset : idBlock.blockLength + lenBlock.blockLength + lenBlock.length;
  if (end < bytes.length) throw new TrailingDataError(bytes.length - end);
  assertCanonical(decoded.result);
  return decoded.result;
}

function assertCanonical(node: asn1js.AsnType): void {
  const { idBlock, lenBlock } = node;
  if (idBlock.isHexOnly || idBlock.tagNumber >= 31) throw new DerError('invalid', 'high tag numbers are not used in X.509');
  if (lenBlock.isIndefiniteForm) throw new DerError('not-canonical', 'indefinite length (BER, not DER)');
  if (lenBlock.longFormUsed) {
    // X.690 10.1: the fewest length octets; asn1js reads "82 00 05" as 5 and does not object.
    const firstLengthOctet = node.valueBeforeDecodeView[idBlock.blockLength + 1];
    if (lenBlock.length < 0x80 || firstLengthOctet === 0)
      throw new DerError('not-canonical', `length ${lenBlock.length} not in its shortest form (BER, not DER)`);
  }
  if (idBlock.isConstructed) {
    if (idBlock.tagClass === universal && idBlock.tagNumber !== tag.sequence && idBlock.tagNumber !== tag.set) {
      throw new DerError('not-canonical', `constructed encoding of universal type ${idBlock.tagNumber} (BER, not DER)`);
    }
    // asn1js bounds a child by the whole input, not by its parent: a child that overruns its
    // parent is a broken encoding, not one re-encoding would merely shorten.
    const children = (node.valueBlock as unknown as { value: asn1js.AsnType[] }).value;
    let contentLength = 0;
    for (const child of children) contentLength += child.valueBeforeDecodeView.length;
    if (contentLength !== lenBlock.length)
      throw new DerError('invalid', `truncated: a value announces ${lenBlock.length} content octets, its parts take ${contentLength}`);
    for (const child of children) assertCanonical(child);
    return;
  }
  if (idBlock.tagClass === universal) assertPrimitiveContent(idBlock.tagNumber, contentOf(node));
}

function assertPrimitiveContent(type: number, content: Uint8Array): void {
  switch (type) {
    case tag.boolean:
      if (content.length !== 1) throw new DerError('invalid', `BOOLEAN of ${content.length} octets`);
      if (content[0] !== 0x00 && content[0] !== 0xff)
        throw new DerError('not-canonical', `BOOLEAN 0x${content[0]!.toString(16)} (DER uses 00 or FF)`);
      return;
    case tag.integer: {
      if (content.length === 0) throw new DerError('invalid', 'empty INTEGER');
      const [first, second = -1] = content;
      // X.690 8.3.2: the first nine bits are never all zeros or all ones.
      if ((first === 0x00 && second >= 0 && second < 0x80) || (first === 0xff && second >= 0x80)) {
        throw new DerError('not-canonical', 'INTEGER with a redundant leading octet');
      }
      return;
    }
    case tag.bitString: {
      const unused = content[0];
      if (unused === undefined) throw new DerError('invalid', 'empty BIT STRING');
      if (unused > 7 || (unused > 0 && content.length === 1)) throw new DerError('invalid', `BIT STRING with ${unused} unused bits`);
      return;
    }
    case tag.oid:
      if (content.length === 0) throw new DerError('invalid', 'empty OBJECT IDENTIFIER');
      if ((content[content.length - 1]! & 0x80) !== 0) throw new DerError('invalid', 'OBJECT IDENTIFIER with an unterminated arc');
      for (let i = 0; i < content.length; i++) {
        if (content[i] === 0x80 && (i === 0 || (content[i - 1]! & 0x80) === 0))
          throw new DerError('not-canonical', 'OBJECT IDENTIFIER arc with a leading 0x80 octet');
      }
      return;
    case tag.utcTime:
    case tag.generalizedTime:
      parseTime(content, type === tag.utcTime);
      return;
    default:
  }
}

const utcTimePattern = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;
const generalizedTimePattern = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;

/**
 * RFC 5280 4.1.2.5: UTCTime YYMMDDHHMMSSZ (YY < 50 is 20YY) or GeneralizedTime YYYYMMDDHHMMSSZ,
 * every field in range. asn1js (and JavaScript's Date) roll nonsense over ("991399…" → 2000), and
 * map GeneralizedTime years below 100 to 19xx, so the text is checked and the Date made here.
 */
function parseTime(content: Uint8Array, isUtc: boolean): Date {
  const text = Buffer.from(content.buffer, content.byteOffset, content.length).toString('latin1');
  const m = (isUtc ? utcTimePattern : generalizedTimePattern).exec(text);
  if (m === null) throw new DerError('not-canonical', `time "${text.slice(0, 20)}" is malformed`);
  const [yearText, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const year = isUtc ? (yearText < 50 ? 2000 + yearText : 1900 + yearText) : yearText;
  const daysInMonth = month >= 1 && month <= 12 ? new Date(Date.UTC(year, month, 0)).getUTCDate() : 0;
  if (day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
    throw new DerError('not-canonical', `time "${text}" is out of range`);
  }
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (year < 100) date.setUTCFullYear(year);
  return date;
}

/** A UTCTime or GeneralizedTime node (already held to DER by decodeDer) as a Date. */
export function timeOf(node: asn1js.AsnType): Date {
  if (node.idBlock.tagClass !== universal || (node.idBlock.tagNumber !== tag.utcTime && node.idBlock.tagNumber !== tag.generalizedTime)) {
    throw new DerError('invalid', 'not a time');
  }
  return parseTime(contentOf(node), node.idBlock.tagNumber === tag.utcTime);
}
