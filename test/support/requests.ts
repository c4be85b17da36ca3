/** A valid start request for a TPP; tests change what they need. */
export function startBody(participantId: string) {
  return {
    participantId,
    kind: 'tpp' as const,
    participant: { legalName: 'Acme Pay Ltd', country: 'GB', contactEmail: 'it@acme.example' },
    application: { useCase: 'Account aggregation', expectedMonthlyVolume: 50_000, apis: ['accounts', 'transactions'] },
  };
}
