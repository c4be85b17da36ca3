/**
 * Mojaloop's own FSPIOP JWS signer and validator (@mojaloop/sdk-standard-components, a dev
 * dependency): what the tests and benches sign and check FSPIOP requests with, so the hub's checks
 * are proven against software no one here wrote.
 */
export interface MojaloopRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | Record<string, unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const mojaloopJws = require('@mojaloop/sdk-standard-components/src/lib/jws') as {
  signer: new (config: { signingKey: string; logger?: unknown }) => { sign(request: MojaloopRequest): void };
  validator: new (config: { validationKeys: Record<string, string>; logger?: unknown }) => {
    validate(request: { headers: Record<string, string>; body: unknown }): boolean;
  };
};

/** A logger that says nothing, in the shape Mojaloop's components expect. */
export const quietLogger = { child: () => quietLogger, isDebugEnabled: false, debug() {}, info() {}, warn() {}, error() {}, log() {} };
