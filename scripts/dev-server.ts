/**
 * Starting, probing and stopping the Temporal dev server as temporal-dev.yaml describes it.
 * Shared by `npm start` and the integration tests' global setup.
 */
import { createServer } from 'node:net';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DevConfig, SearchAttributeTypeName, StartDevOverrides, resolveFromRoot, startDevArgs } from './temporal-dev-config';

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;

const indexedTypeByName: Record<SearchAttributeTypeName, temporal.api.enums.v1.IndexedValueType> = {
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Text: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Double: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  Bool: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KeywordList: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True when a Temporal frontend answers at the address and knows the namespace. */
export async function serverAnswers(address: string, namespace: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1000 });
    await connection.withDeadline(Date.now() + 2000, () => connection!.workflowService.describeNamespace({ namespace }));
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

export async function waitForServer(address: string, namespace: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new Error(`temporal server exited with code ${child.exitCode} before it answered at ${address}`);
    }
    if (await serverAnswers(address, namespace)) return;
    await sleep(250);
  }
  throw new Error(`temporal server did not answer at ${address} within ${timeoutMs} ms`);
}

/**
 * Registers the configured search attributes on a server that may have been started elsewhere
 * (start-dev registers them itself; a reused server may not have them). Idempotent.
 */
export async function ensureSearchAttributes(
  address: string,
  namespace: string,
  attributes: DevConfig['searchAttributes'],
): Promise<string[]> {
  const connection = await Connection.connect({ address });
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const known = { ...existing.customAttributes, ...existing.systemAttributes };
    const missing = Object.entries(attributes).filter(([name]) => !(name in known));
    if (missing.length > 0) {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, indexedTypeByName[type]])),
      });
    }
    return missing.map(([name]) => name);
  } finally {
    await connection.close();
  }
}

export interface RunningDevServer {
  address: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** A port free on loopback now (the OS picks it). */
/** An onboarding's event history as `temporal workflow show --output json` prints it (what the replay test and `Worker.runReplayHistory` read). */
export function workflowHistoryJson(binary: string, address: string, workflowId: string, namespace?: string): string {
  return execFileSync(
    binary,
    [
      'workflow',
      'show',
      '--workflow-id',
      workflowId,
      '--output',
      'json',
      '--address',
      address,
      ...(namespace ? ['--namespace', namespace] : []),
    ],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
}

/**
 * Ports for the servers a test or bench starts, outside the kernel's ephemeral range (which
 * outgoing connections draw from: a port asked of the kernel with `listen(0)` and released can be
 * taken by any client's connection before the server binds it). Each Jest worker gets its own slice
 * of 20000–32767 (other processes share slice 0, from a random point), no port is handed out twice by
 * one process until its slice is used up, and each is checked to be bindable on 127.0.0.1 when
 * handed out.
 */
const PORT_BASE = 20_000;
const PORT_SLICE = 760;
const PORT_SLICES = 16;
const handedOutPorts = new Set<number>();
let portCursor = -1;

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  const worker = Number(process.env.JEST_WORKER_ID ?? '0');
  const slice = Number.isInteger(worker) && worker > 0 ? worker % PORT_SLICES : 0;
  const start = PORT_BASE + slice * PORT_SLICE;
  if (portCursor < 0) portCursor = Math.floor(Math.random() * PORT_SLICE);
  for (let tried = 0; tried < 2 * PORT_SLICE; tried++) {
    if (tried === PORT_SLICE) handedOutPorts.clear();
    const port = start + (portCursor++ % PORT_SLICE);
    if (handedOutPorts.has(port)) continue;
    if (await bindable(port)) {
      handedOutPorts.add(port);
      return port;
    }
  }
  throw new Error(`no free port left in ${start}–${start + PORT_SLICE - 1}`);
}

/** Stops a child: SIGTERM, then SIGKILL if it has not exited within the grace period. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function startDevServer(
  binary: string,
  config: DevConfig,
  overrides: StartDevOverrides = {},
  opts: { stdio?: 'inherit' | 'ignore' | 'pipe'; readyTimeoutMs?: number } = {},
): Promise<RunningDevServer> {
  const dbFile = overrides.dbFile === undefined ? config.server.dbFile : overrides.dbFile;
  if (dbFile !== null) mkdirSync(path.dirname(resolveFromRoot(dbFile)), { recursive: true });
  const args = startDevArgs(config, overrides);
  const child = spawn(binary, args, { stdio: ['ignore', opts.stdio ?? 'pipe', opts.stdio ?? 'pipe'] });
  const address = `${config.server.ip}:${overrides.port ?? config.server.port}`;
  try {
    await waitForServer(address, config.server.namespace, opts.readyTimeoutMs ?? 60_000, child);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { address, process: child, stop: () => stopChild(child) };
}
