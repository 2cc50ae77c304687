import type { AudienceMembership } from './audience-members.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { VaultSettings } from '@portcullis/config/schema/vault.js';
import { GatewayError } from '../errors.js';
import { checkKeyName, invalidCredential } from './limits.js';
import type { Vault, VaultActor } from './vault.js';
import { checkSessionCsrf, type VaultCaller, type VaultCallerResolver } from './vault-caller.js';

export interface VaultRouteOptions {
  vault: Vault;
  caller: VaultCallerResolver;
  settings: VaultSettings;
  /** whether a user is one of an engine's users (a technical grant reads only theirs) */
  isUserOf: AudienceMembership;
}

const unauthenticated = () =>
  new GatewayError('GW_UNAUTHENTICATED', 401, 'log in, or send a Bearer token of this gateway', { headers: { 'www-authenticate': 'Bearer realm="portcullis"' } });
const forbidden = (message: string) => new GatewayError('GW_FORBIDDEN', 403, message);
const notFound = (key: string) => new GatewayError('GW_CREDENTIAL_NOT_FOUND', 404, `no credential named '${key}' is stored`);

/**
 * The vault's REST API. A user manages their own credentials (session with CSRF, or a token of
 * this gateway); only a token — an engine acting for the user — or a technical user's grant reads
 * a value; administrators list and remove other users' keys and never read a value.
 */
export function registerVaultRoutes(app: FastifyInstance, options: VaultRouteOptions): void {
  const { vault, settings } = options;
  const who = async (request: FastifyRequest): Promise<VaultCaller> => {
    const caller = await options.caller(request);
    if (!caller) throw unauthenticated();
    return caller;
  };
  const self = (caller: VaultCaller): Exclude<VaultCaller, { kind: 'technical' }> => {
    if (caller.kind === 'technical') throw forbidden('a technical user reads only the keys its grant names, at /api/vault/users/<user>/values');
    return caller;
  };
  const actorOf = (caller: Exclude<VaultCaller, { kind: 'technical' }>, request: FastifyRequest): VaultActor =>
    caller.kind === 'session' ? { actor: caller.user, via: 'browser', requestId: request.id } : { actor: caller.user, via: 'api', engine: caller.audience, requestId: request.id };
  const csrf = (caller: VaultCaller, request: FastifyRequest) => {
    if (caller.kind === 'session') checkSessionCsrf(caller.session, request.headers['x-csrf-token'] ?? (request.body as { csrf?: unknown } | undefined)?.csrf);
  };
  const admin = (caller: VaultCaller) => {
    const roles = caller.kind === 'technical' ? [] : caller.roles;
    if (!roles.some((r) => settings.adminRoles.includes(r))) throw forbidden('listing or removing another user\'s credentials needs an administrator role');
    return self(caller);
  };
  const noStore = { 'cache-control': 'no-store' };

  app.get('/api/vault/credentials', async (request, reply) => {
    const caller = self(await who(request));
    const credentials = await vault.list(caller.user, actorOf(caller, request));
    reply.headers(noStore);
    return { user: caller.user, credentials, ...(caller.kind === 'session' ? { csrfToken: caller.session.record.csrf } : {}) };
  });

  app.put<{ Params: { key: string }; Body: unknown }>('/api/vault/credentials/:key', async (request, reply) => {
    const caller = self(await who(request));
    csrf(caller, request);
    const body = request.body as { value?: unknown } | undefined;
    if (!body || typeof body !== 'object') throw invalidCredential('value', 'is missing (send {"value": "..."})');
    const { replaced } = await vault.set(caller.user, request.params.key, body.value as string, actorOf(caller, request));
    reply.headers(noStore).code(replaced ? 200 : 201);
    return { key: request.params.key, replaced };
  });

  app.delete<{ Params: { key: string } }>('/api/vault/credentials/:key', async (request, reply) => {
    const caller = self(await who(request));
    csrf(caller, request);
    if (!(await vault.remove(caller.user, request.params.key, actorOf(caller, request)))) throw notFound(request.params.key);
    return reply.code(204).send();
  });

  // values: for the engine holding the user's token, never for a browser
  const readOwn = async (request: FastifyRequest, keys: string[]) => {
    const caller = self(await who(request));
    if (caller.kind !== 'token') throw forbidden('credential values are read by engines with the user\'s token, never shown to a browser');
    return { caller, values: await vault.read(caller.user, keys, { actor: caller.user, via: 'engine', engine: caller.audience, requestId: request.id }) };
  };

  app.get<{ Params: { key: string } }>('/api/vault/credentials/:key/value', async (request, reply) => {
    const { values } = await readOwn(request, [request.params.key]);
    const value = values.get(request.params.key);
    if (value === undefined) throw notFound(request.params.key);
    reply.headers(noStore);
    return { key: request.params.key, value };
  });

  app.post<{ Body: unknown }>('/api/vault/values', async (request, reply) => {
    const keys = keysOf(request.body, vault);
    const { values } = await readOwn(request, keys);
    reply.headers(noStore);
    return answer(values);
  });

  // a technical user's grant: named keys of the users of its engine
  app.post<{ Params: { user: string }; Body: unknown }>('/api/vault/users/:user/values', async (request, reply) => {
    const caller = await who(request);
    if (caller.kind !== 'technical') throw forbidden('only a technical user with a grant reads another user\'s credentials');
    const keys = keysOf(request.body, vault);
    const grants = settings.technicalGrants.filter((g) => g.technicalUser === caller.technicalUser);
    const denied = keys.find((k) => !grants.some((g) => g.keys.includes(k)));
    if (denied !== undefined) throw forbidden(`technical user '${caller.technicalUser}' has no grant for the credential '${denied}'`);
    const engine = grants.find((g) => keys.every((k) => g.keys.includes(k)))?.audience ?? grants[0]!.audience;
    // a grant covers the users of its own engine only: those who may open one of its routes
    const user = request.params.user;
    if (!(await options.isUserOf(user, engine, request))) throw forbidden(`'${user}' is not a user of the engine '${engine}' that technical user '${caller.technicalUser}' works for`);
    const values = await vault.read(request.params.user, keys, { actor: caller.technicalUser, via: 'technical', engine, requestId: request.id });
    reply.headers(noStore);
    return answer(values);
  });

  app.get<{ Params: { user: string } }>('/api/vault/users/:user/credentials', async (request, reply) => {
    const caller = admin(await who(request));
    const credentials = await vault.list(request.params.user, { actor: caller.user, via: 'admin', requestId: request.id });
    reply.headers(noStore);
    return { user: request.params.user, credentials };
  });

  app.delete<{ Params: { user: string; key: string } }>('/api/vault/users/:user/credentials/:key', async (request, reply) => {
    const caller = admin(await who(request));
    csrf(caller, request);
    if (!(await vault.remove(request.params.user, request.params.key, { actor: caller.user, via: 'admin', requestId: request.id }))) throw notFound(request.params.key);
    return reply.code(204).send();
  });
}

function keysOf(body: unknown, vault: Vault): string[] {
  const keys = (body as { keys?: unknown } | undefined)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw invalidCredential('keys', 'must be a non-empty list of credential names');
  if (keys.length > vault.limits.perUser) throw invalidCredential('keys', `may name at most ${vault.limits.perUser} credentials`);
  return [...new Set(keys.map((k) => checkKeyName(k, vault.limits)))];
}

function answer(values: Map<string, string | undefined>): { values: Record<string, string>; missing: string[] } {
  const out: Record<string, string> = {};
  const missing: string[] = [];
  for (const [k, v] of values) {
    if (v === undefined) missing.push(k);
    else out[k] = v;
  }
  return { values: out, missing };
}
