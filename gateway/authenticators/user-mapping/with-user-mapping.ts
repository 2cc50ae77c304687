import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { UserMappingConfig } from '@portcullis/config/schema/user-mapping.js';
import { LoginRefusedError } from '../login-refusal.js';
import { loadOperatorFunction } from '../load-export.js';
import type { AuthenticatedUser, Authenticator, LoginCompletion, LookupContext } from '../types.js';
import { mapUser, rewriteLogin, type UserMappingModule } from './map-user.js';

/** The answer a user gets when the mapping refuses them or fails: no detail, the log has it. */
export const loginRefused = () => new LoginRefusedError('GW_LOGIN_REFUSED');

export interface UserMapper {
  /** the configured login rewriting (domain, case), for logins typed by the user */
  rewriteLogin(login: string): string;
  /** the mapped user, or undefined when the mapping refuses (already logged with the reason) */
  map(user: AuthenticatedUser, clientAddress: string | undefined, log: Pick<Logger, 'info' | 'error'>): Promise<AuthenticatedUser | undefined>;
}

export async function createUserMapper(config: UserMappingConfig, configDir: string): Promise<UserMapper> {
  const module = config.module ? await loadOperatorFunction<UserMappingModule>(config.module, configDir, 'userMapping.module', 'mapUser') : undefined;
  return {
    rewriteLogin: (login) => rewriteLogin(login, config.login) || login,
    async map(user, clientAddress, log) {
      let outcome;
      try {
        outcome = await mapUser(user, config, module, clientAddress);
      } catch (err) {
        // an operator's module that throws refuses the login; the cause is for the operator
        log.error({ event: 'user-mapping-failed', authenticator: user.authenticator, err }, 'the user mapping failed; login refused');
        return undefined;
      }
      if ('refused' in outcome) {
        log.info({ event: 'login-refused', authenticator: user.authenticator, reason: outcome.refused }, 'login refused by the user mapping');
        return undefined;
      }
      return outcome.user;
    },
  };
}

/**
 * The same mapping after every authenticator: password and request authenticators have their
 * answers mapped; routed ones get a completion that maps before the session is created.
 */
export function withUserMapping(authenticator: Authenticator, mapper: UserMapper, clientAddress: (request: FastifyRequest) => string): Authenticator {
  switch (authenticator.kind) {
    case 'password':
      return override(authenticator, {
        async verify(login, password, ctx) {
          // `CORP\jdoe` typed into the form is looked up as `jdoe`
          const user = await authenticator.verify(mapper.rewriteLogin(login), password, ctx);
          if (!user) return null;
          const mapped = await mapper.map(user, ctx.clientAddress, ctx.log);
          if (!mapped) throw loginRefused();
          return withStoreLogin(mapped, user.loginId, ctx.clientAddress);
        },
        // a session re-check sees the user as the login did: looked up by the store's name, mapped again
        ...(authenticator.lookup
          ? {
              async lookup(loginId: string, recheck?: LookupContext) {
                const found = recheck?.previous.extra?.[STORE_LOGIN];
                const user = await authenticator.lookup!(typeof found === 'string' ? found : loginId, recheck);
                if (!user) return null;
                const address = recheck?.previous.extra?.[LOGIN_ADDRESS];
                const mapped = await mapper.map(user, typeof address === 'string' ? address : undefined, recheck?.log ?? quietLog);
                return mapped ? withStoreLogin(mapped, user.loginId, typeof address === 'string' ? address : undefined) : null;
              },
            }
          : {}),
      });
    case 'request':
      return override(authenticator, {
        async authenticate(request) {
          const user = await authenticator.authenticate(request);
          if (!user) return null;
          const mapped = await mapper.map(user, clientAddress(request), request.log);
          if (!mapped) throw loginRefused();
          return mapped;
        },
      });
    case 'routed':
      return override(authenticator, {
        register(app, completion) {
          const mapping: LoginCompletion = {
            ...completion,
            async completeLogin(request, reply, user, returnTo) {
              const mapped = await mapper.map(user, clientAddress(request), request.log);
              if (!mapped) throw loginRefused();
              return completion.completeLogin(request, reply, mapped, returnTo);
            },
          };
          return authenticator.register(app, mapping);
        },
      });
  }
}

/** Where a mapped session user keeps the name its identity store knows, and the login's address. */
const STORE_LOGIN = 'storeLogin';
const LOGIN_ADDRESS = 'loginAddress';

function withStoreLogin(user: AuthenticatedUser, storeLogin: string, address: string | undefined): AuthenticatedUser {
  return { ...user, extra: { ...user.extra, [STORE_LOGIN]: storeLogin, ...(address ? { [LOGIN_ADDRESS]: address } : {}) } };
}

/** for a lookup without a request (none today): the mapping's own log lines have nowhere to go */
const quietLog: Pick<Logger, 'info' | 'error'> = { info() {}, error() {} } as unknown as Pick<Logger, 'info' | 'error'>;

/** The authenticator with some methods replaced; the others still run on the original object. */
function override<T extends object>(target: T, replaced: Partial<T>): T {
  return new Proxy(target, {
    get(t, key) {
      if (Object.hasOwn(replaced, key)) return replaced[key as keyof T];
      const value = Reflect.get(t, key, t) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  });
}
