import { sign, X509Certificate } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Authenticator } from '../authenticators/types.js';
import type { ExpiringStore } from '../sessions/store.js';
import type { SigningKeys } from '../tokens/key-store.js';
import type { DurableStore } from '../durable/store.js';

/** One dependency's answer: `ok`, or why it is not usable. */
export interface DependencyStatus {
  name: string;
  ok: boolean;
  /** what is wrong, for the operator: no secret, no internal address beyond what config names */
  problem?: string;
}

export interface ReadinessSources {
  store: ExpiringStore;
  /** the durable store (vault, approvals), when the gateway has one */
  durable?: DurableStore;
  keys: SigningKeys;
  authenticators: readonly Authenticator[];
}

/** A dependency that does not answer within this long counts as down (Redis reconnecting, for one). */
export const CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

type LdapLike = Authenticator & { state(): Array<{ id: string; status: 'up' | 'down' }> };
type SamlLike = Authenticator & { settings: { idps: Array<{ entityId: string; ssoUrl?: string; certificates: string[] }> } };

/** An LDAP pool is usable while one server is up; the pool retries the others on its own. */
function ldapStatus(a: LdapLike): DependencyStatus {
  const state = a.state();
  const up = state.filter((e) => e.status === 'up').length;
  const down = state.filter((e) => e.status === 'down').map((e) => e.id);
  return up > 0 ? { name: `ldap:${a.name}`, ok: true } : { name: `ldap:${a.name}`, ok: false, problem: `every LDAP server is down: ${down.join(', ')}` };
}

/** SAML is usable when each IdP has a login URL and at least one signing certificate in its validity period. */
function samlStatus(a: SamlLike, now: Date): DependencyStatus {
  const problems: string[] = [];
  for (const idp of a.settings.idps) {
    if (!idp.ssoUrl) problems.push(`${idp.entityId}: no single sign-on URL in its metadata`);
    const valid = idp.certificates.filter((pem) => {
      try {
        const cert = new X509Certificate(pem);
        return new Date(cert.validFrom) <= now && now <= new Date(cert.validTo);
      } catch {
        return false;
      }
    });
    if (valid.length === 0) problems.push(`${idp.entityId}: no signing certificate is within its validity period`);
  }
  return problems.length === 0 ? { name: `saml:${a.name}`, ok: true } : { name: `saml:${a.name}`, ok: false, problem: problems.join('; ') };
}

/** The current signing key signs a probe: a key file replaced by garbage or an unusable algorithm shows here. */
function keyStatus(keys: SigningKeys): DependencyStatus {
  try {
    const algorithm = keys.current.alg === 'EdDSA' ? null : 'sha256';
    sign(algorithm, Buffer.from('portcullis readiness probe'), keys.current.privateKey);
    return { name: 'signing-keys', ok: true };
  } catch (err) {
    return { name: 'signing-keys', ok: false, problem: `the current signing key cannot sign: ${(err as Error).message}` };
  }
}

/** Ask every dependency the gateway needs to serve requests, in parallel. */
export async function checkDependencies(sources: ReadinessSources, now = new Date()): Promise<DependencyStatus[]> {
  const store = withTimeout(sources.store.ping(), 'the session store').then(
    (): DependencyStatus => ({ name: 'session-store', ok: true }),
    (err: unknown): DependencyStatus => ({ name: 'session-store', ok: false, problem: (err as Error).message || 'unreachable' }),
  );
  const durable = sources.durable
    ? withTimeout(sources.durable.ping(), 'the durable store').then(
        (): DependencyStatus => ({ name: 'durable-store', ok: true }),
        (err: unknown): DependencyStatus => ({ name: 'durable-store', ok: false, problem: (err as Error).message || 'unreachable' }),
      )
    : undefined;
  const rest: DependencyStatus[] = [keyStatus(sources.keys)];
  for (const a of sources.authenticators) {
    if (a.type === 'ldap' && typeof (a as Partial<LdapLike>).state === 'function') rest.push(ldapStatus(a as LdapLike));
    if (a.type === 'saml' && (a as Partial<SamlLike>).settings?.idps) rest.push(samlStatus(a as SamlLike, now));
  }
  return [await store, ...(durable ? [await durable] : []), ...rest];
}

/**
 * `/readyz`: 200 when every dependency is usable, 503 naming the ones that are not, and 503
 * from the moment shutdown begins (`draining()`), so a load balancer stops sending first.
 * `/healthz` stays the liveness check: it answers while the process can answer at all.
 */
export function registerReadiness(app: FastifyInstance, sources: ReadinessSources, draining: () => boolean): void {
  app.get('/readyz', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    if (draining()) return reply.code(503).send({ status: 'draining', checks: [] });
    const checks = await checkDependencies(sources);
    const failing = checks.filter((c) => !c.ok);
    if (failing.length > 0) return reply.code(503).send({ status: 'unavailable', failing: failing.map((c) => c.name), checks });
    return { status: 'ready', checks };
  });
}
