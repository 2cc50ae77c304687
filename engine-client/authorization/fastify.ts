import { asFastifyPlugin } from '../fastify-plugin.js';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { Policy } from '@portcullis/policies/policy.js';
import type { ResourceInstance, PolicyRule } from '@portcullis/policies/rule.js';
import { explanationJson } from '@portcullis/policies/explain.js';
import { createAuthorizer, type AuthorizationIdentity, type Authorizer } from './authorize.js';
import { AuthorizationDeniedError, AuthorizationOptionsError, AuthorizationUnauthenticatedError } from './errors.js';
import { mountInstanceRoutes, type InstanceLookup } from './instance-routes.js';

/**
 * The only file of engine-client/authorization that touches fastify: a plugin that makes a
 * policy available to routes, `requireOperation(...)` as a preHandler that answers 403 with the
 * decision's reason, and read-only REST endpoints that show the rules and what the caller may do.
 */

export interface AuthorizationPluginOptions {
  policy: Policy;
  /** where the verified identity is; default `request.identity` (engine-client's token plugin) */
  identityOf?: (request: FastifyRequest) => AuthorizationIdentity | undefined;
  /**
   * The resource instance for a REST check (starter, assignee, variables), looked up by the
   * engine. Default: the resource by name only, so ASSIGNEE / PROCESS_STARTER rules do not apply.
   */
  instanceFor?: (request: FastifyRequest, resource: string) => ResourceInstance | Promise<ResourceInstance>;
  /** mount the REST endpoints (default true) under `prefix` (default `/authorizations`) */
  routes?: boolean;
  prefix?: string;
  /**
   * roles that may list resources and rules (the rules name users and groups, so this is
   * never open to any caller); default AUTHORIZATION_DEFAULTS.viewRoles. The per-operation
   * check (`.../operations/:operation`) answers for the caller only and needs no role.
   */
  viewRoles?: string[];
  /**
   * The engine's process and task instances by id, current and historic: mounts the
   * `/runtime|history/process-instances|tasks/{id}/authorizations` endpoints (instance-routes.ts).
   */
  instances?: InstanceLookup;
}

export const AUTHORIZATION_DEFAULTS = Object.freeze({
  /** a role no user has by accident: grant it to those who audit policies */
  viewRoles: Object.freeze(['policy-admin']),
});

interface AuthorizationState {
  authorizer: Authorizer;
  identityOf: (request: FastifyRequest) => AuthorizationIdentity | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    portcullisAuthorization: AuthorizationState;
  }
}

const defaultIdentityOf = (request: FastifyRequest): AuthorizationIdentity | undefined =>
  (request as unknown as { identity?: AuthorizationIdentity | null }).identity ?? undefined;

const plugin: FastifyPluginAsync<AuthorizationPluginOptions> = async (app, opts) => {
  if (!(opts.policy instanceof Policy)) throw new AuthorizationOptionsError('policy', 'must be a Policy (loadPolicyDocuments from portcullis/policies)');
  if (opts.identityOf !== undefined && typeof opts.identityOf !== 'function') throw new AuthorizationOptionsError('identityOf', 'must be a function');
  if (opts.prefix !== undefined && !/^\/[^?#]*$/.test(opts.prefix)) throw new AuthorizationOptionsError('prefix', 'must be a path starting with "/"');
  if (opts.viewRoles !== undefined && (!Array.isArray(opts.viewRoles) || opts.viewRoles.length === 0 || opts.viewRoles.some((r) => typeof r !== 'string' || r === ''))) {
    throw new AuthorizationOptionsError('viewRoles', 'must name at least one role (listing rules is never open to every caller)');
  }
  if (opts.instances !== undefined && (typeof opts.instances?.processInstance !== 'function' || typeof opts.instances?.task !== 'function')) {
    throw new AuthorizationOptionsError('instances', 'must have processInstance(id, context) and task(id, context) functions');
  }
  const state: AuthorizationState = Object.freeze({ authorizer: createAuthorizer(opts.policy), identityOf: opts.identityOf ?? defaultIdentityOf });
  app.decorate('portcullisAuthorization', state);
  if (opts.routes !== false) {
    await app.register(async (r) => mountRoutes(r, state, opts), { prefix: opts.prefix ?? '/authorizations' });
  }
};

export const authorizationPlugin = asFastifyPlugin(plugin, 'portcullis-authorization');

function identityOrThrow(state: AuthorizationState, request: FastifyRequest): AuthorizationIdentity {
  const identity = state.identityOf(request);
  if (!identity) throw new AuthorizationUnauthenticatedError();
  return identity;
}

/**
 * A preHandler that lets the request through only when the policy allows `operation` on the
 * resource; otherwise 403 `AUTHZ_DENIED` whose message is the explanation's reason.
 */
export function requireOperation(
  resource: string | ((request: FastifyRequest) => string | ResourceInstance | Promise<string | ResourceInstance>),
  operation: string,
): preHandlerAsyncHookHandler {
  return async function checkOperation(this: FastifyInstance, request: FastifyRequest) {
    const state = request.server.portcullisAuthorization;
    if (!state) throw new AuthorizationOptionsError('requireOperation', 'register authorizationPlugin first');
    const identity = identityOrThrow(state, request);
    const target = typeof resource === 'function' ? await resource(request) : resource;
    const decision = state.authorizer.authorize(identity, target, operation);
    if (!decision.allowed) {
      const rule = decision.reason.detail?.rule as string | undefined;
      request.log.info({ operation, resource: typeof target === 'string' ? target : target.resource, rule }, 'authorization denied');
      throw new AuthorizationDeniedError(decision.reason.message, rule);
    }
  };
}

function ruleJson(rule: PolicyRule): Record<string, unknown> {
  const list = (l: PolicyRule['users']) => [...l.names, ...l.variables.map((v) => `\${${v}}`)];
  return {
    id: rule.id,
    scope: rule.scope,
    operation: rule.operation,
    permission: rule.permission,
    ...(rule.scope === 'USER' ? { users: list(rule.users) } : {}),
    ...(rule.scope === 'GROUP' ? { groups: list(rule.groups), roles: list(rule.roles) } : {}),
    ...(rule.description ? { description: rule.description } : {}),
    origin: rule.source.origin,
  };
}

async function mountRoutes(r: FastifyInstance, state: AuthorizationState, opts: AuthorizationPluginOptions): Promise<void> {
  const policy = state.authorizer.policy;
  const viewRoles: readonly string[] = opts.viewRoles ?? AUTHORIZATION_DEFAULTS.viewRoles;
  const mayView = (identity: AuthorizationIdentity) => (identity.roles ?? []).some((role) => viewRoles.includes(role));
  const refusal = () => new AuthorizationDeniedError(`listing authorizations needs one of the roles ${viewRoles.join(', ')}`);

  r.get('/resources', async (request) => {
    const identity = identityOrThrow(state, request);
    if (!mayView(identity)) throw refusal();
    return { resources: policy.resourceNames, operations: policy.operations.list() };
  });

  r.get<{ Params: { resource: string }; Querystring: { operation?: string } }>('/resources/:resource/rules', async (request) => {
    const identity = identityOrThrow(state, request);
    if (!mayView(identity)) throw refusal();
    const { resource } = request.params;
    const operation = typeof request.query.operation === 'string' && request.query.operation !== '' ? request.query.operation : undefined;
    const rules = policy.rulesFor(resource, operation);
    return { resource, ...(operation ? { operation } : {}), rules: rules.map(ruleJson) };
  });

  r.get<{ Params: { resource: string; operation: string } }>('/resources/:resource/operations/:operation', async (request) => {
    const identity = identityOrThrow(state, request);
    const { resource, operation } = request.params;
    policy.resource(resource); // 404 before anything else
    policy.assertOperation(operation); // 400
    const instance = opts.instanceFor ? await opts.instanceFor(request, resource) : { resource };
    const decision = state.authorizer.authorize(identity, instance, operation);
    return { resource, operation, enforceable: decision.allowed, reason: decision.reason.message, explanation: explanationJson(decision) };
  });

  if (opts.instances) {
    mountInstanceRoutes(r, opts.instances, {
      authorizer: state.authorizer,
      identityOf: (request) => identityOrThrow(state, request),
      mayView: (identity) => {
        if (!mayView(identity)) throw refusal();
      },
    });
  }
}
