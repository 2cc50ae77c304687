import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { WebSocketServer, WebSocket } from 'ws';
import { demoConfig, startTestGateway, type TestGateway } from '../support/gateway.js';
import { CookieClient, loginWithForm } from '../support/http-client.js';

/** An upstream that echoes websocket messages and reports the identity headers it saw on the upgrade. */
async function echoUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const app: FastifyInstance = Fastify();
  const wss = new WebSocketServer({ noServer: true });
  app.server.on('upgrade', (request, socket, head) => {
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.send(JSON.stringify({ authorization: request.headers.authorization ?? null, cookie: request.headers.cookie ?? null }));
      ws.on('message', (data) => ws.send(`echo:${data}`));
    });
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: async () => { wss.close(); await app.close(); } };
}

function open(url: string, headers: Record<string, string>): Promise<{ ws: WebSocket; first: string } | { status: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('message', (data) => resolve({ ws, first: String(data) }));
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.once('error', reject);
  });
}

describe('websockets pass through the gateway, behind the same login', () => {
  let upstream: Awaited<ReturnType<typeof echoUpstream>>;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await echoUpstream();
    gw = await startTestGateway(async (dir) => ({
      ...(await demoConfig(dir)),
      routes: [{ name: 'live', prefix: '/live/', upstream: upstream.url, websocket: true }],
      demoEngine: { enabled: false },
    }));
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it('refuses an upgrade without a session', async () => {
    const answer = await open(`${gw.url.replace('http', 'ws')}/live/socket`, {});
    expect(answer).toEqual({ status: 401 });
  });

  it('carries messages both ways with the token attached and the session cookie removed', async () => {
    const client = new CookieClient(gw.url);
    await loginWithForm(client, 'alice', 'wonderland');
    const answer = await open(`${gw.url.replace('http', 'ws')}/live/socket`, { cookie: `portcullis_sid=${client.jar.get('portcullis_sid')}` });
    if (!('ws' in answer)) throw new Error(`upgrade refused with ${answer.status}`);
    const seen = JSON.parse(answer.first);
    expect(seen.authorization).toMatch(/^Bearer ey/);
    expect(seen.cookie ?? '').not.toContain('portcullis_sid');
    const reply = new Promise<string>((resolve) => answer.ws.once('message', (d) => resolve(String(d))));
    answer.ws.send('hello');
    expect(await reply).toBe('echo:hello');
    answer.ws.close();
  });
});
