/**
 * Forward authentication on a Unix socket (forwardAuth.socket): a real nginx and a real Caddy
 * asking through it (docs/forward-auth/nginx.conf and Caddyfile with VERIFY_ADDRESS set to the
 * socket), trust by the file's
 * permissions and not by address, nothing but the verify endpoint on it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { portcullisConfigSchema } from '../../config/schema/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { forwardAuthConfig } from '../support/forward-auth-gateway.js';
import { NGINX_WORKER_GROUP, socketFolderForNginx, startCaddy, startEchoUpstream, startNginx, type EchoUpstream, type RunningProxy } from '../support/reverse-proxies.js';
import { CookieClient, loginWithForm } from '../support/http-client.js';
import { rawRequest } from '../support/raw-request.js';

interface SocketAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request over the Unix socket, the way a proxy on this host sends it. */
function overSocket(socketPath: string, path: string, headers: Record<string, string> = {}): Promise<SocketAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', headers: { host: 'portal.test', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const portOf = (url: string) => Number(new URL(url).port);

/** A browser's round through a proxy that asks over the socket: sent to log in, passed with the token, refused with the reason, logged out. */
async function browserThroughProxy(proxyUrl: string, upstream: EchoUpstream): Promise<void> {
  const client = new CookieClient(proxyUrl);
  const anonymous = await client.get('/app/x', { accept: 'text/html' });
  expect(anonymous.status).toBe(302);
  expect(loginTarget(anonymous.location, proxyUrl)).toBe('/login?returnTo=%2Fapp%2Fx');
  expect((await loginWithForm(client, 'alice', 'wonderland', '/app/')).status).toBe(303);
  // the client's own identity and forwarding headers change nothing
  const passed = await client.get('/app/whoami', { 'x-user': 'bob', 'x-forwarded-for': '10.9.9.9' });
  expect(passed.status).toBe(200);
  const seen = passed.json();
  expect(seen.headers['x-user']).toBe('alice');
  expect(decodeJwt(String(seen.headers.authorization).replace(/^Bearer /, ''))).toMatchObject({ sub: 'alice', aud: 'app' });
  const refused = await client.get('/admin/x', { accept: 'text/html' });
  expect(refused.status).toBe(403);
  // Caddy relays the gateway's page (HTML-escaped quotes), nginx its own with the reason header
  expect(refused.text).toMatch(/needs role (&#39;|')admin(&#39;|')/);
  expect(upstream.seen.some((r) => r.url === '/admin/x')).toBe(false);
  expect((await client.get('/logout', { accept: 'text/html' })).status).toBe(200);
  const after = await client.get('/app/x', { accept: 'text/html' });
  expect(after.status).toBe(302);
  expect(loginTarget(after.location, proxyUrl)).toBe('/login?returnTo=%2Fapp%2Fx');
}

/** Where a redirect points, as path and query (nginx may answer with an absolute URL). */
function loginTarget(location: string | null | undefined, base: string): string {
  const url = new URL(location ?? '', base);
  return url.pathname + url.search;
}
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));


describe('forward authentication on a Unix socket', () => {
  let gw: TestGateway;
  let upstream: EchoUpstream;
  let nginx: RunningProxy;
  let socketDir: string;
  let socketPath: string;
  let cookie: string;

  beforeAll(async () => {
    socketDir = await socketFolderForNginx();
    socketPath = join(socketDir, 'verify.sock');
    upstream = await startEchoUpstream();
    gw = await startTestGateway(async (dir) => {
      const config = await forwardAuthConfig(dir);
      return {
        ...config,
        // no proxy is trusted by address: whatever is answered below was trusted by the socket
        forwardAuth: { enabled: true, trustedProxies: [], socket: socketPath },
        routes: [...config.routes!, { name: 'lan', prefix: '/lan/', filters: [{ use: 'ip-allow-list', options: { allow: ['192.0.2.0/24'] } }] }],
      };
    });
    nginx = await startNginx({ gatewayPort: portOf(gw.url), upstreamPort: upstream.port, verifySocket: socketPath });
    const client = new CookieClient(gw.url);
    expect((await loginWithForm(client, 'alice', 'wonderland', '/app/')).status).toBe(303);
    cookie = `portcullis_sid=${client.jar.get('portcullis_sid')}`;
  }, 60_000);
  afterAll(async () => {
    await nginx?.stop();
    await upstream?.close();
    await gw?.stop();
    await rm(socketDir, { recursive: true, force: true });
  });

  it('lets a browser log in through nginx, reach the upstream with the token, be refused with the reason, and log out', async () => {
    await browserThroughProxy(nginx.url, upstream);
  });

  it('answers on the socket without naming the proxy in trustedProxies, and refuses the same request over TCP from 127.0.0.1', async () => {
    const headers = { cookie, 'x-forwarded-method': 'GET', 'x-forwarded-uri': '/app/x', 'x-forwarded-host': 'portal.test', 'x-forwarded-proto': 'https' };
    const socket = await overSocket(socketPath, '/auth/verify', headers);
    expect(socket.status).toBe(200);
    expect(String(socket.headers.authorization)).toMatch(/^Bearer /);
    const tcp = await rawRequest(`${gw.url}/auth/verify`, { headers });
    expect(tcp.status).toBe(403);
    expect(JSON.parse(tcp.text).code).toBe('GW_FORWARD_AUTH_UNTRUSTED');
  });

  it('takes the client address from the X-Forwarded-For the proxy on the socket writes', async () => {
    const ask = (xff: string) => overSocket(socketPath, '/auth/verify', { cookie, 'x-forwarded-uri': '/lan/x', 'x-forwarded-method': 'GET', 'x-forwarded-for': xff });
    expect((await ask('192.0.2.7')).status).toBe(200);
    // the rightmost entry is the one the proxy wrote: a client's own entry to its left changes nothing
    expect((await ask('192.0.2.7, 10.1.1.1')).status).toBe(403);
    expect((await ask('10.1.1.1')).status).toBe(403);
  });

  it('serves the verify endpoint and nothing else: every other path, spelling and dot segment is 404', async () => {
    for (const path of ['/login', '/logout', '/.well-known/jwks.json', '/AUTH/VERIFY', '/auth/verify/', '/auth/verify/../login', '/auth/verifyx', '//auth/verify', '/auth/verify;x', '/auth/verify%2F', '/auth/verify/%2e%2e/login', '/auth/verify/envoy', 'http://portal.test/auth/verify', '/app/x']) {
      const r = await overSocket(socketPath, path, { cookie });
      expect(r.status, path).toBe(404);
      expect(JSON.parse(r.body).code, path).toBe('GW_NOT_FOUND');
    }
    // Envoy's form is under the endpoint; a target climbing out of it is refused by the gateway's checks
    const envoy = await overSocket(socketPath, '/auth/verify/envoy/app/x', { cookie });
    expect(envoy.status).toBe(200);
    const climbing = await overSocket(socketPath, '/auth/verify/envoy/../../login', { cookie });
    expect(climbing.status).toBe(400);
  });

  it('creates the socket for owner and group only, and a user outside them cannot connect', async () => {
    const file = await stat(socketPath);
    expect(file.mode & 0o777).toBe(0o660);
    if (!SETPRIV || process.getuid?.() !== 0) return;
    expect(file.gid).toBe(Number(execFileSync('getent', ['group', NGINX_WORKER_GROUP], { encoding: 'utf8' }).split(':')[2]));
    // www-data: neither the owner (root) nor in the socket's group
    const connectAsOutsider = () =>
      spawnSync(SETPRIV, ['--reuid=33', '--regid=33', '--clear-groups', process.execPath, '-e', `require('net').connect(${JSON.stringify(socketPath)}).on('connect',()=>{console.log('connected');process.exit(0)}).on('error',(e)=>{console.log(e.code);process.exit(1)})`], { encoding: 'utf8' });
    await chmod(socketDir, 0o2755); // only the socket's own mode stands in the way
    try {
      expect(connectAsOutsider().stdout.trim()).toBe('EACCES');
      // the same user connects once the mode lets everyone: the refusal above was the mode's
      await chmod(socketPath, 0o666);
      expect(connectAsOutsider().stdout.trim()).toBe('connected');
    } finally {
      await chmod(socketPath, 0o660);
      await chmod(socketDir, 0o2750);
    }
  });
});

describe('forward authentication on a Unix socket behind a real Caddy (docs/forward-auth/Caddyfile)', () => {
  let gw: TestGateway;
  let upstream: EchoUpstream;
  let caddy: RunningProxy;
  let socketDir: string;

  beforeAll(async () => {
    socketDir = await mkdtemp(join(tmpdir(), 'portcullis-socket-'));
    const socket = join(socketDir, 'verify.sock');
    upstream = await startEchoUpstream();
    gw = await startTestGateway(async (dir) => ({ ...(await forwardAuthConfig(dir)), forwardAuth: { enabled: true, trustedProxies: [], socket } }));
    caddy = await startCaddy({ gatewayPort: portOf(gw.url), upstreamPort: upstream.port, verifySocket: socket });
  }, 60_000);
  afterAll(async () => {
    await caddy?.stop();
    await upstream?.close();
    await gw?.stop();
    await rm(socketDir, { recursive: true, force: true });
  });

  it('sends a browser to log in, passes it with the token, refuses with the reason, and after logout sends it to log in again', async () => {
    await browserThroughProxy(caddy.url, upstream);
  });
});

describe('forwardAuth.socket: start-up and configuration', () => {
  const config = (forwardAuth: Record<string, unknown>) => async (dir: string) => ({ ...(await forwardAuthConfig(dir)), forwardAuth: { enabled: true, trustedProxies: [], ...forwardAuth } });

  it('replaces a stale socket file left by a gateway that died, and removes its socket when it stops', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-socket-'));
    const path = join(dir, 'verify.sock');
    try {
      // a socket file nobody listens on: what a killed process leaves behind
      const dead = createServer();
      await new Promise<void>((done) => dead.listen(path, done));
      execFileSync('cp', ['-a', path, `${path}.keep`]);
      await new Promise<void>((done) => dead.close(() => done()));
      execFileSync('mv', [`${path}.keep`, path]);
      expect((await stat(path)).isSocket()).toBe(true);
      const gw = await startTestGateway(config({ socket: path }));
      expect((await overSocket(path, '/auth/verify', { 'x-forwarded-uri': '/public/x', 'x-forwarded-method': 'GET' })).status).toBe(200);
      await gw.stop();
      expect(existsSync(path)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps answering on its socket through a reload, with the new app, and says a new socket needs a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-socket-'));
    const path = join(dir, 'verify.sock');
    const gw = await startTestGateway(config({ socket: path }));
    try {
      const input = { ...(await forwardAuthConfig(gw.dir)), forwardAuth: { enabled: true, trustedProxies: [], socket: path } };
      const ask = () => overSocket(path, '/auth/verify', { 'x-forwarded-uri': '/public/x', 'x-forwarded-method': 'GET' });
      // the reloaded app drops /public/: the socket must now answer with the new routes
      const withoutPublic = { ...input, routes: input.routes!.filter((r) => r.name !== 'public') };
      const same = await gw.reload(portcullisConfigSchema.parse(withoutPublic));
      expect(same).toMatchObject({ ok: true, restartNeeded: [] });
      expect((await ask()).status).toBe(403);
      const moved = await gw.reload(portcullisConfigSchema.parse({ ...input, forwardAuth: { ...input.forwardAuth, socket: join(dir, 'other.sock') } }));
      expect(moved).toMatchObject({ ok: true, restartNeeded: ['forwardAuth.socket (and its mode and path)'] });
      expect((await ask()).status).toBe(200);
    } finally {
      await gw.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start on a path that is no socket, or on a socket another process listens on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-socket-'));
    try {
      const file = join(dir, 'not-a-socket');
      await writeFile(file, 'data');
      await expect(startTestGateway(config({ socket: file }))).rejects.toMatchObject({ code: 'GW_SOCKET_INVALID', message: expect.stringContaining('exists and is not a socket') });
      const busy = join(dir, 'busy.sock');
      const other = createServer();
      await new Promise<void>((done) => other.listen(busy, done));
      try {
        await expect(startTestGateway(config({ socket: busy }))).rejects.toMatchObject({ code: 'GW_SOCKET_INVALID', message: expect.stringContaining('another process listens') });
        // the refused gateway neither took nor removed the live socket
        expect((await stat(busy)).isSocket()).toBe(true);
      } finally {
        await new Promise<void>((done) => other.close(() => done()));
      }
      await expect(startTestGateway(config({ socket: join(dir, 'missing', 'verify.sock') }))).rejects.toMatchObject({ code: 'GW_SOCKET_INVALID', message: expect.stringContaining('does not exist') });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the option when the socket is configured wrong', () => {
    const problems = (forwardAuth: Record<string, unknown>) => {
      const parsed = portcullisConfigSchema.safeParse({ authenticators: [{ type: 'file', name: 'local', usersFile: 'users.yaml' }], forwardAuth, routes: [{ name: 'app', prefix: '/app/', upstream: 'http://127.0.0.1:9' }] });
      return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(problems({ enabled: true, socket: 'verify.sock' })).toContain('forwardAuth.socket: must be an absolute path, e.g. /run/portcullis/verify.sock');
    expect(problems({ enabled: true, socket: `/${'x'.repeat(120)}` })).toContain('forwardAuth.socket: is longer than the 107 bytes a Unix socket path may have');
    expect(problems({ enabled: true, socket: '/run/v.sock', socketMode: '0666' })).toContain('forwardAuth.socketMode: must not let every local user connect (no permissions for "other")');
    expect(problems({ enabled: true, socket: '/run/v.sock', socketMode: 'rw' })).toContain('forwardAuth.socketMode: must be an octal mode such as 0660');
    expect(problems({ enabled: true, socket: '/run/v.sock', socketMode: 660 })).toContain('forwardAuth.socketMode: must be a quoted octal string such as "0660" (YAML reads an unquoted 0660 as a number)');
    expect(problems({ enabled: false, socket: '/run/v.sock' })).toContain('forwardAuth.socket: serves the verify endpoint: set forwardAuth.enabled to true, or remove the socket');
    // a socket alone is enough: no proxy needs to be trusted by address
    expect(problems({ enabled: true, socket: '/run/v.sock' })).toEqual([]);
    expect(problems({ enabled: true })).toContain('forwardAuth.trustedProxies: name the proxies allowed to ask the verify endpoint (or give forwardAuth.socket for a proxy on this host)');
  });
});
