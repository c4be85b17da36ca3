/** What the DFSP tests share: the central-ledger callback set a DFSP registers, on one host. */
export function dfspCallbacks(host: string, prefix = '/fspiop'): Record<string, string> {
  const base = `https://${host}${prefix}`;
  return {
    FSPIOP_CALLBACK_URL_PARTIES_GET: `${base}/parties/{{partyIdType}}/{{partyIdentifier}}`,
    FSPIOP_CALLBACK_URL_PARTIES_PUT: `${base}/parties/{{partyIdType}}/{{partyIdentifier}}`,
    FSPIOP_CALLBACK_URL_PARTIES_PUT_ERROR: `${base}/parties/{{partyIdType}}/{{partyIdentifier}}/error`,
    FSPIOP_CALLBACK_URL_QUOTES: base,
    FSPIOP_CALLBACK_URL_TRANSFER_POST: `${base}/transfers`,
    FSPIOP_CALLBACK_URL_TRANSFER_PUT: `${base}/transfers/{{transferId}}`,
    FSPIOP_CALLBACK_URL_TRANSFER_ERROR: `${base}/transfers/{{transferId}}/error`,
  };
}
