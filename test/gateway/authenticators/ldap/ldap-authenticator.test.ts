import { createServer, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ldapAuthenticatorSchema, type LdapAuthenticatorInput } from '../../../../config/schema/ldap.js';
import { createLdapAuthenticator } from '../../../../gateway/authenticators/ldap/index.js';
import type { AuthenticatorContext, LoginContext } from '../../../../gateway/authenticators/types.js';
import { DIRECTORY, startSlapd, type SlapdServer } from '../../../support/slapd.js';

const { ada, grace, linus, obrien } = DIRECTORY.users;

function context() {
  let logs = '';
  const log = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _e, done) {
        logs += chunk.toString();
        done();
      },
    }),
  );
  const ctx = { configDir: process.cwd(), dataDir: process.cwd(), publicUrl: 'http://127.0.0.1', log, byName: () => undefined, sharedStore: undefined as never } satisfies AuthenticatorContext;
  const lctx: LoginContext = { clientAddress: '127.0.0.1', log: log as unknown as LoginContext['log'] };
  return { ctx, lctx, logs: () => logs };
}

function config(slapd: SlapdServer, extra: Partial<LdapAuthenticatorInput> = {}) {
  return ldapAuthenticatorSchema.parse({
    type: 'ldap',
    servers: [slapd.url],
    bindDn: DIRECTORY.serviceDn,
    bindPassword: `plain://${DIRECTORY.servicePassword}`,
    searchBase: DIRECTORY.peopleBase,
    groups: { searchBase: DIRECTORY.groupsBase },
    connectTimeoutMs: 1000,
    operationTimeoutMs: 2000,
    ...extra,
  });
}

/** A TCP server that counts connections and never answers: proves "nothing was sent". */
async function countingListener(): Promise<{ url: string; count: () => number; close: () => Promise<void> }> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    count++;
    sockets.add(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `ldap://127.0.0.1:${port}`,
    count: () => count,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

describe('ldap authenticator against a real slapd', () => {
  let slapd: SlapdServer;
  beforeAll(async () => {
    slapd = await startSlapd();
  });
  afterAll(async () => {
    await slapd?.close();
  });

  it('logs a user in with roles mapped from groups and attributes as identity claims', async () => {
    const { ctx, lctx } = context();
    const auth = await createLdapAuthenticator(
      config(slapd, { roleMapping: { map: { engineers: ['engineer', 'user'], admins: 'admin' }, keepUnmapped: false, defaultRoles: ['ldap-user'] } }),
      ctx,
    );
    const user = await auth.verify(grace.login, grace.password, lctx);
    expect(user).toMatchObject({
      loginId: 'grace',
      groups: ['admins', 'engineers'],
      roles: ['admin', 'engineer', 'ldap-user', 'user'],
      attributes: { firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.org' },
      level: 'auth.weak',
      authenticator: 'ldap',
    });
    expect(user!.amr).toContain('pwd');
  });

  it('a wrong password and an unknown user give the same answer: null', async () => {
    const { ctx, lctx } = context();
    const auth = await createLdapAuthenticator(config(slapd), ctx);
    expect(await auth.verify(ada.login, 'wrong-password', lctx)).toBeNull();
    expect(await auth.verify('nobody', 'wrong-password', lctx)).toBeNull();
    expect(await auth.verify(ada.login, ada.password.toUpperCase(), lctx)).toBeNull();
  });

  it('an unknown user costs the same LDAP operations as a wrong password (timing tells nothing)', async () => {
    const { ctx, lctx } = context();
    const auth = await createLdapAuthenticator(config(slapd), ctx);
    // slapd's log arrives on a pipe: wait until it stops growing before and after
    const settledLog = async () => {
      let n = -1;
      for (let i = 0; i < 40 && slapd.log().length !== n; i++) {
        n = slapd.log().length;
        await new Promise((r) => setTimeout(r, 30));
      }
      return slapd.log();
    };
    const ops = async (login: string) => {
      const before = (await settledLog()).length;
      expect(await auth.verify(login, 'wrong-password', lctx)).toBeNull();
      const lines = (await settledLog()).slice(before);
      // one "BIND dn=... method=128" line per simple bind request
      return { binds: lines.filter((l) => / BIND dn=.* method=128/.test(l)).length, searches: lines.filter((l) => / SRCH base=/.test(l)).length };
    };
    const wrong = await ops(ada.login);
    const unknown = await ops('nobody-at-all');
    expect(unknown).toEqual(wrong);
    expect(wrong.binds).toBe(2); // service account, then the user (or the no-such-user stand-in)
  });

  it('the user with special characters logs in with exactly their login, and only with it', async () => {
    const { ctx, lctx } = context();
    const auth = await createLdapAuthenticator(config(slapd, { groups: { searchBase: DIRECTORY.groupsBase } }), ctx);
    const user = await auth.verify(obrien.login, obrien.password, lctx);
    expect(user?.loginId).toBe(obrien.login);
    expect(user?.attributes.firstName).toBe('Renée');
    // the group search put the escaped DN (with \5c and parentheses) into a filter
    expect(user?.groups).toEqual(['irish']);
    expect(await auth.verify("o'brien*", obrien.password, lctx)).toBeNull();
    expect(await auth.verify("o'brien*(x)", obrien.password, lctx)).toBeNull();
  });

  describe('filter injection logs no one in', () => {
    // each login would widen or break the filter if it were not escaped (RFC 4515)
    const attacks = ['*', 'a*', 'gr*', '*)(uid=ada', '*)(uid=grace)(uid=*', '*)(uid=*', '*)(|(uid=*', 'ada)(|(uid=*)', 'ada\\', 'ada\u0000', '\u0000', 'ad*', '(uid=ada)', '*)(objectClass=*'];
    for (const login of attacks) {
      it(`refuses ${JSON.stringify(login)} with every known password`, async () => {
        const { ctx, lctx } = context();
        const auth = await createLdapAuthenticator(config(slapd), ctx);
        for (const password of [ada.password, grace.password, linus.password, 'x']) {
          expect(await auth.verify(login, password, lctx)).toBeNull();
        }
        expect(auth.state()[0]!.status).toBe('up');
      });
    }
  });

  it('an empty password is refused before anything is sent', async () => {
    const listener = await countingListener();
    try {
      const { ctx, lctx } = context();
      const auth = await createLdapAuthenticator(config(slapd, { servers: [listener.url] }), ctx);
      expect(await auth.verify(ada.login, '', lctx)).toBeNull();
      expect(await auth.verify('', ada.password, lctx)).toBeNull();
      expect(listener.count()).toBe(0);
    } finally {
      await listener.close();
    }
    // and against the real server, where an empty password would be an anonymous bind
    const { ctx, lctx } = context();
    const auth = await createLdapAuthenticator(config(slapd), ctx);
    expect(await auth.verify(ada.login, '', lctx)).toBeNull();
  });

  it('groups: nested groups by bounded recursive search (OpenLDAP has no in-chain rule)', async () => {
    const { ctx, lctx } = context();
    const flat = await createLdapAuthenticator(config(slapd), ctx);
    expect((await flat.verify(ada.login, ada.password, lctx))?.groups).toEqual(['auditors', 'engineers']);
    const nested = await createLdapAuthenticator(config(slapd, { groups: { searchBase: DIRECTORY.groupsBase, nested: 'recursive' } }), ctx);
    expect((await nested.verify(ada.login, ada.password, lctx))?.groups).toEqual(['auditors', 'engineers', 'everyone', 'staff']);
    const shallow = await createLdapAuthenticator(config(slapd, { groups: { searchBase: DIRECTORY.groupsBase, nested: 'recursive', maxDepth: 1 } }), ctx);
    expect((await shallow.verify(ada.login, ada.password, lctx))?.groups).toEqual(['auditors', 'engineers', 'staff']);
  });

  it('groups: from the memberOf attribute (memberof overlay), with recursion on top', async () => {
    const { ctx, lctx } = context();
    const byAttr = await createLdapAuthenticator(config(slapd, { groups: { source: 'attribute', searchBase: DIRECTORY.groupsBase } }), ctx);
    expect((await byAttr.verify(grace.login, grace.password, lctx))?.groups).toEqual(['admins', 'engineers']);
    const nested = await createLdapAuthenticator(config(slapd, { groups: { source: 'attribute', nested: 'recursive', searchBase: DIRECTORY.groupsBase } }), ctx);
    expect((await nested.verify(grace.login, grace.password, lctx))?.groups).toEqual(['admins', 'engineers', 'everyone', 'staff']);
    const none = await createLdapAuthenticator(config(slapd, { groups: { source: 'none' } }), ctx);
    expect((await none.verify(linus.login, linus.password, lctx))?.groups).toEqual([]);
  });

  it('userDnPattern binds straight to the escaped DN (RFC 4514), no service account needed', async () => {
    const { ctx, lctx } = context();
    const auth = await createLdapAuthenticator(
      config(slapd, { bindDn: undefined, bindPassword: undefined, userDnPattern: `uid={login},${DIRECTORY.peopleBase}` }),
      ctx,
    );
    expect((await auth.verify(ada.login, ada.password, lctx))?.loginId).toBe('ada');
    // the special characters reach the DN escaped, so the real entry binds
    expect((await auth.verify(obrien.login, obrien.password, lctx))?.loginId).toBe(obrien.login);
    // a login that tries to add RDN parts or another branch stays one value
    expect(await auth.verify(`ada,${DIRECTORY.peopleBase}`, ada.password, lctx)).toBeNull();
    expect(await auth.verify('ada+cn=x', ada.password, lctx)).toBeNull();
    expect(await auth.verify('*', ada.password, lctx)).toBeNull();
  });

  it('a wrong service account password is a coded 502, not a login failure and not a failover', async () => {
    const { ctx, lctx, logs } = context();
    const auth = await createLdapAuthenticator(config(slapd, { bindPassword: 'plain://not-the-service-secret' }), ctx);
    const err = await auth.verify(ada.login, ada.password, lctx).catch((e) => e);
    expect(err).toMatchObject({ code: 'GW_LDAP_SERVICE_BIND_FAILED', statusCode: 502, expose: false });
    expect(auth.state()[0]!.status).toBe('up');
    expect(logs()).not.toContain('not-the-service-secret');
  });

  it('no server reachable: 503 GW_LDAP_UNAVAILABLE, and the log names the server without the password', async () => {
    const { ctx, lctx, logs } = context();
    const auth = await createLdapAuthenticator(config(slapd, { servers: ['ldap://127.0.0.1:1'] }), ctx);
    const err = await auth.verify(ada.login, ada.password, lctx).catch((e) => e);
    expect(err).toMatchObject({ code: 'GW_LDAP_UNAVAILABLE', statusCode: 503 });
    expect(auth.state()[0]).toMatchObject({ id: 'ldap://127.0.0.1:1', status: 'down', lastFailure: 'LDAP_UNREACHABLE' });
    expect(logs()).toContain('ldap://127.0.0.1:1');
    expect(logs()).not.toContain(ada.password);
    expect(logs()).not.toContain(DIRECTORY.servicePassword);
  });

  it('a server that accepts but never answers times out per operation and is failed over', async () => {
    const listener = await countingListener();
    try {
      const { ctx, lctx } = context();
      const auth = await createLdapAuthenticator(config(slapd, { servers: [listener.url, slapd.url], operationTimeoutMs: 300 }), ctx);
      const started = Date.now();
      expect((await auth.verify(ada.login, ada.password, lctx))?.loginId).toBe('ada');
      expect(Date.now() - started).toBeLessThan(3000);
      expect(auth.state()[0]).toMatchObject({ status: 'down', lastFailure: 'LDAP_TIMEOUT' });
    } finally {
      await listener.close();
    }
  });
});
