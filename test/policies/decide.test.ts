import { describe, expect, it } from 'vitest';
import { policyOf, policyFromYaml, who } from './helpers.js';
import { formatExplanation } from '../../policies/explain.js';

describe('scopes and priorities', () => {
  it('USER beats GROUP, GROUP beats PROCESS_STARTER, PROCESS_STARTER beats ASSIGNEE, ASSIGNEE beats OTHERS', () => {
    const p = policyFromYaml(`
resources:
  t:
    kind: task
    rules:
      - { scope: OTHERS, operation: CLAIM_TASK, permission: ALLOW }
      - { scope: ASSIGNEE, operation: CLAIM_TASK, permission: DENY }
      - { scope: PROCESS_STARTER, operation: CLAIM_TASK, permission: ALLOW }
      - { scope: GROUP, operation: CLAIM_TASK, permission: DENY, groups: [g] }
      - { scope: USER, operation: CLAIM_TASK, permission: ALLOW, users: [u] }
`);
    const both = (login: string) => ({ resource: 't', starter: login, assignee: login });
    expect(p.isAllowed(who('u', ['g']), both('u'), 'CLAIM_TASK')).toBe(true); // USER ALLOW over GROUP DENY
    expect(p.isAllowed(who('w', ['g']), both('w'), 'CLAIM_TASK')).toBe(false); // GROUP DENY over PROCESS_STARTER ALLOW
    expect(p.isAllowed(who('v'), both('v'), 'CLAIM_TASK')).toBe(true); // PROCESS_STARTER ALLOW over ASSIGNEE DENY
    expect(p.isAllowed(who('a'), { resource: 't', assignee: 'a' }, 'CLAIM_TASK')).toBe(false); // ASSIGNEE DENY over OTHERS ALLOW
    expect(p.isAllowed(who('x'), both('y'), 'CLAIM_TASK')).toBe(true); // OTHERS
  });

  it('PROCESS_STARTER applies to the instance owner only', () => {
    const p = policyOf({ resources: { pr: { rules: [{ scope: 'PROCESS_STARTER', operation: 'CANCEL_PROCESS', permission: 'ALLOW' }, { scope: 'OTHERS', operation: 'CANCEL_PROCESS', permission: 'DENY' }] } } });
    expect(p.isAllowed(who('olive'), { resource: 'pr', starter: 'olive' }, 'CANCEL_PROCESS')).toBe(true);
    expect(p.isAllowed(who('paul'), { resource: 'pr', starter: 'olive' }, 'CANCEL_PROCESS')).toBe(false);
    expect(p.isAllowed(who('olive'), 'pr', 'CANCEL_PROCESS')).toBe(false); // no starter known: not the starter
  });

  it('a user who is starter and assignee is decided by the PROCESS_STARTER rule', () => {
    const p = policyOf({ resources: { pr: { rules: [{ scope: 'PROCESS_STARTER', operation: 'ADD_COMMENT', permission: 'ALLOW' }, { scope: 'ASSIGNEE', operation: 'ADD_COMMENT', permission: 'DENY' }] } } });
    expect(p.isAllowed(who('o'), { resource: 'pr', starter: 'o', assignee: 'o' }, 'ADD_COMMENT')).toBe(true);
    expect(p.isAllowed(who('o'), { resource: 'pr', starter: 'z', assignee: 'o' }, 'ADD_COMMENT')).toBe(false);
  });

  it('contradictory rules in the same scope resolve to DENY, whatever their order', () => {
    for (const order of [['ALLOW', 'DENY'], ['DENY', 'ALLOW']] as const) {
      const p = policyOf({ resources: { r: { rules: order.map((permission) => ({ scope: 'GROUP' as const, operation: 'LIST_TASK', permission, groups: ['a', 'b'] })) } } });
      expect(p.isAllowed(who('u', ['a']), 'r', 'LIST_TASK')).toBe(false);
    }
    const twoGroups = policyOf({ resources: { r: { rules: [
      { scope: 'GROUP', operation: 'LIST_TASK', permission: 'ALLOW', groups: ['a'] },
      { scope: 'GROUP', operation: 'LIST_TASK', permission: 'DENY', groups: ['b'] },
    ] } } });
    expect(twoGroups.isAllowed(who('u', ['a', 'b']), 'r', 'LIST_TASK')).toBe(false);
    expect(twoGroups.isAllowed(who('u', ['a']), 'r', 'LIST_TASK')).toBe(true);
  });

  it('GROUP rules may name roles; a role counts like a group', () => {
    const p = policyOf({ resources: { r: { rules: [{ scope: 'GROUP', operation: 'DELETE_ATTACHMENT', permission: 'DENY', roles: ['auditor'] }] } } });
    const d = p.decide(who('u', [], ['auditor']), 'r', 'DELETE_ATTACHMENT');
    expect(d.allowed).toBe(false);
    expect(d.explanation.deciding[0]!.matchedAs).toBe("role 'auditor'");
  });
});

describe('defaults', () => {
  it('allows an operation nobody mentioned', () => {
    const p = policyOf({ resources: { r: {} } });
    const d = p.decide(who('u'), 'r', 'LIST_PROCESS');
    expect(d.allowed).toBe(true);
    expect(d.explanation.basis).toBe('default');
  });

  it('denies START_PROCESS unless a rule allows it', () => {
    const p = policyOf({ resources: { r: {}, s: { rules: [{ scope: 'OTHERS', operation: 'START_PROCESS', permission: 'ALLOW' }] } } });
    const d = p.decide(who('u'), 'r', 'START_PROCESS');
    expect(d.allowed).toBe(false);
    expect(d.reason.code).toBe('forbidden');
    expect(d.explanation.basis).toBe('default');
    expect(p.isAllowed(who('u'), 's', 'START_PROCESS')).toBe(true);
  });

  it('denies an operation registered as whitelist, and its sub-operations, unless allowed', () => {
    const p = policyOf({ operations: [{ name: 'payroll:run', whitelist: true }, 'payroll:run:dry', 'payroll:view'], resources: { r: {} } });
    expect(p.isAllowed(who('u'), 'r', 'payroll:run')).toBe(false);
    expect(p.isAllowed(who('u'), 'r', 'payroll:run:dry')).toBe(false);
    expect(p.isAllowed(who('u'), 'r', 'payroll:view')).toBe(true);
  });
});

describe('operations', () => {
  it('ALL matches every operation, and in one scope a DENY wins over an ALLOW whether either names ALL or the operation', () => {
    const p = policyOf({ resources: { r: { rules: [
      { scope: 'GROUP', operation: 'ALL', permission: 'DENY', groups: ['guests'] },
      { scope: 'GROUP', operation: 'LIST_TASK', permission: 'ALLOW', groups: ['guests'] },
      { scope: 'GROUP', operation: 'ALL', permission: 'ALLOW', groups: ['staff'] },
      { scope: 'GROUP', operation: 'ADD_COMMENT', permission: 'DENY', groups: ['staff'] },
    ] } } });
    expect(p.isAllowed(who('g', ['guests']), 'r', 'CLAIM_TASK')).toBe(false);
    expect(p.isAllowed(who('g', ['guests']), 'r', 'LIST_TASK')).toBe(false);
    expect(p.isAllowed(who('s', ['staff']), 'r', 'LIST_TASK')).toBe(true);
    expect(p.isAllowed(who('s', ['staff']), 'r', 'ADD_COMMENT')).toBe(false);
  });

  it('a permission on a module covers its actions and options; in one scope DENY wins across levels', () => {
    const p = policyOf({ operations: ['reports:export:pdf', 'reports:export:csv', 'reports:view'], resources: { r: { rules: [
      { scope: 'GROUP', operation: 'reports:export', permission: 'ALLOW', groups: ['staff'] },
      { scope: 'GROUP', operation: 'reports:export:csv', permission: 'DENY', groups: ['staff'] },
      { scope: 'OTHERS', operation: 'reports', permission: 'DENY' },
    ] } } });
    const s = who('s', ['staff']);
    expect(p.isAllowed(s, 'r', 'reports:view')).toBe(false); // the module's OTHERS DENY
    expect(p.isAllowed(s, 'r', 'reports:export')).toBe(true); // action ALLOW
    expect(p.isAllowed(s, 'r', 'reports:export:pdf')).toBe(true); // covered by the action
    expect(p.isAllowed(s, 'r', 'reports:export:csv')).toBe(false); // option DENY, same scope
    expect(p.isAllowed(who('x'), 'r', 'reports:export:pdf')).toBe(false);
  });

  it('a user rule on a module overrides a group rule on an option', () => {
    const p = policyOf({ operations: ['reports:export:csv'], resources: { r: { rules: [
      { scope: 'GROUP', operation: 'reports:export:csv', permission: 'DENY', groups: ['staff'] },
      { scope: 'USER', operation: 'reports', permission: 'ALLOW', users: ['una'] },
    ] } } });
    expect(p.isAllowed(who('una', ['staff']), 'r', 'reports:export:csv')).toBe(true);
    expect(p.isAllowed(who('sid', ['staff']), 'r', 'reports:export:csv')).toBe(false);
  });

  it('refuses an unknown operation with 400 "Not supported operation"', () => {
    const p = policyOf({ resources: { r: {} } });
    expect(() => p.decide(who('u'), 'r', 'FLY')).toThrow(expect.objectContaining({ code: 'POLICY_UNKNOWN_OPERATION', statusCode: 400, message: "Not supported operation 'FLY'" }));
    expect(() => p.decide(who('u'), 'nope', 'LIST_TASK')).toThrow(expect.objectContaining({ code: 'POLICY_UNKNOWN_RESOURCE', statusCode: 404 }));
  });
});

describe('expressions over resource variables', () => {
  const p = policyFromYaml(`
resources:
  approval:
    rules:
      - { scope: USER, operation: COMPLETE_TASK, permission: ALLOW, users: 'boss, \${approvers}' }
      - { scope: GROUP, operation: COMPLETE_TASK, permission: ALLOW, groups: '\${approverGroups}' }
      - { scope: OTHERS, operation: COMPLETE_TASK, permission: DENY }
`);

  it('reads users from a comma-separated string or a list variable', () => {
    expect(p.isAllowed(who('ann'), { resource: 'approval', variables: { approvers: 'ann, ben' } }, 'COMPLETE_TASK')).toBe(true);
    expect(p.isAllowed(who('ben'), { resource: 'approval', variables: { approvers: ['ann', 'ben'] } }, 'COMPLETE_TASK')).toBe(true);
    expect(p.isAllowed(who('cat'), { resource: 'approval', variables: { approvers: 'ann, ben' } }, 'COMPLETE_TASK')).toBe(false);
    expect(p.isAllowed(who('boss'), { resource: 'approval' }, 'COMPLETE_TASK')).toBe(true); // literal beside the expression
  });

  it('reads groups from a variable', () => {
    expect(p.isAllowed(who('gil', ['finance']), { resource: 'approval', variables: { approverGroups: 'finance' } }, 'COMPLETE_TASK')).toBe(true);
  });

  it('a missing variable matches no one (not everyone)', () => {
    expect(p.isAllowed(who('ann'), { resource: 'approval' }, 'COMPLETE_TASK')).toBe(false);
    expect(p.isAllowed(who('ann'), { resource: 'approval', variables: { approvers: 42 } }, 'COMPLETE_TASK')).toBe(false);
    expect(p.isAllowed(who('toString'), { resource: 'approval', variables: {} }, 'COMPLETE_TASK')).toBe(false);
  });
});

describe('candidate shorthands', () => {
  it('candidateStarterUsers/Groups are ALL ALLOW for the candidates and OTHERS ALL DENY ("Upgrading candidates")', () => {
    const p = policyOf({ resources: { inv: { kind: 'process', candidateStarterUsers: 'al', candidateStarterGroups: ['sales'] } } });
    expect(p.isAllowed(who('al'), 'inv', 'START_PROCESS')).toBe(true);
    expect(p.isAllowed(who('sy', ['sales']), 'inv', 'CANCEL_PROCESS')).toBe(true);
    expect(p.isAllowed(who('zz'), 'inv', 'START_PROCESS')).toBe(false);
    expect(p.isAllowed(who('zz'), 'inv', 'ADD_COMMENT')).toBe(false);
    expect(p.rulesFor('inv').map((r) => `${r.scope} ${r.permission} ${r.operation}`).sort()).toEqual(['GROUP ALLOW ALL', 'OTHERS DENY ALL', 'USER ALLOW ALL']);
  });

  it('candidateUsers/Groups on a task give the candidates every task operation and deny the others', () => {
    const p = policyOf({ resources: { pr: { tasks: { t: { candidateGroups: 'ops' } } } } });
    const t = { resource: 'pr', task: 't' };
    expect(p.isAllowed(who('o', ['ops']), t, 'CLAIM_TASK')).toBe(true);
    expect(p.isAllowed(who('o', [], ['ops']), t, 'COMPLETE_TASK')).toBe(true); // a role is a group
    expect(p.isAllowed(who('x'), t, 'LIST_TASK')).toBe(false);
    expect(p.isAllowed(who('x'), 'pr', 'LIST_PROCESS')).toBe(true); // the task's candidates do not reach the process
  });

  it('candidates on the wrong element and operations on the wrong element are refused with their path', () => {
    expect(() => policyOf({ resources: { pr: { kind: 'process', candidateUsers: 'a', rules: [{ scope: 'OTHERS', operation: 'CLAIM_TASK', permission: 'DENY' }], tasks: { t: { rules: [{ scope: 'OTHERS', operation: 'CANCEL_PROCESS', permission: 'DENY' }] } } } } })).toThrow(
      expect.objectContaining({
        issues: [
          expect.objectContaining({ path: 'resources.pr.rules[0].operation', code: 'operation-not-on-element' }),
          expect.objectContaining({ path: 'resources.pr.candidateUsers', code: 'field-not-allowed' }),
          expect.objectContaining({ path: 'resources.pr.tasks.t.rules[0].operation', code: 'operation-not-on-element' }),
        ],
      }),
    );
  });

  it('candidates may be variables', () => {
    const p = policyOf({ resources: { t: { candidateUsers: '${reviewer}' } } });
    expect(p.isAllowed(who('rev'), { resource: 't', variables: { reviewer: 'rev' } }, 'CLAIM_TASK')).toBe(true);
    expect(p.isAllowed(who('rev'), { resource: 't' }, 'CLAIM_TASK')).toBe(false);
  });
});

describe('explanations', () => {
  it('name the rules that applied, the one that decided, and why', () => {
    const p = policyFromYaml(`
resources:
  r:
    rules:
      - { scope: GROUP, operation: CLAIM_TASK, permission: ALLOW, groups: [g], description: team may claim }
      - { scope: OTHERS, operation: CLAIM_TASK, permission: DENY }
      - { scope: USER, operation: ALL, permission: ALLOW, users: [nobody] }
`, 'claims.yaml');
    const d = p.decide(who('u', ['g']), 'r', 'CLAIM_TASK');
    expect(d.allowed).toBe(true);
    expect(d.explanation.applied.map((a) => a.rule.id)).toEqual(['claims.yaml#resources.r.rules[0]', 'claims.yaml#resources.r.rules[1]']);
    expect(d.explanation.deciding.map((a) => a.rule.id)).toEqual(['claims.yaml#resources.r.rules[0]']);
    expect(d.reason.message).toContain('claims.yaml#resources.r.rules[0]');
    expect(d.reason.message).toContain("group 'g'");
    expect(d.reason.detail).toMatchObject({ rule: 'claims.yaml#resources.r.rules[0]', scope: 'GROUP' });
    const text = formatExplanation(d);
    expect(text).toMatch(/^ALLOW CLAIM_TASK on 'r' for 'u' \(by rule\)/);
    expect(text).toContain('* [GROUP] ALLOW CLAIM_TASK');
    expect(text).toContain('team may claim');
  });
});
