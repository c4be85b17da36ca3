/**
 * Installs a DFSP's connection pack in the kit's folder: the archive unpacked with tar-stream, and
 * the `.env` blanks filled with the folder's own private key paths and client secret — which
 * never went to the hub and are only now written beside what came from it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { KitError, type KitFolder } from './folder';

/** The files of a gzipped tar, by their path inside its one top folder. */
export async function unpack(archive: Buffer): Promise<Record<string, Buffer>> {
  const files: Record<string, Buffer> = {};
  const reader = extract();
  const done = new Promise<void>((resolve, reject) => {
    reader.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        const inner = header.name.split('/').slice(1).join('/');
        // Only plain relative names: nothing may land outside the pack's folder.
        if (header.type === 'file' && inner !== '' && !inner.split('/').includes('..') && !path.isAbsolute(inner)) {
          files[inner] = Buffer.concat(chunks);
        }
        next();
      });
      stream.resume();
    });
    reader.on('finish', () => resolve());
    reader.on('error', reject);
  });
  Readable.from([gunzipSync(archive)]).pipe(reader);
  await done;
  return files;
}

/** `NAME=` lines of an `.env` filled in; a name that is not a blank there is an error (the pack changed shape). */
export function fillBlanks(text: string, values: Record<string, string>): string {
  let filled = text;
  for (const [name, value] of Object.entries(values)) {
    const blank = new RegExp(`^${name}=$`, 'm');
    if (!blank.test(filled)) throw new KitError(`${name} is not a blank in the pack's .env`);
    filled = filled.replace(blank, `${name}=${value}`);
  }
  return filled;
}

/** Writes the pack under `packs/<environment>-v<version>/` with its `.env` completed; returns that folder. */
export function installPack(folder: KitFolder, relativeDir: string, files: Record<string, Buffer>, blanks: Record<string, string>): string {
  for (const [name, content] of Object.entries(files)) {
    folder.write(
      `${relativeDir}/${name}`,
      name === '.env' ? fillBlanks(content.toString('utf8'), blanks) : content,
      name === '.env' ? 0o600 : 0o644,
    );
  }
  return path.join(folder.dir, relativeDir);
}

/** The newest pack version installed for the environment (`packs/<environment>-v<n>/`), or null. */
export function latestPackVersion(folder: KitFolder, environment: string): number | null {
  const dir = path.join(folder.dir, 'packs');
  if (!existsSync(dir)) return null;
  const versions = readdirSync(dir)
    .map((name) => new RegExp(`^${environment}-v(\\d+)$`).exec(name)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number);
  return versions.length > 0 ? Math.max(...versions) : null;
}
