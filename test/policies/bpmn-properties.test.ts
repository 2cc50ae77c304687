import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadBpmnDocuments } from '../../policies/bpmn.js';
import { loadPolicyDocuments, policyDocumentToYaml } from '../../policies/document.js';
import { readBpmn } from '../../policies/bpmn.js';
import { PROCESS_OPERATIONS, TASK_OPERATIONS } from '../../policies/elements.js';
import type { Policy } from '../../policies/policy.js';
import { filterAllowed } from '../../policies/list-filter.js';
import type { PolicyScope } from '../../policies/types.js';

/**
 * Properties the source document implies, over generated process definitions written as BPMN:
 * candidates are their upgraded tag form; a name held as a role decides as the same name held
 * as a group; the order of tags and of files never matters; a BPMN file and its YAML
 * conversion decide alike.
 */
const USERS = ['u1', 'u2', 'u3'];
const NAMES = ['g1', 'g2', 'g3'];
const SHARED = ['READ_VARIABLES', 'SET_VARIABLE', 'READ_COMMENTS', 'ADD_COMMENT', 'DELETE_ATTACHMENT'];
const PROCESS_OPS = [...PROCESS_OPERATIONS, ...SHARED];
const TASK_OPS = [...TASK_OPERATIONS, ...SHARED];

interface Tag { scope: PolicyScope; operation: string; permission: 'ALLOW' | 'DENY'; users: string[]; groups: string[] }

const tagArb = (ops: readonly string[]) =>
  fc
    .record({
      scope: fc.constantFrom<PolicyScope>('USER', 'GROUP', 'PROCESS_STARTER', 'ASSIGNEE', 'OTHERS'),
      operation: fc.constantFrom('ALL', ...ops),
      permission: fc.constantFrom<'ALLOW' | 'DENY'>('ALLOW', 'DENY'),
      users: fc.subarray([...USERS, '#{vu}'], { minLength: 1 }),
      groups: fc.subarray([...NAMES, '${vg}'], { minLength: 1 }),
    })
    .map((t): Tag => ({ ...t, users: t.scope === 'USER' ? t.users : [], groups: t.scope === 'GROUP' ? t.groups : [] }));

interface Definition {
  processTags: Tag[];
  taskTags: Tag[];
  starterUsers: string[];
  starterGroups: string[];
  taskUsers: string[];
  taskGroups: string[];
}

const definitionArb: fc.Arbitrary<Definition> = fc.record({
  processTags: fc.array(tagArb(PROCESS_OPS), { maxLength: 5 }),
  taskTags: fc.array(tagArb(TASK_OPS), { maxLength: 5 }),
  starterUsers: fc.subarray(USERS),
  starterGroups: fc.subarray(NAMES),
  taskUsers: fc.subarray(USERS),
  taskGroups: fc.subarray(NAMES),
});

const tagXml = (t: Tag) =>
  `<neviswf:authorization neviswf:scope="${t.scope}" neviswf:operation="${t.operation}" neviswf:permission="${t.permission}">` +
  t.users.map((u) => `<neviswf:user>${u}</neviswf:user>`).join('') +
  t.groups.map((g) => `<neviswf:group>${g}</neviswf:group>`).join('') +
  '</neviswf:authorization>';

const attr = (name: string, values: string[]) => (values.length ? ` activiti:${name}="${values.join(',')}"` : '');
const ext = (tags: Tag[]) => (tags.length ? `<extensionElements>${tags.map(tagXml).join('')}</extensionElements>` : '');

function bpmn(d: Definition, id = 'p'): string {
  return (
    `<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:activiti="http://activiti.org/bpmn" xmlns:neviswf="http://adnovum.ch/neviswf/bpmn">` +
    `<process id="${id}"${attr('candidateStarterUsers', d.starterUsers)}${attr('candidateStarterGroups', d.starterGroups)}>${ext(d.processTags)}` +
    `<userTask id="t"${attr('candidateUsers', d.taskUsers)}${attr('candidateGroups', d.taskGroups)}>${ext(d.taskTags)}</userTask>` +
    `</process></definitions>`
  );
}

/** "Upgrading candidates": the shorthand as tags, GROUP/USER ALL ALLOW plus OTHERS ALL DENY. */
function upgraded(d: Definition): Definition {
  const upgrade = (users: string[], groups: string[]): Tag[] =>
    users.length + groups.length === 0
      ? []
      : [
          ...(users.length ? [{ scope: 'USER' as const, operation: 'ALL', permission: 'ALLOW' as const, users, groups: [] }] : []),
          ...(groups.length ? [{ scope: 'GROUP' as const, operation: 'ALL', permission: 'ALLOW' as const, users: [], groups }] : []),
          { scope: 'OTHERS', operation: 'ALL', permission: 'DENY', users: [], groups: [] },
        ];
  return {
    processTags: [...d.processTags, ...upgrade(d.starterUsers, d.starterGroups)],
    taskTags: [...d.taskTags, ...upgrade(d.taskUsers, d.taskGroups)],
    starterUsers: [],
    starterGroups: [],
    taskUsers: [],
    taskGroups: [],
  };
}

const load = (...texts: string[]): Policy => loadBpmnDocuments(texts.map((text, i) => ({ name: `f${i}.bpmn`, text })));

const queryArb = fc.record({
  loginId: fc.constantFrom(...USERS, 'u9'),
  names: fc.subarray(NAMES),
  starter: fc.option(fc.constantFrom(...USERS), { nil: undefined }),
  assignee: fc.option(fc.constantFrom(...USERS), { nil: undefined }),
  vu: fc.subarray(USERS).map((u) => u.join(', ')),
  vg: fc.subarray(NAMES),
  onTask: fc.boolean(),
  processOp: fc.constantFrom(...PROCESS_OPS),
  taskOp: fc.constantFrom(...TASK_OPS),
});
type Query = typeof queryArb extends fc.Arbitrary<infer Q> ? Q : never;

function decide(policy: Policy, q: Query, as: 'groups' | 'roles' = 'groups'): boolean {
  const subject = { loginId: q.loginId, groups: as === 'groups' ? q.names : [], roles: as === 'roles' ? q.names : [] };
  const instance = { resource: 'p', ...(q.onTask ? { task: 't' } : {}), starter: q.starter, assignee: q.assignee, variables: { vu: q.vu, vg: q.vg } };
  const op = q.onTask ? q.taskOp : q.processOp;
  const allowed = policy.decide(subject, instance, op).allowed;
  // the fast path without explanation must give the same verdict
  expect(policy.isAllowed(subject, instance, op)).toBe(allowed);
  return allowed;
}

const RUNS = { numRuns: 150 };

describe('properties of BPMN process definitions', () => {
  it('the list filter keeps exactly the instances decide() allows LIST_TASK / LIST_PROCESS on', () => {
    const instanceArb = fc.record({
      task: fc.option(fc.constant('t'), { nil: undefined }),
      starter: fc.option(fc.constantFrom(...USERS), { nil: undefined }),
      assignee: fc.option(fc.constantFrom(...USERS), { nil: undefined }),
      vu: fc.subarray(USERS).map((u) => u.join(', ')),
    });
    fc.assert(
      fc.property(definitionArb, fc.array(instanceArb, { maxLength: 30 }), fc.constantFrom(...USERS), fc.subarray(NAMES), (d, rows, loginId, groups) => {
        const policy = load(bpmn(d));
        const subject = { loginId, groups, roles: [] };
        const items = rows.map((r, i) => ({ id: i, resource: 'p', ...r, variables: { vu: r.vu } }));
        items.push({ id: 99, resource: 'unknown', task: undefined, starter: undefined, assignee: undefined, vu: '', variables: { vu: '' } });
        for (const [op, onTask] of [['LIST_TASK', true], ['LIST_PROCESS', false]] as const) {
          const rowsOf = items.filter((i) => (i.task !== undefined) === onTask && i.resource === 'p');
          const want = rowsOf.filter((i) => policy.decide(subject, i, op).allowed).map((i) => i.id);
          expect(filterAllowed(policy, subject, items.filter((i) => (i.task !== undefined) === onTask), op).map((i) => i.id)).toEqual(want);
        }
      }),
      RUNS,
    );
  });

  it('a candidate shorthand and its upgraded tag form decide the same for every user and operation', () => {
    fc.assert(
      fc.property(definitionArb, fc.array(queryArb, { minLength: 5, maxLength: 5 }), (d, queries) => {
        const short = load(bpmn(d));
        const tags = load(bpmn(upgraded(d)));
        for (const q of queries) expect(decide(short, q)).toBe(decide(tags, q));
      }),
      RUNS,
    );
  });

  it('a user holding names as roles decides the same as one holding them as groups', () => {
    fc.assert(
      fc.property(definitionArb, fc.array(queryArb, { minLength: 5, maxLength: 5 }), (d, queries) => {
        const policy = load(bpmn(d));
        for (const q of queries) expect(decide(policy, q, 'roles')).toBe(decide(policy, q, 'groups'));
      }),
      RUNS,
    );
  });

  it('the decision never depends on the order of tags or of files', () => {
    fc.assert(
      fc.property(definitionArb, definitionArb, fc.array(queryArb, { minLength: 5, maxLength: 5 }), (d, other, queries) => {
        const reversed = { ...d, processTags: [...d.processTags].reverse(), taskTags: [...d.taskTags].reverse() };
        const a = load(bpmn(d), bpmn(other, 'q'));
        const b = load(bpmn(other, 'q'), bpmn(reversed));
        for (const q of queries) expect(decide(a, q)).toBe(decide(b, q));
      }),
      RUNS,
    );
  });

  it('a BPMN file and its YAML conversion decide the same', () => {
    fc.assert(
      fc.property(definitionArb, fc.array(queryArb, { minLength: 5, maxLength: 5 }), (d, queries) => {
        const read = readBpmn({ name: 'p.bpmn', text: bpmn(d) });
        if (!read.ok) throw new Error(read.issues[0]!.message);
        const yaml = loadPolicyDocuments([{ name: 'p.yaml', text: policyDocumentToYaml(read.named.document) }]);
        const policy = load(bpmn(d));
        for (const q of queries) expect(decide(yaml, q)).toBe(decide(policy, q));
      }),
      RUNS,
    );
  });
});
