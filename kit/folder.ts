/**
 * The kit's folder on the participant's machine: its settings (`kit.json`), its private keys
 * (`private/`, 0700, each file 0600 — never read by anything that sends), what the hub returned
 * (`public/`), the secrets the hub showed once (`secrets/`, 0600) and the connection packs (`packs/`).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const kitSettingsSchema = z.object({
  apiUrl: z.url(),
  participantId: z.string().min(1),
  kind: z.enum(['dfsp', 'tpp', 'bank']),
  legalName: z.string().min(1),
  country: z.string().length(2),
});
export type KitSettings = z.infer<typeof kitSettingsSchema>;

export class KitError extends Error {}

export class KitFolder {
  constructor(readonly dir: string) {}

  get settingsFile(): string {
    return path.join(this.dir, 'kit.json');
  }

  exists(): boolean {
    return existsSync(this.settingsFile);
  }

  settings(): KitSettings {
    if (!this.exists()) throw new KitError(`${this.dir} is not a kit folder yet: run  kit init --api <url> --participant <id>  first`);
    const parsed = kitSettingsSchema.safeParse(JSON.parse(readFileSync(this.settingsFile, 'utf8')));
    if (!parsed.success) throw new KitError(`${this.settingsFile} is damaged: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    return parsed.data;
  }

  saveSettings(settings: KitSettings): void {
    this.write('kit.json', `${JSON.stringify(settings, null, 2)}\n`, 0o600);
  }

  /** The API key: ONBOARDING_API_KEY, else the one `init` kept (0600). */
  apiKey(env: NodeJS.ProcessEnv): string {
    const fromEnv = env.ONBOARDING_API_KEY;
    if (fromEnv) return fromEnv;
    const file = path.join(this.dir, 'secrets', 'api-key');
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
    throw new KitError('no API key: set ONBOARDING_API_KEY (the key an operator issued you), or run init with it set');
  }

  privatePath(name: string): string {
    return path.join(this.dir, 'private', name);
  }

  publicPath(name: string): string {
    return path.join(this.dir, 'public', name);
  }

  secretPath(name: string): string {
    return path.join(this.dir, 'secrets', name);
  }

  has(relative: string): boolean {
    return existsSync(path.join(this.dir, relative));
  }

  read(relative: string): string {
    const file = path.join(this.dir, relative);
    if (!existsSync(file)) throw new KitError(`${file} does not exist (run the step that makes it first; kit next says which)`);
    return readFileSync(file, 'utf8');
  }

  /** Writes atomically; private and secret files are 0600 in 0700 folders. */
  write(relative: string, content: string | Buffer, mode = 0o644): string {
    const file = path.join(this.dir, relative);
    const folder = path.dirname(file);
    const secret = relative.startsWith('private/') || relative.startsWith('secrets/');
    mkdirSync(folder, { recursive: true, mode: secret ? 0o700 : 0o755 });
    if (secret) chmodSync(folder, 0o700);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, content, { mode: secret ? 0o600 : mode });
    renameSync(tmp, file);
    return file;
  }

  remove(relative: string): void {
    rmSync(path.join(this.dir, relative), { force: true });
  }

  /** A private key the kit made; it is made once and never replaced silently. */
  privateKey(name: string): string {
    return this.read(`private/${name}`);
  }
}
