import { describe, expect, it } from 'vitest';
import { policyOf, policyFromYaml, who } from './helpers.js';
import { formatExplanation } from '../../policies/explain.js';

describe('scopes and priorities', () => {
  it('USER beats ASSIGNEE, ASSIGNEE beats GROUP, GROUP beats OTHERS', () => {
    const p = policyFromYaml(`
resources:
  t:
    rules:
      - { scope: OTHERS, operation: CLAIM_TASK, permission: ALLOW }
      - { scope: GROUP, operation: CLAIM_TASK, permission: DENY, groups: [g] }
      - { scope: ASSIGNEE, operation: CLAIM_TASK, permission: ALLOW }
      - { scope: USER, operation: CLAIM_TASK, permission: DENY, users: [u] }
`);
    const task = { resource: 't', assignee: 'u' };
    expect(p.isAllowed(who('u', ['g']), task, 'CLAIM_TASK')).toBe(false); // USER DENY
    expect(p.isAllowed(who('v', ['g']), { resource: 't', assignee: 'v' }, 'CLAIM_TASK')).toBe(true); // ASSIGNEE over GROUP
    expect(p.isAllowed(who('w', ['g']), task, 'CLAIM_TASK')).toBe(false); // GROUP over OTHERS
    expect(p.isAllowed(who('x'), task, 'CLAIM_TASK')).toBe(true); // OTHERS
  });

  it('PROCESS_STARTER applies to the instance owner only', () => {
    const p = policyOf({ resources: { pr: { rules: [{ scope: 'PROCESS_STARTER', operation: 'CANCEL_PROCESS', permission: 'ALLOW' }, { scope: 'OTHERS', operation: 'CANCEL_PROCESS', permission: 'DENY' }] } } });
    expect(p.isAllowed(who('olive'), { resource: 'pr', starter: 'olive' }, 'CANCEL_PROCESS')).toBe(true);
    expect(p.isAllowed(who('paul'), { resource: 'pr', starter: 'olive' }, 'CANCEL_PROCESS')).toBe(false);
    expect(p.isAllowed(who('olive'), 'pr', 'CANCEL_PROCESS')).toBe(false); // no starter known: not the starter
  });

  it('ASSIGNEE and PROCESS_STARTER share a tier: a user who is both, with disagreeing rules, is denied', () => {
    const p = policyOf({ resources: { pr: { rules: [{ scope: 'PROCESS_STARTER', operation: 'ADD_COMMENT', permission: 'ALLOW' }, { scope: 'ASSIGNEE', operation: 'ADD_COMMENT', permission: 'DENY' }] } } });
    expect(p.isAllowed(who('o'), { resource: 'pr', starter: 'o', assignee: 'o' }, 'ADD_COMMENT')).toBe(false);
    expect(p.isAllowed(who('o'), { resource: 'pr', starter: 'o', assignee: 'z' }, 'ADD_COMMENT')).toBe(true);
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
  it('ALL matches every operation, and a specific operation rule outranks ALL in the same scope', () => {
    const p = policyOf({ resources: { r: { rules: [
      { scope: 'GROUP', operation: 'ALL', permission: 'DENY', groups: ['guests'] },
      { scope: 'GROUP', operation: 'LIST_TASK', permission: 'ALLOW', groups: ['guests'] },
    ] } } });
    expect(p.isAllowed(who('g', ['guests']), 'r', 'CLAIM_TASK')).toBe(false);
    expect(p.isAllowed(who('g', ['guests']), 'r', 'LIST_TASK')).toBe(true);
  });

  it('a permission on a module covers its actions and options unless a more specific rule says otherwise', () => {
    const p = policyOf({ operations: ['reports:export:pdf', 'reports:export:csv', 'reports:view'], resources: { r: { rules: [
      { scope: 'GROUP', operation: 'reports', permission: 'DENY', groups: ['staff'] },
      { scope: 'GROUP', operation: 'reports:export', permission: 'ALLOW', groups: ['staff'] },
      { scope: 'GROUP', operation: 'reports:export:csv', permission: 'DENY', groups: ['staff'] },
    ] } } });
    const s = who('s', ['staff']);
    expect(p.isAllowed(s, 'r', 'reports:view')).toBe(false); // module DENY
    expect(p.isAllowed(s, 'r', 'reports:export')).toBe(true); // action ALLOW
    expect(p.isAllowed(s, 'r', 'reports:export:pdf')).toBe(true); // covered by the action
    expect(p.isAllowed(s, 'r', 'reports:export:csv')).toBe(false); // option DENY
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
  it('candidateStarterUsers/Groups allow START_PROCESS to the candidates and deny everyone else', () => {
    const p = policyOf({ resources: { inv: { candidateStarterUsers: 'al', candidateStarterGroups: ['sales'] } } });
    expect(p.isAllowed(who('al'), 'inv', 'START_PROCESS')).toBe(true);
    expect(p.isAllowed(who('sy', ['sales']), 'inv', 'START_PROCESS')).toBe(true);
    expect(p.isAllowed(who('zz'), 'inv', 'START_PROCESS')).toBe(false);
    expect(p.rulesFor('inv').map((r) => `${r.scope} ${r.permission} ${r.operation}`).sort()).toEqual([
      'GROUP ALLOW START_PROCESS',
      'OTHERS DENY START_PROCESS',
      'USER ALLOW START_PROCESS',
    ]);
  });

  it('candidateUsers/Groups concern CLAIM_TASK by default, or the listed candidateOperations', () => {
    const p = policyOf({ resources: { t: { candidateGroups: 'ops', candidateOperations: ['CLAIM_TASK', 'LIST_TASK'] } } });
    expect(p.isAllowed(who('o', ['ops']), 't', 'LIST_TASK')).toBe(true);
    expect(p.isAllowed(who('x'), 't', 'LIST_TASK')).toBe(false);
    expect(p.isAllowed(who('x'), 't', 'COMPLETE_TASK')).toBe(true);
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
