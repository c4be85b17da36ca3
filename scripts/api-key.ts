/**
 * Makes an API key: prints the key once (it is stored nowhere) and the entry to add to the key
 * file, or adds the entry itself with --add.
 *   npm run api:key -- --name ci-pipeline --grants operator,viewer [--add]
 *   grants: viewer, operator, approver:<business|legal|security|ops>, participant:<participantId>
 */
import { loadApiConfig } from '../api/config';
import { Grant, grantSchema, newApiKey } from '../api/auth';
import { addApiKeyEntry } from './api-key-file';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const name = arg('name');
  const grants = (arg('grants') ?? '')
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  const bad = grants.filter((g) => !grantSchema.safeParse(g).success);
  if (!name || grants.length === 0 || bad.length > 0) {
    process.stderr.write(
      `usage: npm run api:key -- --name <principal> --grants <g1,g2,...> [--add]\n${bad.length ? `not a grant: ${bad.join(', ')}\n` : ''}`,
    );
    process.exit(2);
  }
  const { key, entry } = newApiKey(name, grants as Grant[]);
  const file = loadApiConfig(process.env).apiKeysFile;
  if (process.argv.includes('--add')) {
    await addApiKeyEntry(file, entry);
    process.stdout.write(`added ${name} to ${file}\n`);
  } else {
    process.stdout.write(`entry for ${file} ("keys" array):\n${JSON.stringify(entry)}\n`);
  }
  process.stdout.write(`key (shown once; send it as  Authorization: Bearer <key>):\n${key}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
