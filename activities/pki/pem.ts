/** PEM text → DER blocks, tolerant of junk between blocks and strict about what it reports. */

export interface PemBlock {
  label: string;
  der: Uint8Array;
  /** 0-based position among the blocks found. */
  index: number;
}

export interface PemProblem {
  kind: 'bad-base64' | 'unterminated' | 'label-mismatch';
  index: number;
  label: string;
  message: string;
}

export interface PemScan {
  blocks: PemBlock[];
  problems: PemProblem[];
  /** Non-whitespace text outside any block (comments, `Bag Attributes`, garbage). */
  junkCharacters: number;
}

const beginRe = /-----BEGIN ([A-Z0-9 ]{1,64})-----/g;
const base64Body = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

/** Scans in one linear pass; no regex backtracking over the (possibly huge) input. */
export function scanPem(text: string): PemScan {
  const blocks: PemBlock[] = [];
  const problems: PemProblem[] = [];
  let junkCharacters = 0;
  let cursor = 0;
  let index = 0;
  beginRe.lastIndex = 0;
  for (;;) {
    const begin = beginRe.exec(text);
    if (begin === null) break;
    junkCharacters += countNonSpace(text, cursor, begin.index);
    const label = begin[1] as string;
    const bodyStart = begin.index + begin[0].length;
    const endMarker = text.indexOf('-----END ', bodyStart);
    if (endMarker === -1) {
      problems.push({ kind: 'unterminated', index, label, message: `block ${index} (${label}) has no END line` });
      cursor = text.length;
      break;
    }
    const endClose = text.indexOf('-----', endMarker + 9);
    const endLabel = endClose === -1 ? '' : text.slice(endMarker + 9, endClose);
    const blockEnd = endClose === -1 ? text.length : endClose + 5;
    beginRe.lastIndex = blockEnd;
    cursor = blockEnd;
    if (endLabel !== label) {
      problems.push({
        kind: 'label-mismatch',
        index,
        label,
        message: `block ${index} begins as ${label} but ends as ${endLabel || '(nothing)'}`,
      });
      index += 1;
      continue;
    }
    const body = text.slice(bodyStart, endMarker);
    const der = decodeBase64Strict(body);
    if (der === null) {
      problems.push({ kind: 'bad-base64', index, label, message: `block ${index} (${label}) is not valid base64` });
    } else {
      blocks.push({ label, der, index });
    }
    index += 1;
  }
  junkCharacters += countNonSpace(text, cursor, text.length);
  return { blocks, problems, junkCharacters };
}

function countNonSpace(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) n++;
  }
  return n;
}

/** Headers such as `Proc-Type:` (legacy encrypted PEM) make a block undecodable, on purpose. */
function decodeBase64Strict(body: string): Uint8Array | null {
  if (!base64Body.test(body)) return null;
  const compact = body.replace(/\s+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0) return null;
  return new Uint8Array(Buffer.from(compact, 'base64'));
}

export function toPem(label: string, der: Uint8Array | ArrayBuffer): string {
  const b64 = Buffer.from(der instanceof ArrayBuffer ? new Uint8Array(der) : der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
