import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BackendCounts {
  /** answers the backend gave, by status */
  statuses: Record<number, number>;
  /** connections it refused or broke before answering */
  connectionErrors: number;
}

/**
 * A small round-robin load balancer on loopback, as in front of a gateway fleet. Backends
 * can be taken out (draining) and put back while traffic flows. A GET whose backend refuses
 * the connection is retried once on the next backend, as nginx's `proxy_next_upstream error`
 * does; every outcome is counted per backend.
 */
export class TestLoadBalancer {
  #backends: string[] = [];
  #next = 0;
  #server?: Server;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 64 });
  readonly counts = new Map<string, BackendCounts>();
  /** requests the balancer itself could not answer (no backend, both attempts failed) */
  failed = 0;
  url = '';

  async start(): Promise<string> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  set backends(urls: string[]) {
    this.#backends = [...urls];
  }

  get backends(): string[] {
    return [...this.#backends];
  }

  #countsOf(backend: string): BackendCounts {
    let c = this.counts.get(backend);
    if (!c) this.counts.set(backend, (c = { statuses: {}, connectionErrors: 0 }));
    return c;
  }

  #pick(): string | undefined {
    if (this.#backends.length === 0) return undefined;
    return this.#backends[this.#next++ % this.#backends.length];
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const attempts = req.method === 'GET' || req.method === 'HEAD' ? 2 : 1;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const backend = this.#pick();
      if (!backend) break;
      try {
        await this.#forward(backend, req, body, res);
        return;
      } catch {
        this.#countsOf(backend).connectionErrors++;
      }
    }
    this.failed++;
    res.writeHead(502, { 'content-type': 'text/plain' }).end('no backend answered');
  }

  #forward(backend: string, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const target = new URL(req.url ?? '/', backend);
    return new Promise((resolve, reject) => {
      const upstream = httpRequest(
        target,
        { method: req.method, headers: { ...req.headers, host: target.host, 'x-forwarded-for': req.socket.remoteAddress ?? '' }, agent: this.#agent },
        (answer) => {
          answered = true;
          const counts = this.#countsOf(backend);
          counts.statuses[answer.statusCode!] = (counts.statuses[answer.statusCode!] ?? 0) + 1;
          res.writeHead(answer.statusCode!, answer.headers);
          answer.pipe(res);
          answer.once('end', resolve);
          answer.once('error', () => {
            // broken after the head was sent: nothing to retry, the client sees a cut answer
            this.failed++;
            res.destroy();
            resolve();
          });
        },
      );
      let answered = false;
      upstream.once('error', (err) => {
        if (!answered) reject(err);
      });
      upstream.end(body);
    });
  }

  /** Every answer of every backend with this status, summed. */
  total(status: number): number {
    let n = 0;
    for (const c of this.counts.values()) n += c.statuses[status] ?? 0;
    return n;
  }

  async stop(): Promise<void> {
    this.#agent.destroy();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}
