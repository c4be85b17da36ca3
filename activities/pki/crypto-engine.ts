import { webcrypto } from 'node:crypto';
import * as pkijs from 'pkijs';

let installed = false;

/** pkijs on Node's WebCrypto, set explicitly (PKI-NOTES: never rely on a global default). */
export function ensurePkijsEngine(): void {
  if (installed) return;
  pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto'] }));
  installed = true;
}

export const subtle = webcrypto.subtle;
