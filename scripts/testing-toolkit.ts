/**
 * Mojaloop's Testing Toolkit as the hub runs it: the sandbox switch (HUB_ONLY_MODE, routing between
 * DFSPs by the forward rules the hub-ledger step writes) and the UAT runner. Standalone with file
 * storage in a runtime folder (`<DATA_DIR>/ttk`: TTK's `spec_files`, copied from the pinned package
 * once and kept — the DFSPs registered with it survive a restart), on loopback.
 * `npm run ttk` runs it alone; `npm start` runs it when it is installed.
 */
import { stopChild } from './dev-server';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { hubUserConfig } from '../activities/ledger/testing-toolkit-switch';
import { mojaloopPeers } from './mojaloop-peers';
import { spawnTs, waitUntil } from './processes';

const peer = mojaloopPeers.find((p) => p.packageName === 'ml-testing-toolkit')!;
export const testingToolkitPackage = path.join(peer.dir, 'node_modules', 'ml-testing-toolkit');

export function testingToolkitInstalled(): boolean {
  return existsSync(path.join(testingToolkitPackage, 'package.json'));
}

export interface TestingToolkitOptions {
  /** The runtime folder (its spec_files). */
  dir: string;
  adminListen: string;
  fspiopListen: string;
  /** Where the child's output goes (prefixed `[ttk]`). */
  output?: NodeJS.WritableStream;
}

export interface RunningTestingToolkit {
  adminUrl: string;
  fspiopUrl: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** The runtime folder: TTK's spec_files on first use, in hub-only mode with no DFSPs yet. */
export function prepareTestingToolkit(dir: string): void {
  const specs = path.join(dir, 'spec_files');
  if (existsSync(specs)) return;
  cpSync(path.join(testingToolkitPackage, 'spec_files'), specs, { recursive: true });
  const userConfigFile = path.join(specs, 'user_config.json');
  const userConfig = JSON.parse(readFileSync(userConfigFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(
    userConfigFile,
    `${JSON.stringify(
      {
        ...userConfig,
        ...hubUserConfig,
        ENDPOINTS_DFSP_WISE: { dfsps: {} },
        CALLBACK_RESOURCE_ENDPOINTS: { enabled: false, endpoints: [] },
      },
      null,
      2,
    )}\n`,
  );
}

export async function startTestingToolkit(options: TestingToolkitOptions): Promise<RunningTestingToolkit> {
  if (!testingToolkitInstalled()) throw new Error(`the Testing Toolkit is not installed in ${peer.dir}: npm run peers:install`);
  prepareTestingToolkit(options.dir);
  const child = spawnTs(
    path.relative(path.resolve(__dirname, '..'), path.join(__dirname, 'testing-toolkit-main.ts')),
    'ttk',
    { TTK_ADMIN_LISTEN: options.adminListen, TTK_FSPIOP_LISTEN: options.fspiopListen, TTK_DIR: options.dir },
    { output: options.output ?? process.stdout },
  );
  const adminUrl = `http://${options.adminListen}`;
  const fspiopUrl = `http://${options.fspiopListen}`;
  // The admin API comes up first; the FSPIOP API once TTK has loaded its API definitions (any answer will do).
  await waitUntil(
    'the Testing Toolkit',
    60_000,
    child,
    async () => (await fetch(`${adminUrl}/api/config/user`)).ok && (await fetch(fspiopUrl)).status > 0,
  );
  return {
    adminUrl,
    fspiopUrl,
    child,
    stop: () => stopChild(child, 5000),
  };
}

if (require.main === module) {
  const dataDir = path.resolve(process.env.DATA_DIR ?? '.data');
  startTestingToolkit({
    dir: path.join(dataDir, 'ttk'),
    adminListen: process.env.TTK_ADMIN_LISTEN ?? '127.0.0.1:5050',
    fspiopListen: process.env.TTK_FSPIOP_LISTEN ?? '127.0.0.1:4040',
  }).then(
    (ttk) => process.stdout.write(`Testing Toolkit: admin ${ttk.adminUrl}, FSPIOP ${ttk.fspiopUrl}\n`),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
