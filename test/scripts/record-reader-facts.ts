/**
 * Records the reader corpus (test/support/pki-corpus.ts) with what the X.509 reader of the day
 * reads from it, and the outcome of 3,000 deterministic byte mutations, into
 * test/fixtures/pki/reader-facts.json. test/unit/pki/x509-reader.test.ts holds every later
 * reader to these facts. Re-record only when a difference is understood and wanted:
 *   npx tsx test/scripts/record-reader-facts.ts
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseCertificate, parseCsr } from '../../activities/pki/x509-model';
import { applyFlips, buildReaderCorpus, mutations, outcomeOf, viewFacts } from '../support/pki-corpus';

async function main(): Promise<void> {
  const corpus = await buildReaderCorpus();
  const read = (type: 'certificate' | 'csr', der: Uint8Array) => (type === 'csr' ? parseCsr(der) : parseCertificate(der));
  const entries = corpus.map((e) => ({
    name: e.name,
    type: e.type,
    der: Buffer.from(e.der).toString('base64'),
    facts: viewFacts(read(e.type, e.der)),
  }));
  const mutated = mutations(corpus.length, 3000).map((m) => {
    const entry = corpus[m.entry]!;
    return { ...m, outcome: outcomeOf(() => read(entry.type, applyFlips(entry.der, m.flips))) };
  });
  const file = path.join(__dirname, '..', 'fixtures', 'pki', 'reader-facts.json');
  // One line per mutation keeps the file reviewable.
  const head = JSON.stringify({ recordedWith: 'activities/pki/der.ts reader (before pkijs)', entries }, null, 1).slice(0, -2);
  const lines = mutated.map((m) => JSON.stringify([m.entry, m.flips, m.outcome]));
  writeFileSync(file, `${head},\n "mutations": [\n  ${lines.join(',\n  ')}\n ]\n}\n`);
  const tally = new Map<string, number>();
  for (const m of mutated)
    tally.set(m.outcome.startsWith('read:') ? 'read' : m.outcome, (tally.get(m.outcome.startsWith('read:') ? 'read' : m.outcome) ?? 0) + 1);
  process.stdout.write(`${entries.length} inputs, ${mutated.length} mutations: ${JSON.stringify(Object.fromEntries(tally))}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error).stack ?? err)}\n`);
  process.exit(1);
});
