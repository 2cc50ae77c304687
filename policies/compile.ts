import type { PolicyDocument, PolicyRuleInput, PrincipalListInput } from './types.js';
import { OperationRegistry, type OperationDefinition } from './operations.js';
import { parsePrincipals } from './principals.js';
import { NO_PRINCIPALS, type PolicyRule, type PrincipalList, type RuleSource } from './rule.js';
import { Policy, type PolicyResource } from './policy.js';
import type { PolicyIssue } from './errors.js';

export interface NamedDocument {
  /** the name errors use, usually the file name */
  name: string;
  document: PolicyDocument;
}

export const DEFAULT_CANDIDATE_OPERATIONS = ['CLAIM_TASK'] as const;
const START = 'START_PROCESS';

/**
 * Turn validated documents into a Policy. Operations registered by any document are known to
 * all of them. Every problem is collected; the caller refuses the whole set when there is one,
 * so a bad document never silently drops rules.
 */
export function compileDocuments(
  docs: readonly NamedDocument[],
  extraOperations: Iterable<string | OperationDefinition> = [],
): { policy?: Policy; issues: PolicyIssue[] } {
  const issues: PolicyIssue[] = [];
  const registry = new OperationRegistry();
  for (const d of extraOperations) registry.register(d);
  for (const { name, document } of docs) {
    document.operations.forEach((def, i) => {
      try {
        registry.register(def);
      } catch (err) {
        issues.push({ document: name, path: `operations[${i}]`, code: 'invalid', message: (err as Error).message });
      }
    });
  }

  const resources: PolicyResource[] = [];
  for (const { name: docName, document } of docs) {
    for (const [resName, res] of Object.entries(document.resources)) {
      const rules: PolicyRule[] = [];
      const base = `resources.${resName}`;
      const principals = (input: PrincipalListInput | undefined, path: string, field: string, rule?: number): PrincipalList => {
        const parsed = parsePrincipals(input);
        if (parsed.ok) return parsed.list;
        issues.push({ document: docName, path, code: 'invalid-expression', message: parsed.message, field, ...(rule === undefined ? {} : { rule: { resource: resName, index: rule } }) });
        return NO_PRINCIPALS;
      };
      const checkOperation = (op: string, path: string, field: string, rule?: number): boolean => {
        if (registry.isKnown(op)) return true;
        issues.push({ document: docName, path, code: 'unknown-operation', message: `Not supported operation '${op}'`, field, ...(rule === undefined ? {} : { rule: { resource: resName, index: rule } }) });
        return false;
      };

      res.rules.forEach((input: PolicyRuleInput, index) => {
        const path = `${base}.rules[${index}]`;
        if (!checkOperation(input.operation, `${path}.operation`, 'operation', index)) return;
        rules.push(
          makeRule(resName, input.scope, input.operation, input.permission, {
            users: principals(input.users, `${path}.users`, 'users', index),
            groups: principals(input.groups, `${path}.groups`, 'groups', index),
            roles: principals(input.roles, `${path}.roles`, 'roles', index),
            description: input.description,
            source: { document: docName, path, origin: 'rule', index },
          }),
        );
      });

      // candidate shorthands: ALLOW for the candidates, OTHERS DENY for everyone else
      const candidateSets: { ops: string[]; users?: PrincipalListInput; groups?: PrincipalListInput; usersKey: RuleSource['origin']; groupsKey: RuleSource['origin'] }[] = [];
      if (res.candidateStarterUsers !== undefined || res.candidateStarterGroups !== undefined) {
        candidateSets.push({ ops: [START], users: res.candidateStarterUsers, groups: res.candidateStarterGroups, usersKey: 'candidateStarterUsers', groupsKey: 'candidateStarterGroups' });
      }
      if (res.candidateUsers !== undefined || res.candidateGroups !== undefined) {
        const ops = (res.candidateOperations ?? [...DEFAULT_CANDIDATE_OPERATIONS]).filter((op, i) =>
          checkOperation(op, `${base}.candidateOperations[${i}]`, 'candidateOperations'),
        );
        candidateSets.push({ ops, users: res.candidateUsers, groups: res.candidateGroups, usersKey: 'candidateUsers', groupsKey: 'candidateGroups' });
      }
      for (const set of candidateSets) {
        const users = principals(set.users, `${base}.${set.usersKey}`, set.usersKey);
        const groups = principals(set.groups, `${base}.${set.groupsKey}`, set.groupsKey);
        for (const op of set.ops) {
          const src = (origin: RuleSource['origin'], key: string): RuleSource => ({ document: docName, path: `${base}.${key}`, origin });
          if (users.names.length + users.variables.length > 0) {
            rules.push(makeRule(resName, 'USER', op, 'ALLOW', { users, source: src(set.usersKey, set.usersKey), idSuffix: op }));
          }
          if (groups.names.length + groups.variables.length > 0) {
            rules.push(makeRule(resName, 'GROUP', op, 'ALLOW', { groups, source: src(set.groupsKey, set.groupsKey), idSuffix: op }));
          }
          rules.push(
            makeRule(resName, 'OTHERS', op, 'DENY', {
              source: src('candidates', set.usersKey === 'candidateStarterUsers' ? 'candidateStarter*' : 'candidate*'),
              idSuffix: op,
              description: 'everyone who is not a candidate',
            }),
          );
        }
      }
      resources.push({ name: resName, kind: res.kind, description: res.description, rules });
    }
  }
  if (issues.length > 0) return { issues };
  return { policy: new Policy(resources, registry), issues };
}

export function makeRule(
  resource: string,
  scope: PolicyRule['scope'],
  operation: string,
  permission: PolicyRule['permission'],
  extra: { users?: PrincipalList; groups?: PrincipalList; roles?: PrincipalList; description?: string; source: RuleSource; idSuffix?: string },
): PolicyRule {
  const id = `${extra.source.document}#${extra.source.path}${extra.idSuffix ? `/${extra.idSuffix}` : ''}`;
  return Object.freeze({
    id,
    resource,
    scope,
    operation,
    permission,
    users: extra.users ?? NO_PRINCIPALS,
    groups: extra.groups ?? NO_PRINCIPALS,
    roles: extra.roles ?? NO_PRINCIPALS,
    ...(extra.description === undefined ? {} : { description: extra.description }),
    source: Object.freeze(extra.source),
  });
}
