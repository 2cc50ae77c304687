/**
 * One benchmark server per process, so the load generator and each server get their own
 * event loop: `node --import tsx test/bench/servers.ts <kind> [args]`; the gateway is the
 * compiled build (`npm run bench` builds first). Prints `ready <url>` when listening.
 *   upstream                                   a bare fastify answering 1 KiB-ish JSON
 *   bare-proxy <upstream>                      a bare @fastify/http-proxy in front of it
 *   bare-forwarder <upstream>                  fastify + undici dispatch to the socket, nothing else
 *   gateway <upstream> <enginePort> <cacheS> [socket]
 *                                              the gateway: /bench/ to the upstream, /engine/ to the engine,
 *                                              and forward authentication for 127.0.0.1 (cacheSeconds given),
 *                                              also on the Unix socket when one is given
 *   engine <gatewayUrl> <port>                 an engine verifying every token with engine-client
 */
import Fastify, { type FastifyBaseLogger } from 'fastify';
import httpProxy from '@fastify/http-proxy';
import { Pool } from 'undici';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineClient } from '@portcullis/engine-client';
import { portcullisConfigSchema } from '@portcullis/config/schema/index.js';
import { createLogger } from '@portcullis/gateway/logger.js';
import { startGateway } from '@portcullis/gateway/server.js';
import { writeUsersFile, DEMO_USERS } from '../support/gateway.js';

const [kind, ...args] = process.argv.slice(2);
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-connection', 'host']);
const BODY = { ok: true, message: 'hello from the upstream', items: [1, 2, 3, 4, 5] };

async function main(): Promise<string> {
  if (kind === 'upstream') {
    const app = Fastify({ logger: false });
    app.get('/bench/*', async () => BODY);
    app.get('/creds/*', async () => BODY);
    await app.listen({ host: '127.0.0.1', port: 0 });
    return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  }
  if (kind === 'bare-proxy') {
    // The same logger as the gateway (pino, level warn, same redaction): the comparison is
    // between proxy paths, not between a logging and a silent server.
    const app = Fastify({ loggerInstance: createLogger('warn') as FastifyBaseLogger });
    await app.register(httpProxy, { upstream: args[0]!, prefix: '/bench/', rewritePrefix: '/bench/' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  }
  if (kind === 'bare-forwarder') {
    // The least a fastify proxy can do: undici's dispatch written straight to the socket (the
    // technique of the gateway's forwarder) with nothing else, so the bench can show what
    // authentication itself costs over a proxy core as lean as the gateway's.
    const pool = new Pool(args[0]!, { connections: 128, pipelining: 1, keepAliveTimeout: 4_000 });
    const app = Fastify({ loggerInstance: createLogger('warn') as FastifyBaseLogger });
    app.get('/bench/*', (request, reply) => {
      const headers: Record<string, string | string[] | undefined> = {};
      for (const name in request.headers) if (!HOP_BY_HOP.has(name)) headers[name] = request.headers[name];
      pool.dispatch(
        { path: request.url, method: 'GET', headers: headers as Record<string, string> },
        {
          onRequestStart() {},
          onResponseStart(_c, status, upstream) {
            const out: Record<string, string | string[]> = {};
            for (const name in upstream) if (!HOP_BY_HOP.has(name)) out[name] = upstream[name]!;
            reply.hijack();
            reply.raw.writeHead(status, out);
          },
          onResponseData(controller, chunk) {
            if (!reply.raw.write(chunk)) controller.pause();
          },
          onResponseEnd() {
            reply.raw.end();
          },
          onResponseError(_c, err) {
            if (reply.sent) reply.raw.destroy();
            else void reply.code(502).send({ error: String(err) });
          },
        },
      );
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  }
  if (kind === 'engine') {
    const [gatewayUrl, port] = args;
    const app = Fastify({ loggerInstance: createLogger('warn') as FastifyBaseLogger });
    await app.register(engineClient, { issuer: gatewayUrl!, audience: 'engine', jwksUrl: `${gatewayUrl}/.well-known/jwks.json` });
    // the token the gateway attached, so the bench can call the vault API the way an engine does
    app.get('/engine/token-for-bench', async (request) => ({ token: String(request.headers.authorization).replace(/^Bearer /, '') }));
    app.get('/engine/*', async (request) => ({ ...BODY, user: request.identity?.userId }));
    await app.listen({ host: '127.0.0.1', port: Number(port) });
    return `http://127.0.0.1:${port}`;
  }
  if (kind === 'gateway') {
    const [upstream, enginePort, cacheSeconds, socket] = args;
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-bench-'));
    await writeUsersFile(dir, DEMO_USERS);
    const config = portcullisConfigSchema.parse({
      authenticators: [{ type: 'file', name: 'local', usersFile: 'users.yaml' }],
      routes: [
        { name: 'bench', prefix: '/bench/', upstream: upstream! },
        // the same upstream with the caller's credential injected: the cost of the vault on the request path
        { name: 'creds', prefix: '/creds/', upstream: upstream!, filters: [{ use: 'credentials', options: { headers: { 'x-api-key': '${credentials.github_token}' } } }] },
        { name: 'engine', prefix: '/engine/', upstream: `http://127.0.0.1:${enginePort}` },
      ],
      vault: { demoKey: true },
      forwardAuth: { enabled: true, trustedProxies: ['127.0.0.1'], cacheSeconds: Number(cacheSeconds ?? 0), ...(socket ? { socket } : {}) },
      logLevel: 'warn',
    });
    const gateway = await startGateway(config, { configDir: dir, dataDir: join(dir, 'data'), host: '127.0.0.1', port: 0, logger: createLogger('warn') });
    return gateway.url;
  }
  throw new Error(`unknown server kind '${kind}'`);
}

// Exit normally on a signal so `--cpu-prof` can write its profile.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));

main().then(
  (url) => console.log(`ready ${url}`),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
