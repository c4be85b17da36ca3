/**
 * Runs the participant kit as a participant's engineer would (`npm run kit -- …`), in-process with
 * real HTTP to the API: each participant its own folder and the API key an operator issued it.
 * Records every request the kit sent (what left the participant's machine) and every command run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runKit } from '../../kit/program';

export interface KitUser {
  id: string;
  kitDir?: string;
  apiKey?: string;
}

export function kitRunner(cwd: string) {
  /** Every request the kits sent to the API (method, URL, body). */
  const requests: { method: string; url: string; body: string }[] = [];
  /** Every kit command run, per participant. */
  const commands: Record<string, string[]> = {};
  const run = async (who: KitUser, ...args: string[]): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    (commands[who.id] ??= []).push(args.join(' '));
    const code = await runKit(args, {
      env: { ONBOARDING_API_KEY: who.apiKey ?? '', KIT_DIR: who.kitDir ?? '' },
      cwd,
      out: (text) => (out += text),
      err: (text) => (err += text),
      fetch: async (input, init) => {
        requests.push({ method: init?.method ?? 'GET', url: String(input), body: typeof init?.body === 'string' ? init.body : '' });
        return fetch(input, init);
      },
    });
    return { code, out, err };
  };
  /** A kit command that must succeed (exit 0): its output. */
  const ok = async (who: KitUser, ...args: string[]): Promise<string> => {
    const r = await run(who, ...args);
    if (r.code !== 0) throw new Error(`kit ${args.join(' ')} exited ${r.code}: ${r.out}${r.err}`);
    return r.out;
  };
  return { run, ok, requests, commands };
}

/** Every full base64 line of the private keys in a kit folder's `private/`: none may appear in what the kit sent or in a history. */
export function privateKeyLines(kitDir: string): string[] {
  const dir = path.join(kitDir, 'private');
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.key'))
    .flatMap((f) =>
      readFileSync(path.join(dir, f), 'utf8')
        .split('\n')
        .filter((l) => /^[A-Za-z0-9+/]{64}$/.test(l)),
    );
}
