import { describe, expect, it } from 'vitest';
import { policyFromYaml, who } from './helpers.js';

/**
 * The examples of the seed process-engine authorization model, reconstructed from its
 * description (group favoured over others; assignee favoured; user favoured over group; no
 * comment for anyone; three mixed candidate-and-rule examples). Each states the outcome the
 * model's rules give: specific scope stronger, DENY wins within a scope, START_PROCESS denied
 * unless allowed, candidates = ALLOW for them + OTHERS DENY.
 */
describe('seed model examples', () => {
  it('group is favoured over others: managers may cancel, everyone else may not', () => {
    const p = policyFromYaml(`
resources:
  expenses:
    kind: process
    rules:
      - { scope: GROUP, operation: CANCEL_PROCESS, permission: ALLOW, groups: [managers] }
      - { scope: OTHERS, operation: CANCEL_PROCESS, permission: DENY }
`);
    expect(p.isAllowed(who('mia', ['managers']), 'expenses', 'CANCEL_PROCESS')).toBe(true);
    const clerk = p.decide(who('carl', ['clerks']), 'expenses', 'CANCEL_PROCESS');
    expect(clerk.allowed).toBe(false);
    expect(clerk.explanation.deciding[0]!.rule.scope).toBe('OTHERS');
  });

  it('the assignee is favoured: an intern assigned to the task may complete it, other interns may not', () => {
    const p = policyFromYaml(`
resources:
  review-task:
    kind: task
    rules:
      - { scope: GROUP, operation: COMPLETE_TASK, permission: DENY, groups: [interns] }
      - { scope: ASSIGNEE, operation: COMPLETE_TASK, permission: ALLOW }
`);
    const task = { resource: 'review-task', assignee: 'ivy' };
    expect(p.isAllowed(who('ivy', ['interns']), task, 'COMPLETE_TASK')).toBe(true);
    expect(p.isAllowed(who('ian', ['interns']), task, 'COMPLETE_TASK')).toBe(false);
    // neither intern nor assignee: no rule applies, operations are allowed by default
    expect(p.decide(who('sam', ['staff']), task, 'COMPLETE_TASK').explanation.basis).toBe('default');
    expect(p.isAllowed(who('sam', ['staff']), task, 'COMPLETE_TASK')).toBe(true);
  });

  it('the user is favoured over the group: alice may delegate although her group may not', () => {
    const p = policyFromYaml(`
resources:
  review-task:
    rules:
      - { scope: GROUP, operation: DELEGATE_TASK, permission: DENY, groups: [staff] }
      - { scope: USER, operation: DELEGATE_TASK, permission: ALLOW, users: [alice] }
`);
    expect(p.isAllowed(who('alice', ['staff']), 'review-task', 'DELEGATE_TASK')).toBe(true);
    expect(p.isAllowed(who('bob', ['staff']), 'review-task', 'DELEGATE_TASK')).toBe(false);
  });

  it('no comment for anyone: nobody may add a comment, not even the assignee or the starter', () => {
    const p = policyFromYaml(`
resources:
  review-task:
    rules:
      - { scope: OTHERS, operation: ADD_COMMENT, permission: DENY }
`);
    const task = { resource: 'review-task', assignee: 'ann', starter: 'stan' };
    for (const s of [who('ann'), who('stan'), who('boss', ['managers'], ['admin'])]) {
      expect(p.isAllowed(s, task, 'ADD_COMMENT')).toBe(false);
    }
    // other operations are untouched
    expect(p.isAllowed(who('ann'), task, 'READ_COMMENT')).toBe(true);
  });

  it('mixed 1: candidate starter group sales, and a USER DENY for carol who is in sales', () => {
    const p = policyFromYaml(`
resources:
  invoice:
    candidateStarterGroups: sales
    rules:
      - { scope: USER, operation: START_PROCESS, permission: DENY, users: carol }
`);
    expect(p.isAllowed(who('dave', ['sales']), 'invoice', 'START_PROCESS')).toBe(true);
    expect(p.isAllowed(who('carol', ['sales']), 'invoice', 'START_PROCESS')).toBe(false);
    expect(p.isAllowed(who('erin', ['support']), 'invoice', 'START_PROCESS')).toBe(false);
  });

  it('mixed 2: candidate starter user alice, and a GROUP DENY for interns that alice is in', () => {
    const p = policyFromYaml(`
resources:
  invoice:
    candidateStarterUsers: alice
    rules:
      - { scope: GROUP, operation: START_PROCESS, permission: DENY, groups: interns }
`);
    expect(p.isAllowed(who('alice', ['interns']), 'invoice', 'START_PROCESS')).toBe(true); // USER beats GROUP
    expect(p.isAllowed(who('ian', ['interns']), 'invoice', 'START_PROCESS')).toBe(false); // GROUP DENY
    expect(p.isAllowed(who('olga'), 'invoice', 'START_PROCESS')).toBe(false); // OTHERS DENY from the shorthand
  });

  it('mixed 3: candidate group reviewers, a GROUP DENY for reviewers and a USER ALLOW for frank', () => {
    const p = policyFromYaml(`
resources:
  review-task:
    candidateGroups: reviewers
    rules:
      - { scope: GROUP, operation: CLAIM_TASK, permission: DENY, groups: [reviewers] }
      - { scope: USER, operation: CLAIM_TASK, permission: ALLOW, users: [frank] }
`);
    // the shorthand's GROUP ALLOW and the explicit GROUP DENY contradict in one scope: DENY
    const rita = p.decide(who('rita', ['reviewers']), 'review-task', 'CLAIM_TASK');
    expect(rita.allowed).toBe(false);
    expect(rita.explanation.deciding.map((a) => a.rule.permission).sort()).toEqual(['ALLOW', 'DENY']);
    expect(p.isAllowed(who('frank'), 'review-task', 'CLAIM_TASK')).toBe(true); // USER beats OTHERS DENY
    expect(p.isAllowed(who('otto'), 'review-task', 'CLAIM_TASK')).toBe(false); // OTHERS DENY
    expect(p.isAllowed(who('otto'), 'review-task', 'COMPLETE_TASK')).toBe(true); // the shorthand only concerns CLAIM_TASK
  });
});
