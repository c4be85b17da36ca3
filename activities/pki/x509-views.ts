/** The parsed views the verifier and the model share (a types module: it breaks the import circle between them). */

export interface KeyView {
  algorithm: 'RSA' | 'EC' | 'Ed25519' | 'unknown';
  oid: string;
  rsaBits: number | null;
  rsaExponent: number | null;
  curve: string | null;
  /** sha256 of the SubjectPublicKeyInfo DER: the key's identity across CSRs and certificates. */
  spkiSha256: string;
}

export interface SignatureView {
  oid: string;
  hash: string | null;
  family: 'RSA' | 'ECDSA' | 'EdDSA' | 'RSA-PSS' | 'unknown';
  /** RSA-PSS only: the salt length the parameters state (RFC 4055 default 20). */
  pssSaltLength?: number;
}
