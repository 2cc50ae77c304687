/**
 * Real reverse proxies for forward-authentication tests and the bench: nginx and Caddy run
 * the example configurations in docs/forward-auth/ verbatim, with only their {{PLACEHOLDERS}}
 * filled in, on free loopback ports, each in a temporary folder of its own.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { freePort } from './slapd.js';
import { requireBinary } from './system-binary.js';

export const NGINX = '/usr/sbin/nginx';
export const CADDY = '/usr/bin/caddy';
export const EXAMPLES_DIR = fileURLToPath(new URL('../../docs/forward-auth/', import.meta.url));

export { freePort };

/** An example from docs/forward-auth/ with its placeholders filled; a placeholder left over is an error. */
export async function renderExample(file: string, values: Record<string, string | number>): Promise<string> {
  const text = await readFile(isAbsolute(file) ? file : join(EXAMPLES_DIR, file), 'utf8');
  const filled = text.replace(/\{\{([A-Z_]+)\}\}/g, (whole, name: string) => {
    if (!(name in values)) throw new Error(`${file}: no value for placeholder ${whole}`);
    return String(values[name]);
  });
  return filled;
}

export interface RunningProxy {
  url: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
}

export interface ProxyPorts {
  gatewayPort: number;
  upstreamPort: number;
  cacheSeconds?: number;
  /** the proxy asks the verify endpoint on this Unix socket (forwardAuth.socket), not on gatewayPort */
  verifySocket?: string;
  /** `taskset -c <cpus>` where the machine has taskset (the bench) */
  cpus?: string;
  /** another configuration with the same placeholders (the bench's bare nginx); default the docs example */
  template?: string;
}

export async function startNginx(ports: ProxyPorts): Promise<RunningProxy> {
  requireBinary(NGINX, 'nginx');
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-nginx-'));
  // nginx's workers drop to an unprivileged user when started as root: they must reach the cache folder
  await chmod(dir, 0o755);
  const port = await freePort();
  const conf = await renderExample(ports.template ?? 'nginx.conf', {
    RUNTIME_DIR: dir,
    LISTEN_PORT: port,
    GATEWAY_PORT: ports.gatewayPort,
    UPSTREAM_PORT: ports.upstreamPort,
    CACHE_SECONDS: ports.cacheSeconds ?? 0,
    VERIFY_ADDRESS: ports.verifySocket ? `unix:${ports.verifySocket}` : `127.0.0.1:${ports.gatewayPort}`,
  });
  const file = join(dir, 'nginx.conf');
  await writeFile(file, conf);
  const child = launch(NGINX, ['-p', dir, '-c', file, '-g', 'daemon off;'], {}, ports.cpus);
  return running(child, port, dir, 'nginx', () => readFile(join(dir, 'error.log'), 'utf8').catch(() => ''));
}

export async function startCaddy(ports: ProxyPorts): Promise<RunningProxy> {
  requireBinary(CADDY, 'caddy');
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-caddy-'));
  const port = await freePort();
  const conf = await renderExample('Caddyfile', {
    RUNTIME_DIR: dir,
    LISTEN_PORT: port,
    GATEWAY_PORT: ports.gatewayPort,
    UPSTREAM_PORT: ports.upstreamPort,
    VERIFY_ADDRESS: ports.verifySocket ? `unix/${ports.verifySocket}` : `127.0.0.1:${ports.gatewayPort}`,
  });
  const file = join(dir, 'Caddyfile');
  await writeFile(file, conf);
  let output = '';
  const child = launch(CADDY, ['run', '--config', file, '--adapter', 'caddyfile'], { HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir }, ports.cpus);
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  });
  return running(child, port, dir, 'caddy', async () => output);
}

function launch(binary: string, args: string[], env: Record<string, string>, cpus?: string): ChildProcess {
  const [command, argv] = cpus ? ['taskset', ['-c', cpus, binary, ...args]] : [binary, args];
  return spawn(command, argv as string[], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
}

async function running(child: ChildProcess, port: number, dir: string, name: string, log: () => Promise<string>): Promise<RunningProxy> {
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  const deadline = Date.now() + 15_000;
  while (!(await canConnect(port))) {
    if (exited !== undefined || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not start (exit ${exited}): ${await log()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dir,
    async stop() {
      if (exited === undefined) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
        if (exited === undefined) child.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface EchoUpstream {
  port: number;
  url: string;
  /** the requests it received, newest last */
  seen: Array<{ method: string; url: string; headers: Record<string, string | string[] | undefined> }>;
  close(): Promise<void>;
}

/** The application behind the proxy: answers every request with what it received, as JSON. */
/** the group of nginx's worker when nginx starts as root without a `user` directive */
export const NGINX_WORKER_GROUP = 'nogroup';

/**
 * A folder for the gateway's forward-authentication socket that nginx's worker can reach: as
 * docs/forward-auth.md describes, setgid and of the proxy's group, so the socket the gateway
 * creates in it belongs to that group. Not root: nginx's worker is this user, nothing to do.
 */
export async function socketFolderForNginx(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-socket-'));
  if (process.getuid?.() === 0) {
    execFileSync('chgrp', [NGINX_WORKER_GROUP, dir]);
    await chmod(dir, 0o2750);
  }
  return dir;
}

export async function startEchoUpstream(): Promise<EchoUpstream> {
  const app = Fastify({ logger: false });
  const seen: EchoUpstream['seen'] = [];
  app.all('/*', async (request) => {
    const entry = { method: request.method, url: request.url, headers: { ...request.headers } };
    seen.push(entry);
    if (seen.length > 1000) seen.shift();
    return entry;
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  return { port, url: `http://127.0.0.1:${port}`, seen, close: () => app.close() };
}
