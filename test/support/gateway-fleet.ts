import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { demoConfig, startTestGateway, type TestGateway } from './gateway.js';

/** An engine stand-in that counts what reaches it: every request to /app/ (a session route) must carry a token. */
export class RecordingUpstream {
  #server?: Server;
  url = '';
  withToken = 0;
  withoutToken = 0;
  /** the `sub` of each token that arrived */
  readonly subjects = new Map<string, number>();

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      const auth = req.headers.authorization ?? '';
      const match = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(auth);
      if (match) {
        this.withToken++;
        const sub = String(JSON.parse(Buffer.from(match[2]!, 'base64url').toString()).sub);
        this.subjects.set(sub, (this.subjects.get(sub) ?? 0) + 1);
      } else if (req.url?.startsWith('/app/')) this.withoutToken++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url }));
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}

export interface FleetOptions {
  /** `session.redis` of every gateway */
  redis: Record<string, unknown>;
  upstream: string;
  size?: number;
  /** the entry-point limit and the `limited` route's filter limit, per address and minute */
  limitPerMinute?: number;
}

/**
 * N gateways on one Redis, each on its own port, with a session route `/app/` and an
 * anonymous rate-limited route `/limited/`, both to `upstream`.
 */
export class GatewayFleet {
  readonly gateways: TestGateway[] = [];
  readonly #options: FleetOptions;

  constructor(options: FleetOptions) {
    this.#options = options;
  }

  async #startOne(): Promise<TestGateway> {
    const { redis, upstream, limitPerMinute = 120 } = this.#options;
    return startTestGateway(async (dir) => ({
      ...(await demoConfig(dir)),
      session: { store: 'redis' as const, redis },
      // the load balancer and the tests on loopback name the client in X-Forwarded-For
      server: { trustedProxies: ['127.0.0.1'] },
      loginThrottle: { maxEntryRequestsPerAddress: limitPerMinute, entryWindowSeconds: 60, maxFailuresPerAddress: 10_000 },
      routes: [
        { name: 'app', prefix: '/app/', upstream },
        { name: 'limited', prefix: '/limited/', upstream, requireSession: false, filters: [{ use: 'rate-limit', options: { max: limitPerMinute, windowSeconds: 60 } }] },
      ],
      demoEngine: { enabled: false },
    }));
  }

  async start(): Promise<this> {
    for (let i = 0; i < (this.#options.size ?? 3); i++) this.gateways.push(await this.#startOne());
    return this;
  }

  get urls(): string[] {
    return this.gateways.map((g) => g.url);
  }

  /** Stop gateway `i` and start a fresh process in its place (a new port); answers the new one. */
  async replace(i: number): Promise<TestGateway> {
    await this.gateways[i]!.stop();
    this.gateways[i] = await this.#startOne();
    return this.gateways[i]!;
  }

  async stop(): Promise<void> {
    for (const g of this.gateways) await g.stop().catch(() => undefined);
  }
}
