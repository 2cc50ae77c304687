import { describe, expect, it } from 'vitest';
import Fastify, { type FastifyRequest } from 'fastify';
import { requestView } from '../../../gateway/http/request-view.js';

/** A real fastify request, as the verify endpoint and the portal probe get one. */
async function captured(): Promise<FastifyRequest> {
  const app = Fastify();
  let seen: FastifyRequest | undefined;
  app.get('/auth/verify', async (request) => {
    seen = request;
    return 'ok';
  });
  await app.inject({ method: 'GET', url: '/auth/verify?x=1', headers: { cookie: 'a=1', host: 'proxy.example' } });
  await app.close();
  return seen!;
}

describe('requestView', () => {
  it('answers the overridden method, URL and headers, and the request itself for everything else', async () => {
    const request = await captured();
    const view = requestView(request, { method: 'DELETE', url: '/orders/7', headers: { ...request.headers, host: 'app.example' } });
    expect([view.method, view.url, view.headers.host]).toEqual(['DELETE', '/orders/7', 'app.example']);
    expect(view.id).toBe(request.id);
    expect(view.raw).toBe(request.raw);
    expect(view.headers.cookie).toBe('a=1');
    // the request on the wire is untouched
    expect([request.method, request.url, request.headers.host]).toEqual(['GET', '/auth/verify?x=1', 'proxy.example']);
  });

  it('answers host, hostname and port for the overridden host, not for the request on the wire', async () => {
    const request = await captured();
    const view = requestView(request, { method: 'GET', url: '/app/', host: 'app.example:8443' });
    expect([view.host, view.hostname, view.port]).toEqual(['app.example:8443', 'app.example', 8443]);
    const v6 = requestView(request, { host: '[2001:db8::1]' });
    expect([v6.hostname, v6.port]).toEqual(['[2001:db8::1]', null]);
    expect([request.host, request.hostname, request.port]).toEqual(['proxy.example', 'proxy.example', null]);
  });

  it('leaves what is not overridden to the request, names every object inherits included', async () => {
    const request = await captured();
    const view = requestView(request, { method: 'GET', url: '/app/' });
    expect(view.headers).toBe(request.headers);
    expect(view.constructor).toBe(request.constructor);
    expect(view.toString).toBe(request.toString);
  });
});
