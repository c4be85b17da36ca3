/**
 * The edge's refusals, one table (like workflows/vocabulary.ts's error catalogue): each cause has
 * its HTTP status and, for FSPIOP traffic, Mojaloop's error code (FSPIOP API v1.1, section 7.6):
 * 3000-range client errors — 3000 generic (authentication and authorisation), 3100 validation,
 * 3102 a missing mandatory element, 3105 an invalid signature; for the egress (the switch's
 * calls out) 3002 an unknown URI, 3201 a destination FSP the hub cannot send to, 1001 a
 * communication error with it.
 */
export const edgeRefusals = {
  CERTIFICATE_NOT_PINNED: { status: 403, fspiop: '3000', title: "The client certificate is not one the participant's onboarding accepted" },
  TOKEN_MISSING: { status: 401, fspiop: '3000', title: 'An OAuth access token (Authorization: Bearer) is required' },
  TOKEN_INVALID: { status: 401, fspiop: '3000', title: 'The access token is not valid: signature, issuer, audience or lifetime' },
  TOKEN_CLIENT_MISMATCH: {
    status: 403,
    fspiop: '3000',
    title: "The access token belongs to a client that is not this participant's in this environment",
  },
  TOKEN_SCOPE_MISSING: { status: 403, fspiop: '3000', title: 'The access token does not grant the scope this route needs' },
  TOKEN_NOT_BOUND: {
    status: 403,
    fspiop: '3000',
    title: 'The access token is not bound to the certificate presented (RFC 8705 cnf.x5t#S256)',
  },
  FSPIOP_HEADER_MISSING: { status: 400, fspiop: '3102', title: 'A mandatory FSPIOP header is missing' },
  FSPIOP_SOURCE_MISMATCH: { status: 400, fspiop: '3100', title: 'FSPIOP-Source is not the participant the certificate identifies' },
  FSPIOP_SIGNATURE_INVALID: {
    status: 400,
    fspiop: '3105',
    title: "FSPIOP-Signature does not verify with the participant's live JWS key over this request",
  },
  EGRESS_NOT_ADMITTED: {
    status: 403,
    fspiop: '3201',
    title: 'The destination DFSP has no access in this environment: the hub sends it nothing',
  },
  EGRESS_NO_ROUTE: {
    status: 404,
    fspiop: '3201',
    title: 'The hub has no proven callback endpoint of the destination DFSP for this request',
  },
  EGRESS_NOT_A_CALLBACK: { status: 404, fspiop: '3002', title: 'Not an FSPIOP callback the hub sends to a DFSP' },
  EGRESS_DESTINATION: { status: 403, fspiop: '3201', title: "The egress refused the destination's address" },
  EGRESS_UNREACHABLE: { status: 502, fspiop: '1001', title: "The destination DFSP's server could not be reached over mTLS" },
} as const satisfies Record<string, { status: number; fspiop: string; title: string }>;

export type EdgeRefusalCode = keyof typeof edgeRefusals;

/** A refusal at the edge: the cause, and what to say (never the token or the key). */
export class EdgeRefusal extends Error {
  constructor(
    readonly code: EdgeRefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'EdgeRefusal';
  }

  get status(): number {
    return edgeRefusals[this.code].status;
  }

  /** Mojaloop's error body for FSPIOP traffic. */
  fspiopBody(): { errorInformation: { errorCode: string; errorDescription: string } } {
    return {
      errorInformation: {
        errorCode: edgeRefusals[this.code].fspiop,
        errorDescription: `${edgeRefusals[this.code].title}: ${this.message}`,
      },
    };
  }

  /** problem+json for the hub's other APIs (TPP and bank traffic). */
  problem(): { type: string; title: string; status: number; code: EdgeRefusalCode; detail: string } {
    return {
      type: `/problems/${this.code.toLowerCase().replace(/_/g, '-')}`,
      title: edgeRefusals[this.code].title,
      status: this.status,
      code: this.code,
      detail: this.message,
    };
  }
}
