import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createSecureServer, type Http2SecureServer, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import type { Duplex } from 'node:stream';
import { watch, type FSWatcher } from 'node:fs';
import type { SecureContextOptions } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { MetricsGauge } from './metrics.js';
import { listenOnSocket } from './socket-listener.js';

/** A second listener on a Unix socket, for the paths `serves` accepts (forward authentication). */
export interface LocalSocketOptions {
  path: string;
  mode: number;
  serves: (url: string) => boolean;
}

export interface MainListenerOptions {
  host: string;
  port: number;
  /** TLS context options (from loadTlsOptions); plain HTTP without */
  tls?: SecureContextOptions & { http2?: boolean };
  log: Logger;
  websockets?: MetricsGauge<never>;
  socket?: LocalSocketOptions;
}

export interface DrainResult {
  /** requests still running when the bound was reached, then cut */
  cut: number;
  elapsedMs: number;
}

type AnyServer = Server | HttpsServer | Http2SecureServer;

/**
 * The gateway's main listener, kept apart from the fastify app it serves: the app can be
 * replaced (a SIGHUP reload) and the certificate swapped (setSecureContext) while the
 * socket stays open and no connection is dropped. It counts requests in flight, so a
 * shutdown can drain them with a bound and then cut what is left.
 */
export class MainListener {
  readonly server: AnyServer;
  readonly url: string;
  #app: FastifyInstance;
  #inFlight = 0;
  #perApp = new WeakMap<FastifyInstance, number>();
  #sockets = new Set<Duplex>();
  #sessions = new Set<Http2Session>();
  #draining = false;
  #watcher: FSWatcher[] = [];
  #local: Server | undefined;

  private constructor(server: AnyServer, url: string, app: FastifyInstance) {
    this.server = server;
    this.url = url;
    this.#app = app;
  }

  static async start(app: FastifyInstance, options: MainListenerOptions): Promise<MainListener> {
    await app.ready();
    const tls = options.tls;
    const server: AnyServer = !tls
      ? createHttpServer()
      : tls.http2
        ? createSecureServer({ ...tls, allowHTTP1: true, ALPNProtocols: ['h2', 'http/1.1'] })
        : createHttpsServer(tls);
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    const listener = new MainListener(server, `${tls ? 'https' : 'http'}://${host}:${options.port}`, app);
    listener.#wire(options);
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(options.port, options.host, () => {
        server.off('error', fail);
        done();
      });
    });
    if (options.socket) {
      try {
        await listener.#listenLocal(options.socket);
      } catch (err) {
        await listener.drain(0);
        throw err;
      }
    }
    return listener;
  }

  async #listenLocal(options: LocalSocketOptions): Promise<void> {
    const local = createHttpServer();
    const own = this.#app.server as Server;
    local.requestTimeout = own.requestTimeout;
    local.headersTimeout = own.headersTimeout;
    local.keepAliveTimeout = own.keepAliveTimeout;
    this.#track(local);
    local.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (options.serves(req.url ?? '/')) return this.#handle(req, res);
      // everything else is on the main listener: the socket is a proxy's way to ask, nothing more
      res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ statusCode: 404, code: 'GW_NOT_FOUND', error: 'Not Found', message: 'the Unix socket serves forward authentication only' }));
    });
    // kept before it listens, so a start that fails half way (chmod) still closes it in drain()
    this.#local = local;
    await listenOnSocket(local, options.path, options.mode);
  }

  #track(server: AnyServer): void {
    server.on('connection', (socket: Duplex) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  #handle(req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void {
    const app = this.#app;
    this.#inFlight++;
    this.#perApp.set(app, (this.#perApp.get(app) ?? 0) + 1);
    res.once('close', () => {
      this.#inFlight--;
      this.#perApp.set(app, (this.#perApp.get(app) ?? 1) - 1);
    });
    // while draining, a keep-alive HTTP/1.1 connection closes after its answer
    if (this.#draining && req.httpVersionMajor === 1) (res as ServerResponse).setHeader('connection', 'close');
    app.routing(req as IncomingMessage, res as ServerResponse);
  }

  #wire(options: MainListenerOptions): void {
    const server = this.server;
    // fastify sets its timeouts on the server it would have listened with: carry them over
    const own = this.#app.server as Server;
    if ('requestTimeout' in server) {
      (server as Server).requestTimeout = own.requestTimeout;
      (server as Server).headersTimeout = own.headersTimeout;
      (server as Server).keepAliveTimeout = own.keepAliveTimeout;
    }
    this.#track(server);
    server.on('session', (session: Http2Session) => {
      this.#sessions.add(session);
      session.once('close', () => this.#sessions.delete(session));
    });
    server.on('request', (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => this.#handle(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      options.websockets?.inc({});
      socket.once('close', () => options.websockets?.dec({}));
      this.#app.server.emit('upgrade', req, socket, head);
    });
    server.on('tlsClientError', (err: NodeJS.ErrnoException) => options.log.debug({ code: err.code }, 'TLS handshake failed'));
  }

  /** The app that answers from now on; requests already running finish on the old one. */
  use(app: FastifyInstance): void {
    this.#app = app;
  }

  /** Resolve when `app` answers nothing any more (after `use` put another in its place), or after `timeoutMs`. */
  async settled(app: FastifyInstance, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.#perApp.get(app) ?? 0) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Swap the certificate: new handshakes use it, open connections keep theirs. */
  setSecureContext(options: SecureContextOptions): void {
    if (!('setSecureContext' in this.server)) throw new Error('the main listener speaks plain HTTP; it has no certificate to replace');
    (this.server as HttpsServer).setSecureContext(options);
  }

  /** Call `changed` (debounced) when one of the files is written or replaced. */
  watchFiles(files: readonly string[], changed: () => void): void {
    let timer: NodeJS.Timeout | undefined;
    const fire = () => {
      clearTimeout(timer);
      // certbot and friends write cert and key one after the other: wait for both
      timer = setTimeout(changed, 500);
      timer.unref();
    };
    for (const file of files) {
      try {
        const w = watch(file, { persistent: false }, fire);
        w.on('error', () => {});
        this.#watcher.push(w);
      } catch {
        // a file that cannot be watched is still reloaded on SIGHUP
      }
    }
  }

  /**
   * Stop taking connections, let running requests finish for at most `timeoutMs`, then cut
   * every connection that is left (a request waiting for a silent engine among them).
   */
  async drain(timeoutMs: number): Promise<DrainResult> {
    const started = Date.now();
    this.#draining = true;
    for (const w of this.#watcher) w.close();
    const closed = Promise.all([this.server, ...(this.#local ? [this.#local] : [])].map((server) => new Promise<void>((done) => server.close(() => done()))));
    for (const session of this.#sessions) session.close(); // GOAWAY: running streams finish, no new ones
    const deadline = started + timeoutMs;
    while (this.#inFlight > 0 && Date.now() < deadline) {
      if ('closeIdleConnections' in this.server) (this.server as Server).closeIdleConnections();
      this.#local?.closeIdleConnections();
      await new Promise((r) => setTimeout(r, 25));
    }
    const cut = this.#inFlight;
    if ('closeAllConnections' in this.server) (this.server as Server).closeAllConnections();
    this.#local?.closeAllConnections();
    for (const session of this.#sessions) session.destroy();
    for (const socket of this.#sockets) socket.destroy();
    await closed;
    return { cut, elapsedMs: Date.now() - started };
  }
}
