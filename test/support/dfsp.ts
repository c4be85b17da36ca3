import { fspiopCallbacks } from '../../kit/submissions';

/** What the DFSP tests share: the central-ledger callback set a DFSP registers (the kit's), under `https://<host><prefix>`. */
export function dfspCallbacks(host: string, prefix = '/fspiop'): Record<string, string> {
  return fspiopCallbacks(`https://${host}${prefix}`);
}
