/**
 * The hub's UAT runner, inside the Testing Toolkit's process (installed on TTK's admin API by
 * testing-toolkit-main.ts). A run is a collection the hub sends under its own run id; the runner
 * starts it once (a second PUT of the same id answers the run as it stands), keeps the result and
 * TTK's HTML report in `<TTK_DIR>/hub-uat-runs/<id>.json`, and answers `GET` until the hub has
 * fetched it. So the worker that asked may die mid-run: the next attempt asks again by the same id
 * and collects the same run instead of starting a second one.
 *
 * - `PUT /hub/uat-runs/:id` `{template, jwsSigningKeyPem}` → 202 `{id, state}`. TTK signs the
 *   run's requests with the key (the hub's, as `fromFspId`), its `JWS_SIGN` switched on for
 *   outbound runs only: in HUB_ONLY_MODE TTK forwards the DFSPs' own requests unsigned by it.
 * - `GET /hub/uat-runs/:id` → `{id, state: running|done|failed, startedAt, finishedAt, result?, error?}`.
 * - `GET /hub/uat-runs/:id/report.html` → TTK's HTML assertion report.
 *
 * Credential headers (the DFSPs' bearer tokens on their callbacks) are redacted from the result
 * before the report is made of it. The collection runs through TTK's own admin API (`POST /api/outbound/template/:id?sync=true`,
 * `POST /api/reports/testcase/html`), as a person using TTK would run it.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface Request {
  params: Record<string, string>;
  body: unknown;
}
interface Response {
  status(code: number): Response;
  json(body: unknown): void;
  type(mime: string): Response;
  send(body: string): void;
}
type Handler = (req: Request, res: Response) => void;
export interface ExpressApp {
  put(route: string, handler: Handler): void;
  get(route: string, handler: Handler): void;
}

export interface UatRunRecord {
  id: string;
  state: 'running' | 'done' | 'failed';
  startedAt: string;
  finishedAt: string | null;
  result?: unknown;
  html?: string;
  error?: string;
}

export interface UatRunnerOptions {
  /** TTK's admin API as the runner reaches it (`http://127.0.0.1:5050`). */
  selfUrl: string;
  /** Where runs are kept. */
  dir: string;
  /** Makes TTK sign outbound requests with this PEM key. */
  setSigningKey(pem: string): Promise<void>;
}

const runId = /^[A-Za-z0-9._-]{1,128}$/;

/** Headers that carry credentials (the DFSPs' callbacks bring their bearer tokens through the edge). */
const secretHeaders = /^(authorization|proxy-authorization|cookie|set-cookie)$/i;

/** The result with every credential header's value replaced: it becomes evidence people download. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, secretHeaders.test(k) && typeof v === 'string' ? '[redacted]' : redactSecrets(v)]),
  );
}

export function installUatRunner(app: ExpressApp, opts: UatRunnerOptions): void {
  mkdirSync(opts.dir, { recursive: true });
  const running = new Map<string, UatRunRecord>();
  const file = (id: string) => path.join(opts.dir, `${id}.json`);
  const read = (id: string): UatRunRecord | null => {
    const live = running.get(id);
    if (live) return live;
    return existsSync(file(id)) ? (JSON.parse(readFileSync(file(id), 'utf8')) as UatRunRecord) : null;
  };
  const keep = (record: UatRunRecord) => {
    writeFileSync(`${file(record.id)}.tmp`, JSON.stringify(record));
    renameSync(`${file(record.id)}.tmp`, file(record.id));
  };
  // Runs share TTK's one signing key: they go one at a time.
  let queue: Promise<unknown> = Promise.resolve();

  async function call(method: string, url: string, body: unknown): Promise<string> {
    const res = await fetch(`${opts.selfUrl}${url}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`TTK ${method} ${url} answered ${res.status}: ${text.slice(0, 300)}`);
    return text;
  }

  async function execute(record: UatRunRecord, template: unknown, keyPem: string): Promise<void> {
    try {
      await opts.setSigningKey(keyPem);
      const resultText = await call('POST', `/api/outbound/template/${encodeURIComponent(record.id)}?sync=true`, template);
      const result = redactSecrets(JSON.parse(resultText) as unknown);
      const html = await call('POST', '/api/reports/testcase/html', result);
      Object.assign(record, { state: 'done', result, html, finishedAt: new Date().toISOString() });
    } catch (err) {
      Object.assign(record, { state: 'failed', error: (err as Error).message, finishedAt: new Date().toISOString() });
    }
    keep(record);
    running.delete(record.id);
  }

  app.put('/hub/uat-runs/:id', (req, res) => {
    const id = req.params.id ?? '';
    const body = (req.body ?? {}) as { template?: unknown; jwsSigningKeyPem?: unknown };
    if (!runId.test(id)) return res.status(400).json({ error: 'a run id is 1-128 of A-Z a-z 0-9 . _ -' });
    const found = read(id);
    if (found) return res.status(200).json({ id, state: found.state });
    if (typeof body.template !== 'object' || body.template === null || typeof body.jwsSigningKeyPem !== 'string') {
      return res.status(400).json({ error: 'send {template, jwsSigningKeyPem}' });
    }
    const record: UatRunRecord = { id, state: 'running', startedAt: new Date().toISOString(), finishedAt: null };
    running.set(id, record);
    const template = body.template;
    const key = body.jwsSigningKeyPem;
    queue = queue.then(() => execute(record, template, key));
    return res.status(202).json({ id, state: record.state });
  });

  app.get('/hub/uat-runs/:id', (req, res) => {
    const found = read(req.params.id ?? '');
    if (!found) return res.status(404).json({ error: 'no such run' });
    // The report is fetched on its own (report.html).
    return res.status(200).json({ ...found, html: undefined });
  });

  app.get('/hub/uat-runs/:id/report.html', (req, res) => {
    const found = read(req.params.id ?? '');
    if (!found?.html) return res.status(404).json({ error: 'no report for this run' });
    return res.status(200).type('text/html').send(found.html);
  });
}
