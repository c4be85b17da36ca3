import { createServer, type Server } from 'node:net';
import { readFileSync } from 'node:fs';
import { freePort } from '../../scripts/dev-server';

const listen = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
const close = (srv: Server) => new Promise<void>((resolve) => srv.close(() => resolve()));

describe('freePort', () => {
  it('hands out distinct bindable ports below the kernel ephemeral range, which outgoing connections draw from', async () => {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    const ports = [];
    for (let i = 0; i < 40; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(40);
    for (const port of ports) expect(port).toBeLessThan(low);
    const servers = await Promise.all(ports.map(listen));
    await Promise.all(servers.map(close));
  });

  it('skips a port another server is listening on', async () => {
    const first = await freePort();
    // Occupy the next few candidates of this slice: the cursor moves on sequentially.
    const held = await Promise.all([first + 1, first + 2, first + 3].map(listen));
    const next = await freePort();
    expect([first, first + 1, first + 2, first + 3]).not.toContain(next);
    const srv = await listen(next);
    await Promise.all([...held, srv].map(close));
  });
});
