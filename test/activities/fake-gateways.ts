// Stand-ins for the instances' gateways until the sandbox serves per-VM health endpoints: one
// local HTTP server answering GET /<subdomain>/healthz as each subdomain's mode says, counting
// the requests it gets, and able to hold one answer back (a check in flight when a worker dies).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type GatewayMode = 'ok' | 'fail' | 'hang';

export interface FakeGateways {
  /** host:port, what the tests store as an instance's ip for the template http://{ip}/{subdomain}/healthz. */
  address: string;
  /** An address where nothing listens (connection refused). */
  closedAddress: string;
  /** Mode per subdomain; unknown subdomains answer 404. */
  modes: Map<string, GatewayMode>;
  /** Requests seen per subdomain. */
  requests(subdomain: string): number;
  /** Hold the next request for `subdomain`; answer it as its mode says when `release` is called. */
  holdNext(subdomain: string): { held: Promise<void>; release(): void };
  close(): Promise<void>;
}

export async function startFakeGateways(): Promise<FakeGateways> {
  const modes = new Map<string, GatewayMode>();
  const counts = new Map<string, number>();
  const holds = new Map<string, { arrived(): void; released: Promise<void> }>();
  const server = http.createServer((req, res) => {
    const subdomain = /^\/([^/]+)\/healthz$/.exec(req.url ?? '')?.[1] ?? '';
    counts.set(subdomain, (counts.get(subdomain) ?? 0) + 1);
    const hold = holds.get(subdomain);
    holds.delete(subdomain);
    const answer = () => respond(res, modes.get(subdomain));
    if (!hold) return answer();
    hold.arrived();
    void hold.released.then(answer);
  });
  const address = await listen(server);
  const closed = http.createServer();
  const closedAddress = await listen(closed);
  await new Promise((resolve) => closed.close(resolve));
  return {
    address,
    closedAddress,
    modes,
    requests: (subdomain) => counts.get(subdomain) ?? 0,
    holdNext(subdomain) {
      let arrived!: () => void;
      let release!: () => void;
      const held = new Promise<void>((resolve) => (arrived = resolve));
      holds.set(subdomain, { arrived, released: new Promise<void>((resolve) => (release = resolve)) });
      return { held, release };
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function respond(res: http.ServerResponse, mode: GatewayMode | undefined): void {
  if (mode === 'hang') return; // never answers: the check's time limit ends it
  if (mode === 'ok') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  res.writeHead(mode === 'fail' ? 503 : 404).end();
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}
