import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadBpmnDocuments } from '../../policies/bpmn.js';
import { loadPolicyDocuments } from '../../policies/document.js';
import type { Policy } from '../../policies/policy.js';
import type { Subject } from '../../policies/subject.js';

/**
 * Every example of the source document's chapter "Developer Guide - Authorization Engine", as
 * the BPMN file it prints (test/fixtures/bpmn/, each correction named in the file's comment)
 * and as the same policy in YAML (test/fixtures/bpmn/yaml/). For the users the document names,
 * each row states the outcome the document states (or, marked "rule:", the one its rules give
 * where the text is silent); both formats must give it.
 */
const FIXTURES = fileURLToPath(new URL('../fixtures/bpmn/', import.meta.url));

export const bpmnPolicy = (file: string, options: { enabled?: boolean } = {}): Policy =>
  loadBpmnDocuments([{ name: `${file}.bpmn`, text: readFileSync(`${FIXTURES}${file}.bpmn`, 'utf8') }], options);
export const yamlPolicy = (file: string, options: { enabled?: boolean } = {}): Policy =>
  loadPolicyDocuments([{ name: `${file}.yaml`, text: readFileSync(`${FIXTURES}yaml/${file}.yaml`, 'utf8') }], options);

// the document's users: nevisWF.User is every user's role (Security chapter), nevisWF.Admin the admin's
const admin: Subject = { loginId: 'nwf.ch.admin', groups: ['nevisWF.Admin'], roles: ['nevisWF.User'] };
const otherAdmin: Subject = { loginId: 'nwf.hu.admin', groups: ['nevisWF.Admin'], roles: ['nevisWF.User'] };
const huUser: Subject = { loginId: 'nwf.hu.user', groups: [], roles: ['nevisWF.User'] };
const neither: Subject = { loginId: 'nwf.outsider', groups: [], roles: [] };
const starter: Subject = { loginId: 'nwf.starter', groups: [], roles: ['nevisWF.User'] };
const starterInGroup: Subject = { loginId: 'nwf.starter', groups: ['nevisWF.ProcessStarter'], roles: ['nevisWF.User'] };
const assignee: Subject = { loginId: 'nwf.assignee', groups: [], roles: ['nevisWF.User'] };
const member: Subject = { loginId: 'nwf.member', groups: ['nevisWF'], roles: [] };

type Row = [who: Subject, operation: string, allowed: boolean, on?: { task?: string; starter?: string; assignee?: string; variables?: Record<string, string> }];

const PROCESS_OPS = ['START_PROCESS', 'CANCEL_PROCESS', 'SUSPEND_PROCESS', 'ACTIVATE_PROCESS', 'LIST_PROCESS', 'READ_COMMENTS', 'ADD_COMMENT', 'READ_VARIABLES', 'SET_VARIABLE', 'READ_ATTACHMENTS'];
const every = (who: Subject, allowed: boolean, on?: Row[3]): Row[] => PROCESS_OPS.map((op) => [who, op, allowed, on]);
const task = (extra: Omit<NonNullable<Row[3]>, 'task'> = {}) => ({ task: 'usertask1', starter: 'nwf.starter', assignee: 'nwf.assignee', ...extra });

const EXAMPLES: Record<string, { process: string; rows: Row[] }> = {
  // "no one will have permission to start the process"
  'candidate-conflict': { process: 'candidateConflict', rows: [[member, 'START_PROCESS', false], [neither, 'START_PROCESS', false], [admin, 'START_PROCESS', false]] },
  // "the group nevisWF is given permission, while everyone else is denied"
  'upgrade-candidates-shorthand': { process: 'upgrade', rows: [...every(member, true), ...every(neither, false)] },
  'upgrade-candidates-tags': { process: 'upgrade', rows: [...every(member, true), ...every(neither, false)] },
  // "works just as hard-coded values"; "multiple users ... separated by comma"
  'el-expression': {
    process: 'elExpression',
    rows: [
      [{ loginId: 'user2', groups: [], roles: [] }, 'ADD_COMMENT', false, { variables: { stringProcVar: 'user1, user2, user3' } }],
      [{ loginId: 'user3', groups: [], roles: [] }, 'CANCEL_PROCESS', false, { variables: { stringProcVar: 'user1, user2, user3' } }],
      [{ loginId: 'user4', groups: [], roles: [] }, 'ADD_COMMENT', true, { variables: { stringProcVar: 'user1, user2, user3' } }],
      // rule: an undeclared variable names no one
      [{ loginId: 'user2', groups: [], roles: [] }, 'ADD_COMMENT', true],
    ],
  },
  // "USER is stronger than GROUP ... comments can be read by the user nwf.ch.admin"
  'priority-of-scopes': { process: 'scopePriority', rows: [[admin, 'READ_COMMENTS', true], [otherAdmin, 'READ_COMMENTS', false], [huUser, 'READ_COMMENTS', true]] },
  // "DENY permissions are stronger"
  'priority-of-permissions': { process: 'permissionPriority', rows: [[starter, 'READ_COMMENTS', false, { starter: 'nwf.starter' }], [huUser, 'READ_COMMENTS', true, { starter: 'nwf.starter' }]] },
  // "prevent the process starter from reading any attachments"
  'tag-on-process': { process: 'tagOnProcess', rows: [[starter, 'READ_ATTACHMENTS', false, { starter: 'nwf.starter' }], [huUser, 'READ_ATTACHMENTS', true, { starter: 'nwf.starter' }]] },
  // "prevent the user nwf.ch.admin from completing the task"; "not on the process instance"
  'tag-on-task': { process: 'tagOnTask', rows: [[admin, 'COMPLETE_TASK', false, task()], [huUser, 'COMPLETE_TASK', true, task()], [admin, 'ADD_COMMENT', true]] },
  // "nwf.ch.admin will be able to start/cancel/suspend/activate the process, others will not"
  'authorization-example-1': {
    process: 'newAuth1',
    rows: [
      ...every(admin, true),
      ...every(huUser, false),
      ...every(neither, false),
      // rule: the task's candidateGroups nevisWF.User: the candidates get every task operation, others none
      [huUser, 'CLAIM_TASK', true, task()],
      [admin, 'COMPLETE_TASK', true, task()],
      [neither, 'CLAIM_TASK', false, task()],
    ],
  },
  // "The assignee ... is the only one with the right to unclaim or complete"; "The process starter receives permission to claim"; "Delegation is prohibited"
  'authorization-example-2': {
    process: 'newAuth2',
    rows: [
      [admin, 'START_PROCESS', true],
      [huUser, 'START_PROCESS', false],
      [admin, 'COMPLETE_TASK', true, task({ assignee: 'nwf.ch.admin' })],
      [admin, 'UNCLAIM_TASK', true, task({ assignee: 'nwf.ch.admin' })],
      [admin, 'DELEGATE_TASK', false, task({ assignee: 'nwf.ch.admin' })],
      [admin, 'CLAIM_TASK', false, task({ assignee: 'nwf.ch.admin' })],
      [starter, 'CLAIM_TASK', true, task()],
      [starter, 'COMPLETE_TASK', false, task()],
      [assignee, 'COMPLETE_TASK', true, task()],
      [huUser, 'COMPLETE_TASK', false, task()],
      [huUser, 'CLAIM_TASK', false, task()],
      [huUser, 'LIST_TASK', false, task()],
    ],
  },
  // "The group nevisWF.Admin is prohibited from adding comments ... nwf.ch.admin is given permission ... others are denied"
  'authorization-example-3': {
    process: 'newAuth3',
    rows: [
      [admin, 'ADD_COMMENT', true],
      [admin, 'START_PROCESS', true],
      [otherAdmin, 'ADD_COMMENT', false],
      [huUser, 'ADD_COMMENT', false],
      [huUser, 'START_PROCESS', false],
      [admin, 'CANCEL_PROCESS', false],
    ],
  },
  // "nwf.ch.admin cannot leave a comment ... Neither can nwf.hu.user"
  'authorization-example-4': {
    process: 'newAuth4',
    rows: [[admin, 'ADD_COMMENT', false], [huUser, 'ADD_COMMENT', false], [admin, 'START_PROCESS', true], [huUser, 'START_PROCESS', false], [admin, 'CANCEL_PROCESS', true]],
  },
  // "nwf.ch.admin is able to start and manipulate the process; non-members ... are not"
  'combined-example-1': { process: 'mixedAuth1', rows: [...every(admin, true), ...every(huUser, false), ...every(neither, false)] },
  // "allowed to execute any operation on the process, except for leaving a comment"
  'combined-example-2': {
    process: 'mixedAuth2',
    rows: [...every(admin, true).filter(([, op]) => op !== 'ADD_COMMENT'), [admin, 'ADD_COMMENT', false], [admin, 'DELETE_COMMENT', true], ...every(huUser, false)],
  },
  // "nwf.ch.admin can start the process but cannot comment on it, while nwf.hu.user can"
  'combined-example-3': {
    process: 'mixedAuth3',
    rows: [[admin, 'START_PROCESS', true], [admin, 'ADD_COMMENT', false], [huUser, 'START_PROCESS', true], [huUser, 'ADD_COMMENT', true], ...every(neither, false)],
  },
  // "New authorization tags can override candidates"
  'tags-override-candidates': {
    process: 'justATask',
    rows: [[huUser, 'CLAIM_TASK', false, task()], [huUser, 'COMPLETE_TASK', true, task()], [admin, 'CLAIM_TASK', false, task()]],
  },
  // "New authorization tags can extend candidates"
  'tags-extend-candidates': {
    process: 'justATask',
    rows: [[admin, 'CLAIM_TASK', true, task()], [huUser, 'CLAIM_TASK', true, task()], [neither, 'CLAIM_TASK', false, task()], [admin, 'COMPLETE_TASK', false, task()]],
  },
  // "New authorization tags can override each other" (both allow; who decides is checked below)
  'tags-override-each-other': {
    process: 'tagsOverride',
    rows: [[starterInGroup, 'LIST_TASK', true, task()], [starter, 'LIST_TASK', true, task()], [huUser, 'LIST_TASK', true, task()]],
  },
};

describe.each(Object.entries(EXAMPLES))('the document example %s', (file, { process, rows }) => {
  const formats = [
    ['BPMN', bpmnPolicy(file)],
    ['YAML', yamlPolicy(file)],
  ] as const;
  it.each(formats)('%s gives the outcomes the document states', (_format, policy) => {
    for (const [who, operation, allowed, on] of rows) {
      const decision = policy.decide(who, { resource: process, ...on }, operation);
      expect(decision.allowed, `${who.loginId} ${operation} ${on?.task ? `on task ${on.task}` : 'on the process'}: ${decision.explanation.why}`).toBe(allowed);
    }
  });
});

describe('what the examples say beyond allow / deny', () => {
  it.each([['BPMN', bpmnPolicy], ['YAML', yamlPolicy]] as const)('%s: a GROUP tag overrides a PROCESS_STARTER tag for a starter in that group', (_f, load) => {
    const policy = load('tags-override-each-other');
    const on = { resource: 'tagsOverride', task: 'usertask1', starter: 'nwf.starter' };
    expect(policy.decide(starterInGroup, on, 'LIST_TASK').explanation.deciding.map((a) => a.rule.scope)).toEqual(['GROUP']);
    expect(policy.decide(starter, on, 'LIST_TASK').explanation.deciding.map((a) => a.rule.scope)).toEqual(['PROCESS_STARTER']);
  });

  it('a tag on a task does not reach the process, and a task operation is refused on the process', () => {
    const policy = bpmnPolicy('tag-on-task');
    expect(() => policy.decide(admin, 'tagOnTask', 'COMPLETE_TASK')).toThrow(expect.objectContaining({ code: 'POLICY_OPERATION_NOT_ON_ELEMENT', statusCode: 400, message: "Not supported Process operation 'COMPLETE_TASK'" }));
    expect(() => policy.decide(admin, { resource: 'tagOnTask', task: 'usertask1' }, 'START_PROCESS')).toThrow(expect.objectContaining({ code: 'POLICY_OPERATION_NOT_ON_ELEMENT', message: "Not supported Task operation 'START_PROCESS'" }));
    expect(() => policy.decide(admin, { resource: 'tagOnTask', task: 'nope' }, 'COMPLETE_TASK')).toThrow(expect.objectContaining({ code: 'POLICY_UNKNOWN_TASK', statusCode: 404 }));
  });

  it('the short spellings are aliases of the document spellings', () => {
    const policy = bpmnPolicy('priority-of-scopes');
    expect(policy.isAllowed(otherAdmin, 'scopePriority', 'READ_COMMENT')).toBe(false);
    expect(policy.decide(otherAdmin, 'scopePriority', 'READ_COMMENT').explanation.operation).toBe('READ_COMMENTS');
  });

  it('a user whose directory gives nevisWF.Admin as a role is a candidate of the group nevisWF.Admin', () => {
    const policy = bpmnPolicy('combined-example-1');
    const roleOnly: Subject = { loginId: 'nwf.role.admin', groups: [], roles: ['nevisWF.Admin', 'nevisWF.User'] };
    expect(policy.isAllowed(roleOnly, 'mixedAuth1', 'START_PROCESS')).toBe(true);
    expect(policy.isAllowed(roleOnly, 'mixedAuth1', 'CANCEL_PROCESS')).toBe(true);
  });
});

describe('authorization.enabled = false: candidates only', () => {
  it.each([['BPMN', bpmnPolicy], ['YAML', yamlPolicy]] as const)('%s: tags are ignored, candidates still decide', (_f, load) => {
    // combined example 1: the candidates alone give the group everything and deny the others
    const mixed = load('combined-example-1', { enabled: false });
    expect(mixed.isAllowed(admin, 'mixedAuth1', 'START_PROCESS')).toBe(true);
    expect(mixed.isAllowed(huUser, 'mixedAuth1', 'START_PROCESS')).toBe(false);
    // combined example 3: without its tags nwf.hu.user is no candidate and nwf.ch.admin may comment
    const userFavoured = load('combined-example-3', { enabled: false });
    expect(userFavoured.isAllowed(huUser, 'mixedAuth3', 'START_PROCESS')).toBe(false);
    expect(userFavoured.isAllowed(admin, 'mixedAuth3', 'ADD_COMMENT')).toBe(true);
    // example 3 has no candidates: without tags nobody may start it, and comments are open
    const tagsOnly = load('authorization-example-3', { enabled: false });
    expect(tagsOnly.isAllowed(admin, 'newAuth3', 'START_PROCESS')).toBe(false);
    expect(tagsOnly.isAllowed(huUser, 'newAuth3', 'ADD_COMMENT')).toBe(true);
  });
});
