import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { FastifyRequest } from 'fastify';
import type { HeaderAuthenticatorConfig } from '@portcullis/config/schema/technical.js';
import { createAddressSet } from '@portcullis/engine-client/client-ip';
import { normalizeAddress } from '@portcullis/engine-client/client-ip';
import { GatewayError } from '../../errors.js';
import { applyRoleMapping } from '../role-mapping.js';
import type { AuthenticatedUser, AuthenticatorContext, RequestAuthenticator } from '../types.js';

/** What an operator's mapping module may answer; null refuses the user. */
export interface HeaderUserMapping {
  loginId?: string;
  roles?: string[];
  groups?: string[];
  attributes?: Record<string, string>;
}
export type HeaderUserMapper = (
  loginId: string,
  info: { roles: string[]; headers: FastifyRequest['headers']; clientAddress: string },
) => HeaderUserMapping | null | undefined | Promise<HeaderUserMapping | null | undefined>;

const MAX_NAME = 256;

/**
 * A user name set by a trusted upstream proxy. Only the socket peer decides trust (the proxy
 * talks to us directly); from any other peer the header is ignored, and the gateway strips it
 * before proxying whoever sent it (see `headerAuthenticatorHeaders`).
 */
export async function createHeaderAuthenticator(config: HeaderAuthenticatorConfig, ctx: AuthenticatorContext): Promise<RequestAuthenticator> {
  const path = `authenticators[${config.name}]`;
  let trusted;
  try {
    trusted = createAddressSet(config.trustedProxies, `${path}.trustedProxies`);
  } catch (err) {
    throw new GatewayError('GW_AUTHENTICATOR_INVALID', 500, (err as Error).message, { cause: err });
  }
  const header = config.header.toLowerCase();
  const rolesHeader = config.rolesHeader?.toLowerCase();
  const mapper = config.mapModule ? await loadMapper(resolve(ctx.configDir, config.mapModule), `${path}.mapModule`) : undefined;
  const log = ctx.log.child({ authenticator: config.name });

  return {
    kind: 'request',
    type: 'header',
    name: config.name,
    async authenticate(request) {
      const peer = normalizeAddress(request.socket.remoteAddress);
      if (peer === undefined || !trusted.has(peer)) return null;
      const raw = request.headers[header];
      if (Array.isArray(raw)) throw new GatewayError('GW_BAD_REQUEST', 400, `more than one ${config.header} header`);
      let loginId = typeof raw === 'string' ? raw.trim() : '';
      if (loginId === '') {
        if (!config.fallbackUser) return null;
        loginId = config.fallbackUser;
      }
      // eslint-disable-next-line no-control-regex
      if (loginId.length > MAX_NAME || /[\u0000-\u001f\u007f]/.test(loginId)) {
        throw new GatewayError('GW_BAD_REQUEST', 400, `the ${config.header} header is too long or has control characters`);
      }
      const rawRoles = rolesHeader ? request.headers[rolesHeader] : undefined;
      const sourceRoles = (Array.isArray(rawRoles) ? rawRoles.join(',') : (rawRoles ?? ''))
        .split(',')
        .map((r) => r.trim())
        .filter((r) => r !== '');
      let user: AuthenticatedUser = {
        loginId,
        roles: applyRoleMapping(sourceRoles, config.roleMapping),
        groups: [],
        attributes: {},
        level: config.level,
        amr: ['header'],
        authenticator: config.name,
      };
      if (mapper) {
        const mapped = await mapper(loginId, { roles: user.roles, headers: request.headers, clientAddress: peer });
        if (!mapped) {
          log.info({ event: 'header-user-refused', loginId }, 'mapping module refused the user');
          return null;
        }
        user = {
          ...user,
          loginId: mapped.loginId ?? user.loginId,
          roles: mapped.roles ? applyRoleMapping(mapped.roles, config.roleMapping) : user.roles,
          groups: mapped.groups ?? user.groups,
          attributes: mapped.attributes ?? user.attributes,
        };
      }
      return user;
    },
  };
}

/** Header names of every header authenticator: the gateway strips client copies of them. */
export function headerAuthenticatorHeaders(authenticators: ReadonlyArray<{ type: string }>): string[] {
  const names: string[] = [];
  for (const a of authenticators) {
    if (a.type !== 'header') continue;
    const h = a as HeaderAuthenticatorConfig;
    names.push(h.header.toLowerCase());
    if (h.rolesHeader) names.push(h.rolesHeader.toLowerCase());
  }
  return names;
}

async function loadMapper(file: string, path: string): Promise<HeaderUserMapper> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (cause) {
    throw new GatewayError('GW_AUTHENTICATOR_INVALID', 500, `${path}: cannot load ${file}`, { cause });
  }
  const fn = mod.mapUser ?? mod.default;
  if (typeof fn !== 'function') throw new GatewayError('GW_AUTHENTICATOR_INVALID', 500, `${path}: the module exports no mapUser or default function`);
  return fn as HeaderUserMapper;
}
