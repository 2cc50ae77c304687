/**
 * The client-address table again, this time over real sockets: a client sends each case's
 * X-Forwarded-For to a running gateway (trusted proxies as in the case), the gateway
 * forwards to an engine that trusts only the gateway, and the engine decides with
 * engine-client. The socket peer is always loopback here, so a case's peer is played by
 * 127.0.0.1: trusted when the case's peer was trusted, untrusted otherwise.
 */
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAddressSet } from '../../engine-client/client-ip/address-set.js';
import { clientAddressOf, createClientAddressResolver } from '../../engine-client/client-ip/index.js';
import { CLIENT_IP_CASES, type ClientIpCase } from '../support/client-ip-cases.js';
import { startTestGateway, writeUsersFile, type TestGateway } from '../support/gateway.js';

interface Played {
  c: ClientIpCase;
  trusted: string[];
  expect: string;
}

const played: Played[] = CLIENT_IP_CASES.map((c) => {
  const peerTrusted = createAddressSet(c.trusted).has(c.peer);
  return {
    c,
    trusted: peerTrusted ? [...c.trusted, '127.0.0.1'] : c.trusted,
    expect: c.source === 'socket' ? '127.0.0.1' : c.expect,
  };
});
const trustLists = [...new Map(played.map((p) => [JSON.stringify(p.trusted), p.trusted])).values()];

let engine: FastifyInstance;
const gateways = new Map<string, TestGateway>();

beforeAll(async () => {
  engine = Fastify();
  const resolve = createClientAddressResolver({ trustedProxies: ['loopback'] });
  engine.get('/ip/echo', async (req) => {
    const d = clientAddressOf(req, resolve);
    return { address: d.address, source: d.source, xff: req.headers['x-forwarded-for'] ?? null };
  });
  await engine.listen({ host: '127.0.0.1', port: 0 });
  const upstream = `http://127.0.0.1:${(engine.server.address() as AddressInfo).port}`;
  const started = await Promise.all(
    trustLists.map((trustedProxies) =>
      startTestGateway(async (dir) => {
        await writeUsersFile(dir, { alice: { password: 'wonderland' } });
        return {
          server: { trustedProxies },
          authenticators: [{ type: 'file', name: 'local', usersFile: 'users.yaml' }],
          routes: [{ name: 'ip', prefix: '/ip/', upstream, requireSession: false }],
        };
      }),
    ),
  );
  trustLists.forEach((list, i) => gateways.set(JSON.stringify(list), started[i]!));
});

afterAll(async () => {
  await Promise.all([...gateways.values()].map((g) => g.stop()));
  await engine?.close();
});

/** GET with raw header lines (an array sends one line per entry). */
function get(url: string, xff: string | string[] | undefined): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', agent: false, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('client address through gateway and engine (real sockets)', () => {
  it(`plays all ${played.length} cases on ${trustLists.length} gateways`, () => {
    expect(played.length).toBeGreaterThanOrEqual(30);
  });

  it.each(played)('$c.name', async (p) => {
    const gw = gateways.get(JSON.stringify(p.trusted))!;
    const res = await get(`${gw.url}/ip/echo`, p.c.xff);
    expect(res.status).toBe(200);
    expect(res.body.address).toBe(p.expect);
    // the engine sees the gateway's chain, never the client's: the decided address, then the gateway's peer
    const chain = String(res.body.xff).split(',').map((s) => s.trim());
    expect(chain[0]).toBe(p.expect);
    expect(chain.length).toBeLessThanOrEqual(2);
  });
});
