import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headerAuthenticatorSchema } from '../../../../config/schema/technical.js';
import { createHeaderAuthenticator, headerAuthenticatorHeaders } from '../../../../gateway/authenticators/header/header-authenticator.js';
import type { AuthenticatorContext } from '../../../../gateway/authenticators/types.js';
import { MemoryStore } from '../../../../gateway/sessions/memory-store.js';

const log = pino({ level: 'silent' });
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-header-'));
  await writeFile(
    join(dir, 'map-user.mjs'),
    `export function mapUser(login, info) {
       if (login === 'blocked') return null;
       return { loginId: login.toLowerCase(), roles: [...info.roles, 'mapped'], attributes: { email: login.toLowerCase() + '@corp.test' } };
     }\n`,
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function ctx(): AuthenticatorContext {
  return { configDir: dir, dataDir: dir, publicUrl: '', log, byName: () => undefined, sharedStore: new MemoryStore({ maxEntries: 10 }) };
}
const build = (options: Record<string, unknown>) =>
  createHeaderAuthenticator(headerAuthenticatorSchema.parse({ type: 'header', trustedProxies: ['10.0.0.0/8'], ...options }), ctx());
const req = (peer: string, headers: Record<string, string | string[]>) => ({ url: '/', headers, socket: { remoteAddress: peer }, log }) as unknown as FastifyRequest;

describe('header authenticator', () => {
  it('believes the header from a trusted proxy', async () => {
    const a = await build({ rolesHeader: 'X-Remote-Roles', roleMapping: { map: { staff: 'user' }, keepUnmapped: false, defaultRoles: ['sso'] } });
    const user = await a.authenticate(req('10.1.2.3', { 'x-remote-user': 'carol', 'x-remote-roles': 'staff, other' }));
    expect(user).toMatchObject({ loginId: 'carol', roles: ['sso', 'user'], amr: ['header'], level: 'auth.weak', authenticator: 'header' });
  });

  it('understands an IPv4-mapped peer address', async () => {
    const a = await build({});
    expect(await a.authenticate(req('::ffff:10.1.2.3', { 'x-remote-user': 'carol' }))).toMatchObject({ loginId: 'carol' });
  });

  it('ignores the header from anyone else', async () => {
    const a = await build({ fallbackUser: 'guest' });
    expect(await a.authenticate(req('203.0.113.5', { 'x-remote-user': 'admin' }))).toBeNull();
    expect(await a.authenticate(req('203.0.113.5', { 'x-remote-user': 'admin', 'x-forwarded-for': '10.1.2.3' }))).toBeNull();
  });

  it('uses the fallback user only for trusted requests without the header', async () => {
    expect(await (await build({})).authenticate(req('10.1.2.3', {}))).toBeNull();
    expect(await (await build({ fallbackUser: 'guest' })).authenticate(req('10.1.2.3', {}))).toMatchObject({ loginId: 'guest' });
  });

  it('refuses repeated or hostile header values with 400', async () => {
    const a = await build({});
    await expect(a.authenticate(req('10.1.2.3', { 'x-remote-user': ['a', 'b'] }))).rejects.toMatchObject({ statusCode: 400 });
    await expect(a.authenticate(req('10.1.2.3', { 'x-remote-user': 'a\u0000b' }))).rejects.toMatchObject({ statusCode: 400 });
    await expect(a.authenticate(req('10.1.2.3', { 'x-remote-user': 'x'.repeat(300) }))).rejects.toMatchObject({ statusCode: 400 });
  });

  it('applies the operator mapping module, which may refuse', async () => {
    const a = await build({ mapModule: 'map-user.mjs' });
    expect(await a.authenticate(req('10.1.2.3', { 'x-remote-user': 'Dave' }))).toMatchObject({
      loginId: 'dave',
      roles: ['mapped'],
      attributes: { email: 'dave@corp.test' },
    });
    expect(await a.authenticate(req('10.1.2.3', { 'x-remote-user': 'blocked' }))).toBeNull();
  });

  it('fails at start-up on a missing module or a bad proxy entry', async () => {
    await expect(build({ mapModule: 'nope.mjs' })).rejects.toMatchObject({ code: 'GW_AUTHENTICATOR_INVALID' });
    // the schema refuses it first; built from code without the schema, the factory still does
    expect(() => headerAuthenticatorSchema.parse({ type: 'header', trustedProxies: ['proxy.corp'] })).toThrow();
    const unchecked = { ...headerAuthenticatorSchema.parse({ type: 'header', trustedProxies: ['10.0.0.1'] }), trustedProxies: ['proxy.corp'] };
    await expect(createHeaderAuthenticator(unchecked, ctx())).rejects.toMatchObject({ code: 'GW_AUTHENTICATOR_INVALID' });
  });

  it('names its headers so the gateway strips client copies', () => {
    const configs = [headerAuthenticatorSchema.parse({ type: 'header', trustedProxies: ['10.0.0.1'], header: 'X-User-Name', rolesHeader: 'X-User-Roles' })];
    expect(headerAuthenticatorHeaders(configs)).toEqual(['x-user-name', 'x-user-roles']);
  });
});
