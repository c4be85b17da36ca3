/**
 * Runs Mojaloop's Testing Toolkit (the pinned one under .tools/ml-testing-toolkit) on loopback:
 * its admin API on TTK_ADMIN_LISTEN and its FSPIOP API on TTK_FSPIOP_LISTEN. TTK hard-codes admin
 * port 5050 and binds every interface; this wrapper moves both listeners before TTK starts, and
 * works in TTK_DIR (the runtime folder with its `spec_files`, see testing-toolkit.ts).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { installUatRunner, type ExpressApp } from './testing-toolkit-runner';

const toolkit = path.resolve(__dirname, '..', '.tools', 'ml-testing-toolkit', 'node_modules', 'ml-testing-toolkit');
const load = createRequire(path.join(toolkit, 'package.json'));

function hostPort(name: string): { host: string; port: number } {
  const value = process.env[name] ?? '';
  const at = value.lastIndexOf(':');
  const port = Number(value.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port)) throw new Error(`${name} must be host:port, not "${value}"`);
  return { host: value.slice(0, at), port };
}

if (!process.env.TTK_DIR) throw new Error('TTK_DIR must name the runtime folder');
process.chdir(process.env.TTK_DIR);
const admin = hostPort('TTK_ADMIN_LISTEN');
const fspiop = hostPort('TTK_FSPIOP_LISTEN');
process.env.TTK_SYSTEM_CONFIG = JSON.stringify({ API_PORT: fspiop.port });

// The admin API: TTK calls listen(5050) on this one server object, after adding its routes: the
// hub's UAT runner joins them there (testing-toolkit-runner.ts).
const apiServer = load('./src/lib/api-server') as { getHttp(): { listen: (...args: unknown[]) => unknown }; getApp(): ExpressApp };
const adminHttp = apiServer.getHttp();
const listen = adminHttp.listen.bind(adminHttp);
adminHttp.listen = () => {
  const objectStore = load('./src/lib/objectStore/objectStoreInterface') as {
    get(key: string): Promise<Record<string, unknown>>;
    set(key: string, value: Record<string, unknown>): Promise<void>;
  };
  installUatRunner(apiServer.getApp(), {
    selfUrl: `http://${admin.host}:${admin.port}`,
    dir: path.join(process.cwd(), 'hub-uat-runs'),
    // What TTK's JWS signer reads (no Connection Manager here to provide it).
    setSigningKey: async (pem) => {
      const current = await objectStore.get('jwsConfig');
      await objectStore.set('jwsConfig', { dfsps: {}, ...current, testingToolkitDfspPrivateKey: pem });
    },
  });
  return listen(admin.port, admin.host);
};
// The FSPIOP API: a hapi server TTK makes with only a port; give it the host.
const hapi = load('@hapi/hapi') as { Server: (options: Record<string, unknown>) => unknown };
const Server = hapi.Server;
hapi.Server = function LoopbackServer(options: Record<string, unknown>) {
  return Server({ ...options, host: fspiop.host });
} as typeof hapi.Server;
load('./src/index.js');
