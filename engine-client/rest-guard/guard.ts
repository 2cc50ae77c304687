import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Decision } from '@portcullis/policies/reasons.js';
import {
  AccessOptionError,
  IpDeniedError,
  RestDisabledError,
  RoleMissingError,
  UnauthenticatedError,
  type AccessError,
} from '../access-errors.js';
import { createClientAddressResolver, type ClientAddressOptions, type ClientAddressResolver } from '../client-ip/client-address.js';
import { clientAddressOf } from '../client-ip/request-address.js';
import { createIpAllowList, type IpAllowListOptions } from '../ip-allow-list/allow-list.js';
import { identityOf, type GuardIdentity } from './identity.js';

export interface RestGuardOptions {
  /** default false: REST access stays closed (403 `REST_DISABLED`) until switched on */
  enabled?: boolean;
  /** the caller needs at least one of these roles, e.g. `RestAdmin`, `TechnicalUser`; required when enabled */
  roles?: readonly string[];
  /** also restrict by client address; `{}` switches it on with the default (127.0.0.1, ::1) */
  ipAllowList?: IpAllowListOptions;
  /** how the client address is decided (trusted proxies); or share a resolver */
  clientAddress?: ClientAddressOptions;
  resolveClientAddress?: ClientAddressResolver;
  /** where the identity is; default `request.identity` */
  identity?: (request: FastifyRequest) => GuardIdentity | undefined;
}

export interface RestGuardInput {
  identity: GuardIdentity | undefined;
  clientAddress: string;
}

export interface RestGuard {
  readonly enabled: boolean;
  /** the decision alone, with its reason; no HTTP */
  decide(input: RestGuardInput): Decision;
  /** a fastify `preHandler` (or `onRequest` after the identity hook) that throws the coded error */
  hook(request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

/**
 * The guard an engine puts in front of its REST API. Order of checks: switched on at all,
 * then the client address (refused callers learn nothing about identities), then a valid
 * identity (401), then one of the roles (403).
 */
export function createRestGuard(options: RestGuardOptions = {}, path = 'restGuard'): RestGuard {
  const enabled = options.enabled === true;
  const roles = Object.freeze([...(options.roles ?? [])]);
  if (enabled && roles.length === 0) throw new AccessOptionError(`${path}.roles`, 'at least one role is needed when the guard is enabled');
  roles.forEach((role, i) => {
    if (typeof role !== 'string' || role === '') throw new AccessOptionError(`${path}.roles[${i}]`, 'must be a non-empty string');
  });
  const allowList = options.ipAllowList ? createIpAllowList(options.ipAllowList, `${path}.ipAllowList`) : undefined;
  const resolve = options.resolveClientAddress ?? createClientAddressResolver(options.clientAddress, `${path}.clientAddress`);
  const readIdentity = options.identity ?? identityOf;

  function decide({ identity, clientAddress }: RestGuardInput): Decision {
    if (!enabled) return refuse('rest-disabled', 'REST access is not enabled on this engine');
    if (allowList) {
      const verdict = allowList.decide(clientAddress);
      if (!verdict.allowed) return verdict;
    }
    if (!identity) return refuse('unauthenticated', 'a valid identity is required');
    const held = roles.filter((role) => identity.roles.includes(role));
    if (held.length === 0) {
      return refuse('forbidden', `one of the roles ${roles.join(', ')} is required`, { userId: identity.userId, required: roles });
    }
    return { allowed: true, reason: { code: 'allowed', message: `role ${held[0]} grants REST access`, detail: { userId: identity.userId } } };
  }

  async function hook(request: FastifyRequest): Promise<void> {
    const address = clientAddressOf(request, resolve);
    const identity = readIdentity(request);
    const decision = decide({ identity, clientAddress: address.address });
    if (decision.allowed) return;
    const error = toError(decision, address.address, roles);
    request.log.warn(
      { event: 'rest-guard-refused', code: error.code, reason: decision.reason.code, clientAddress: address.address, source: address.source, userId: identity?.userId },
      `REST request refused: ${decision.reason.message}`,
    );
    throw error;
  }

  return { enabled, decide, hook };
}

function refuse(code: string, message: string, detail?: Record<string, unknown>): Decision {
  return { allowed: false, reason: { code, message, detail } };
}

function toError(decision: Decision, address: string, roles: readonly string[]): AccessError {
  switch (decision.reason.code) {
    case 'rest-disabled':
      return new RestDisabledError();
    case 'ip-denied':
      return new IpDeniedError(address, decision.reason.detail);
    case 'unauthenticated':
      return new UnauthenticatedError();
    default:
      return new RoleMissingError(roles, decision.reason.detail);
  }
}
