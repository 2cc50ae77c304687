import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PolicyRule, ResourceInstance } from '@portcullis/policies/rule.js';
import type { AuthorizationIdentity, Authorizer } from './authorize.js';
import { AuthorizationNotFoundError } from './errors.js';

/**
 * The engine's REST endpoints by process instance and task id, current and historic, as the
 * source document's REST section has them:
 *
 *   GET {prefix}/runtime/process-instances/{id}/authorizations[?operation=OP]
 *   GET {prefix}/history/process-instances/{id}/authorizations[?operation=OP]
 *   GET {prefix}/runtime/tasks/{id}/authorizations[?operation=OP]
 *   GET {prefix}/history/tasks/{id}/authorizations[?operation=OP]
 *   GET {prefix}/{runtime|history}/{process-instances|tasks}/{id}/authorization-operation/{OP}
 *       → { operation, allowed } for the caller
 *
 * 404 for an unknown instance or task, 400 for an unknown operation or one not valid on the
 * element (`Not supported Task operation 'START_PROCESS'`).
 */

/** A process instance as the engine knows it; `processDefinitionKey` names the process in the policy. */
export interface ProcessInstanceRecord {
  id: string;
  processDefinitionKey: string;
  /** who started it (PROCESS_STARTER) */
  starter?: string;
  /** for `#{var}` expressions; never echoed */
  variables?: Readonly<Record<string, unknown>>;
}

/** A task instance; `taskDefinitionKey` is the userTask id in the process definition. */
export interface TaskRecord extends ProcessInstanceRecord {
  taskDefinitionKey: string;
  processInstanceId?: string;
  assignee?: string;
}

export interface InstanceLookup {
  /** undefined → 404 */
  processInstance(id: string, context: { historic: boolean; request: FastifyRequest }): ProcessInstanceRecord | undefined | Promise<ProcessInstanceRecord | undefined>;
  task(id: string, context: { historic: boolean; request: FastifyRequest }): TaskRecord | undefined | Promise<TaskRecord | undefined>;
}

interface InstanceRouteState {
  authorizer: Authorizer;
  identityOf: (request: FastifyRequest) => AuthorizationIdentity;
  mayView: (identity: AuthorizationIdentity) => void;
}

type Kind = 'process-instances' | 'tasks';

export function mountInstanceRoutes(r: FastifyInstance, lookup: InstanceLookup, state: InstanceRouteState): void {
  const policy = state.authorizer.policy;
  for (const when of ['runtime', 'history'] as const) {
    for (const kind of ['process-instances', 'tasks'] as const) {
      const historic = when === 'history';
      const find = async (request: FastifyRequest, id: string) => {
        const record = kind === 'tasks' ? await lookup.task(id, { historic, request }) : await lookup.processInstance(id, { historic, request });
        if (!record) throw new AuthorizationNotFoundError(`${historic ? 'historic ' : ''}${kind === 'tasks' ? 'task' : 'process instance'} '${printable(id)}' was not found`);
        return { record, instance: instanceOf(record, kind) };
      };

      r.get<{ Params: { id: string }; Querystring: { operation?: string } }>(`/${when}/${kind}/:id/authorizations`, async (request) => {
        const identity = state.identityOf(request);
        state.mayView(identity);
        const { record, instance } = await find(request, request.params.id);
        const operation = typeof request.query.operation === 'string' && request.query.operation !== '' ? request.query.operation : undefined;
        const rules = policy.rulesFor(instance, operation);
        return { [recordKey(kind, historic)]: recordJson(record, kind), 'Authorization permissions': rules.map((rule) => permissionJson(rule, instance)) };
      });

      r.get<{ Params: { id: string; operation: string } }>(`/${when}/${kind}/:id/authorization-operation/:operation`, async (request) => {
        const identity = state.identityOf(request);
        const { instance } = await find(request, request.params.id);
        const decision = state.authorizer.authorize(identity, instance, request.params.operation);
        return { operation: decision.explanation.operation, allowed: decision.allowed };
      });
    }
  }
}

function instanceOf(record: ProcessInstanceRecord | TaskRecord, kind: Kind): ResourceInstance {
  const task = kind === 'tasks' ? (record as TaskRecord) : undefined;
  return {
    resource: record.processDefinitionKey,
    ...(task ? { task: task.taskDefinitionKey, assignee: task.assignee } : {}),
    starter: record.starter,
    variables: record.variables,
  };
}

function recordKey(kind: Kind, historic: boolean): string {
  if (kind === 'tasks') return historic ? 'Historic Task' : 'Task Instance';
  return historic ? 'Historic ProcessInstance' : 'ProcessInstance';
}

function recordJson(record: ProcessInstanceRecord | TaskRecord, kind: Kind): Record<string, unknown> {
  const task = kind === 'tasks' ? (record as TaskRecord) : undefined;
  return {
    id: record.id,
    processDefinitionKey: record.processDefinitionKey,
    ...(task ? { taskDefinitionKey: task.taskDefinitionKey, processInstanceId: task.processInstanceId ?? null, assignee: task.assignee ?? null } : {}),
  };
}

/** One rule as the document's "Authorization permissions" entries show it. */
function permissionJson(rule: PolicyRule, instance: ResourceInstance): Record<string, unknown> {
  const names = (...lists: PolicyRule['users'][]) => {
    const out = lists.flatMap((l) => l.names);
    return out.length ? out : null;
  };
  const variables = [...rule.users.variables, ...rule.groups.variables, ...rule.roles.variables];
  return {
    processKey: instance.resource,
    taskKey: instance.task ?? null,
    operation: rule.operation,
    scope: rule.scope,
    permission: rule.permission,
    users: names(rule.users),
    groups: names(rule.groups, rule.roles),
    variables: variables.length ? variables : null,
    id: rule.id,
  };
}

function printable(s: string): string {
  const clean = String(s).replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 100 ? `${clean.slice(0, 100)}…` : clean;
}

