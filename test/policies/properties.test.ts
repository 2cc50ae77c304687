import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Policy } from '../../policies/policy.js';
import { makeRule } from '../../policies/compile.js';
import { OperationRegistry } from '../../policies/operations.js';
import { parsePrincipals } from '../../policies/principals.js';
import { scopeTier } from '../../policies/scopes.js';
import type { PolicyRule } from '../../policies/rule.js';
import type { PolicyScope } from '../../policies/types.js';
import { decideByLinearScan } from './linear-scan.js';

const USERS = ['u1', 'u2', 'u3'];
const GROUPS = ['g1', 'g2', 'g3'];
const OPS = ['LIST_TASK', 'CLAIM_TASK', 'START_PROCESS', 'm', 'm:a', 'm:a:o', 'ALL'];
const registry = () => new OperationRegistry([...new OperationRegistry().list(), 'm:a:o']);

const list = (names: string[]) => parsePrincipals(names).ok ? (parsePrincipals(names) as { list: PolicyRule['users'] }).list : undefined!;

interface RuleSpec { scope: PolicyScope; op: string; permission: 'ALLOW' | 'DENY'; principals: string[] }

const ruleSpec = fc.record({
  scope: fc.constantFrom<PolicyScope>('USER', 'GROUP', 'PROCESS_STARTER', 'ASSIGNEE', 'OTHERS'),
  op: fc.constantFrom(...OPS),
  permission: fc.constantFrom<'ALLOW' | 'DENY'>('ALLOW', 'DENY'),
  principals: fc.subarray(USERS.concat(GROUPS, ['${vu}', '${vg}']), { minLength: 1 }),
});

let counter = 0;
function toRule(spec: RuleSpec, i: number): PolicyRule {
  const users = spec.principals.filter((p) => p.startsWith('u') || p === '${vu}');
  const groups = spec.principals.filter((p) => p.startsWith('g') || p === '${vg}');
  return makeRule('r', spec.scope, spec.op, spec.permission, {
    users: spec.scope === 'USER' ? list(users.length ? users : ['u1']) : undefined,
    groups: spec.scope === 'GROUP' ? list(groups.length ? groups : ['g1']) : undefined,
    source: { document: 'prop', path: `rules[${i}]`, origin: 'api', index: i },
    idSuffix: String(counter++),
  });
}

const subjectArb = fc.record({ loginId: fc.constantFrom(...USERS), groups: fc.subarray(GROUPS), roles: fc.constant([] as string[]) });
const instanceArb = fc.record({
  resource: fc.constant('r'),
  starter: fc.option(fc.constantFrom(...USERS), { nil: undefined }),
  assignee: fc.option(fc.constantFrom(...USERS), { nil: undefined }),
  // variables the `${vu}` / `${vg}` expressions read; sometimes missing
  variables: fc.record({ vu: fc.oneof(fc.subarray(USERS), fc.subarray(USERS).map((u) => u.join(', '))), vg: fc.subarray(GROUPS) }, { requiredKeys: [] }),
});
const queryOp = fc.constantFrom('LIST_TASK', 'CLAIM_TASK', 'START_PROCESS', 'm', 'm:a', 'm:a:o');

const policyOf = (rules: PolicyRule[]) => new Policy([{ name: 'r', rules }], registry());

describe('policy properties', () => {
  it('the indexed engine agrees with a linear scan over the same rules', () => {
    fc.assert(
      fc.property(fc.array(ruleSpec, { maxLength: 25 }), subjectArb, instanceArb, queryOp, (specs, subject, instance, op) => {
        const rules = specs.map(toRule);
        const indexed = policyOf(rules).decide(subject, instance, op);
        const naive = decideByLinearScan(rules, registry(), subject, instance, op);
        expect(indexed.allowed).toBe(naive.allowed);
        expect(indexed.explanation.deciding.map((a) => a.rule.id)).toEqual(naive.explanation.deciding.map((a) => a.rule.id));
      }),
      { numRuns: 300 },
    );
  });

  it('the decision does not depend on the order the rules are written in', () => {
    fc.assert(
      fc.property(fc.array(ruleSpec, { maxLength: 20 }).chain((specs) => fc.tuple(fc.constant(specs), fc.shuffledSubarray(specs.map((_, i) => i), { minLength: specs.length, maxLength: specs.length }))), subjectArb, instanceArb, queryOp, ([specs, order], subject, instance, op) => {
        const rules = specs.map(toRule);
        const shuffled = order.map((i) => rules[i]!);
        const a = policyOf(rules).decide(subject, instance, op);
        const b = policyOf(shuffled).decide(subject, instance, op);
        expect(b.allowed).toBe(a.allowed);
        expect(b.explanation.deciding.map((x) => x.rule.id)).toEqual(a.explanation.deciding.map((x) => x.rule.id));
      }),
      { numRuns: 300 },
    );
  });

  it('a DENY in a stronger scope always beats an ALLOW in a weaker one', () => {
    const pairs: [PolicyScope, PolicyScope][] = [];
    const scopes: PolicyScope[] = ['USER', 'ASSIGNEE', 'PROCESS_STARTER', 'GROUP', 'OTHERS'];
    for (const s of scopes) for (const w of scopes) if (scopeTier(s) < scopeTier(w)) pairs.push([s, w]);
    fc.assert(
      fc.property(fc.array(ruleSpec, { maxLength: 10 }), fc.constantFrom(...pairs), queryOp, fc.constantFrom(...GROUPS), (noise, [strong, weak], op, group) => {
        // a subject every scope reaches: named user, in the group, starter and assignee
        const subject = { loginId: 'u1', groups: [group], roles: [] };
        const instance = { resource: 'r', starter: 'u1', assignee: 'u1' };
        const mk = (scope: PolicyScope, permission: 'ALLOW' | 'DENY') => toRule({ scope, op, permission, principals: ['u1', group] }, 900);
        // noise only in scopes no stronger than the weak one, so the strong DENY is the strongest rule
        const weaker = noise.filter((n) => scopeTier(n.scope) >= scopeTier(weak)).map(toRule);
        const rules = [mk(weak, 'ALLOW'), mk(strong, 'DENY'), ...weaker];
        expect(policyOf(rules).decide(subject, instance, op).allowed).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('adding an OTHERS rule never changes a decision a more specific rule made', () => {
    fc.assert(
      fc.property(fc.array(ruleSpec, { maxLength: 20 }), subjectArb, instanceArb, queryOp, fc.constantFrom(...OPS), fc.constantFrom<'ALLOW' | 'DENY'>('ALLOW', 'DENY'), (specs, subject, instance, op, othersOp, perm) => {
        const rules = specs.map(toRule);
        const before = policyOf(rules).decide(subject, instance, op);
        fc.pre(before.explanation.basis === 'rule' && before.explanation.deciding[0]!.rule.scope !== 'OTHERS');
        const after = policyOf([...rules, toRule({ scope: 'OTHERS', op: othersOp, permission: perm, principals: ['u1'] }, 999)]).decide(subject, instance, op);
        expect(after.allowed).toBe(before.allowed);
        expect(after.explanation.deciding.map((a) => a.rule.id)).toEqual(before.explanation.deciding.map((a) => a.rule.id));
      }),
      { numRuns: 300 },
    );
  });
});
