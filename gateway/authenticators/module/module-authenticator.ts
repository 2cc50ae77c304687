import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ModuleAuthenticatorConfig } from '@portcullis/config/schema/module-authenticator.js';
import type { AuthLevel } from '@portcullis/engine-client/token';
import { GatewayError } from '../../errors.js';
import { loadOperatorFunction } from '../load-export.js';
import { loginRefused } from '../user-mapping/with-user-mapping.js';
import type { AuthenticatedUser, Authenticator, AuthenticatorContext, LoginCompletion, LoginContext } from '../types.js';

/** Who a module says the caller is; the gateway fills in the rest and checks every field. */
export interface ModuleUser {
  loginId: string;
  roles?: string[];
  groups?: string[];
  attributes?: Record<string, string>;
  /** default `auth.weak` */
  level?: AuthLevel;
  /** how the user proved it, default `[module]` */
  amr?: string[];
}

/** What a module's factory gets. */
export interface ModuleAuthenticatorContext {
  name: string;
  options: Record<string, unknown>;
  configDir: string;
  dataDir: string;
  publicUrl: string;
  log: AuthenticatorContext['log'];
  sharedStore: AuthenticatorContext['sharedStore'];
}

/** The three shapes a module may build, as the built-in authenticators have them. */
export type ModuleAuthenticator =
  | { kind: 'password'; verify(login: string, password: string, ctx: LoginContext): Promise<ModuleUser | null> | ModuleUser | null; close?(): Promise<void> }
  | { kind: 'request'; authenticate(request: FastifyRequest): Promise<ModuleUser | null> | ModuleUser | null; close?(): Promise<void> }
  | {
      kind: 'routed';
      label: string;
      loginUrl(returnTo: string): string;
      register(app: FastifyInstance, completion: { completeLogin: (request: FastifyRequest, reply: import('fastify').FastifyReply, user: ModuleUser, returnTo: string) => Promise<void>; safeReturnTo: LoginCompletion['safeReturnTo'] }): Promise<void> | void;
      close?(): Promise<void>;
    };

export type ModuleAuthenticatorFactory = (ctx: ModuleAuthenticatorContext) => ModuleAuthenticator | Promise<ModuleAuthenticator>;

/**
 * `type: module`: an operator's authenticator. The module is loaded and its answer checked at
 * start-up (a wrong shape stops the gateway naming the option); at run time whatever the
 * module throws or answers malformed becomes a generic refusal for the user and a logged
 * cause for the operator.
 */
export async function createModuleAuthenticator(config: ModuleAuthenticatorConfig, ctx: AuthenticatorContext): Promise<Authenticator> {
  const path = `authenticators[${config.name}]`;
  const factory = await loadOperatorFunction<ModuleAuthenticatorFactory>(config.module, ctx.configDir, `${path}.module`, 'createAuthenticator');
  const log = ctx.log.child({ authenticator: config.name });
  let built: ModuleAuthenticator;
  try {
    built = await factory({ name: config.name, options: config.options, configDir: ctx.configDir, dataDir: ctx.dataDir, publicUrl: ctx.publicUrl, log, sharedStore: ctx.sharedStore });
  } catch (cause) {
    throw new GatewayError('GW_AUTHENTICATOR_INVALID', 500, `${path}.module: the factory failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
  checkShape(built, path);
  const toUser = (answer: unknown): AuthenticatedUser => userOf(answer, config.name);
  const failed = (err: unknown, during: string): never => {
    log.error({ event: 'authenticator-module-failed', during, err }, 'the authenticator module failed; login refused');
    throw loginRefused();
  };
  const close = built.close ? () => built.close!() : undefined;

  switch (built.kind) {
    case 'password': {
      const m = built;
      return {
        kind: 'password',
        type: 'module',
        name: config.name,
        async verify(login, password, loginCtx) {
          let answer;
          try {
            answer = await m.verify(login, password, loginCtx);
          } catch (err) {
            return failed(err, 'verify');
          }
          if (answer === null || answer === undefined) return null;
          try {
            return toUser(answer);
          } catch (err) {
            return failed(err, 'verify');
          }
        },
        ...(close ? { close } : {}),
      };
    }
    case 'request': {
      const m = built;
      return {
        kind: 'request',
        type: 'module',
        name: config.name,
        async authenticate(request) {
          let answer;
          try {
            answer = await m.authenticate(request);
          } catch (err) {
            return failed(err, 'authenticate');
          }
          if (answer === null || answer === undefined) return null;
          try {
            return toUser(answer);
          } catch (err) {
            return failed(err, 'authenticate');
          }
        },
        ...(close ? { close } : {}),
      };
    }
    case 'routed': {
      const m = built;
      return {
        kind: 'routed',
        type: 'module',
        name: config.name,
        label: m.label,
        loginUrl: (returnTo) => m.loginUrl(returnTo),
        async register(app, completion) {
          await m.register(app, {
            safeReturnTo: completion.safeReturnTo,
            async completeLogin(request, reply, answer, returnTo) {
              let user;
              try {
                user = toUser(answer);
              } catch (err) {
                return failed(err, 'completeLogin');
              }
              await completion.completeLogin(request, reply, user, returnTo);
            },
          });
        },
        ...(close ? { close } : {}),
      };
    }
  }
}

function checkShape(built: unknown, path: string): asserts built is ModuleAuthenticator {
  const bad = (what: string) => new GatewayError('GW_AUTHENTICATOR_INVALID', 500, `${path}.module: the factory's authenticator ${what}`);
  if (!built || typeof built !== 'object') throw bad('is not an object');
  const a = built as Record<string, unknown>;
  const needs: Record<string, string[]> = { password: ['verify'], request: ['authenticate'], routed: ['loginUrl', 'register'] };
  const kind = a.kind;
  if (typeof kind !== 'string' || !Object.hasOwn(needs, kind)) throw bad(`has kind ${JSON.stringify(kind)}; expected 'password', 'request' or 'routed'`);
  for (const fn of needs[kind]!) if (typeof a[fn] !== 'function') throw bad(`of kind '${kind}' has no ${fn}() function`);
  if (kind === 'routed' && (typeof a.label !== 'string' || a.label === '')) throw bad("of kind 'routed' has no label");
  if (a.close !== undefined && typeof a.close !== 'function') throw bad('has a close that is not a function');
}

const NAME = /^[^\u0000-\u001f\u007f]{1,256}$/u;

function userOf(answer: unknown, authenticator: string): AuthenticatedUser {
  if (!answer || typeof answer !== 'object') throw new TypeError('the module answered something that is not a user');
  const u = answer as Record<string, unknown>;
  if (typeof u.loginId !== 'string' || !NAME.test(u.loginId)) throw new TypeError('the module answered a user without a valid loginId');
  const names = (v: unknown, what: string): string[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && NAME.test(x))) throw new TypeError(`the module answered ${what} that are not a list of names`);
    return [...new Set(v as string[])].sort();
  };
  let attributes: Record<string, string> = {};
  if (u.attributes !== undefined) {
    if (!u.attributes || typeof u.attributes !== 'object' || !Object.values(u.attributes).every((x) => typeof x === 'string')) {
      throw new TypeError('the module answered attributes that are not strings');
    }
    attributes = { ...(u.attributes as Record<string, string>) };
  }
  const level = u.level ?? 'auth.weak';
  if (level !== 'auth.weak' && level !== 'auth.strong') throw new TypeError(`the module answered an unknown level ${JSON.stringify(level)}`);
  const amr = u.amr === undefined ? ['module'] : names(u.amr, 'amr');
  return { loginId: u.loginId, roles: names(u.roles, 'roles'), groups: names(u.groups, 'groups'), attributes, level, amr, authenticator };
}
