import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApiKeyEntry, readApiKeyFile } from '../api/auth';

/** Appends an entry to the key file (created 0600 when missing), replaced atomically. */
export async function addApiKeyEntry(file: string, entry: ApiKeyEntry): Promise<void> {
  const keys = await readApiKeyFile(file);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ keys: [...keys, entry] }, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}
