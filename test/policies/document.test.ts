import { describe, expect, it } from 'vitest';
import { loadPolicyDocuments, validatePolicyDocument } from '../../policies/document.js';
import { PolicyDocumentInvalidError, type PolicyIssue } from '../../policies/errors.js';

function issuesOf(fn: () => unknown): PolicyIssue[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyDocumentInvalidError);
    expect((err as PolicyDocumentInvalidError).code).toBe('POLICY_DOCUMENT_INVALID');
    return [...(err as PolicyDocumentInvalidError).issues];
  }
  throw new Error('expected the documents to be refused');
}

const load = (text: string, name = 'doc.yaml') => () => loadPolicyDocuments([{ name, text }]);

describe('policy document validation', () => {
  it('loads YAML and JSON documents', () => {
    const yaml = loadPolicyDocuments([{ name: 'a.yaml', text: 'resources:\n  r:\n    rules:\n      - { scope: OTHERS, operation: LIST_TASK, permission: DENY }\n' }]);
    const json = loadPolicyDocuments([{ name: 'a.json', text: JSON.stringify({ resources: { r: { rules: [{ scope: 'OTHERS', operation: 'LIST_TASK', permission: 'DENY' }] } } }) }]);
    expect(yaml.rulesFor('r')).toHaveLength(1);
    expect(json.rulesFor('r')[0]!.id).toBe('a.json#resources.r.rules[0]');
  });

  it.each([
    ['scope', '{ operation: LIST_TASK, permission: DENY }'],
    ['operation', '{ scope: OTHERS, permission: DENY }'],
    ['permission', '{ scope: OTHERS, operation: LIST_TASK }'],
  ])('a rule without %s names the document, the rule and the field', (field, rule) => {
    const issues = issuesOf(load(`resources:\n  tasks:\n    rules:\n      - { scope: OTHERS, operation: LIST_TASK, permission: ALLOW }\n      - ${rule}\n`, 'tasks.yaml'));
    expect(issues).toEqual([
      expect.objectContaining({ document: 'tasks.yaml', code: 'required', path: `resources.tasks.rules[1].${field}`, field, rule: { resource: 'tasks', index: 1 } }),
    ]);
  });

  it('a USER rule without users and a GROUP rule without groups are refused', () => {
    const issues = issuesOf(load('resources:\n  r:\n    rules:\n      - { scope: USER, operation: LIST_TASK, permission: DENY }\n      - { scope: GROUP, operation: LIST_TASK, permission: DENY, groups: " , " }\n'));
    expect(issues.map((i) => [i.code, i.path])).toEqual([
      ['principals-required', 'resources.r.rules[0].users'],
      ['principals-required', 'resources.r.rules[1].groups'],
    ]);
  });

  it('an unknown operation is refused with the rule and field', () => {
    const issues = issuesOf(load('resources:\n  r:\n    rules:\n      - { scope: OTHERS, operation: LAUNCH_ROCKET, permission: DENY }\n'));
    expect(issues).toEqual([
      expect.objectContaining({ code: 'unknown-operation', path: 'resources.r.rules[0].operation', field: 'operation', rule: { resource: 'r', index: 0 }, message: "Not supported operation 'LAUNCH_ROCKET'" }),
    ]);
  });

  it('an operation registered by another document of the set is known', () => {
    const policy = loadPolicyDocuments([
      { name: 'app.yaml', text: "operations: ['reports:export']\n" },
      { name: 'rules.yaml', text: "resources:\n  r:\n    rules:\n      - { scope: OTHERS, operation: 'reports:export', permission: DENY }\n" },
    ]);
    expect(policy.operations.isKnown('reports')).toBe(true);
  });

  it('wrong values, unknown keys, misplaced principals and bad expressions are each reported', () => {
    const issues = issuesOf(
      load(`resources:
  r:
    colour: red
    rules:
      - { scope: EVERYONE, operation: LIST_TASK, permission: DENY }
      - { scope: OTHERS, operation: LIST_TASK, permission: MAYBE }
      - { scope: OTHERS, operation: LIST_TASK, permission: DENY, users: [a] }
`),
    );
    expect(issues.map((i) => [i.code, i.path]).sort()).toEqual(
      [
        ['unknown-key', 'resources.r.colour'],
        ['invalid', 'resources.r.rules[0].scope'],
        ['invalid', 'resources.r.rules[1].permission'],
        ['field-not-allowed', 'resources.r.rules[2].users'],
      ].sort(),
    );
    const expr = issuesOf(load("resources:\n  r:\n    rules:\n      - { scope: USER, operation: LIST_TASK, permission: DENY, users: '${approvers' }\n"));
    expect(expr).toEqual([expect.objectContaining({ code: 'invalid-expression', path: 'resources.r.rules[0].users', rule: { resource: 'r', index: 0 } })]);
  });

  it('reports every problem of a rule in one pass, and survives rules that are not objects', () => {
    const issues = issuesOf(load('resources:\n  r:\n    rules:\n      - { scope: USER, permission: DENY }\n      - oops\n      - null\n'));
    expect(issues.map((i) => [i.code, i.path])).toEqual([
      ['required', 'resources.r.rules[0].operation'],
      ['principals-required', 'resources.r.rules[0].users'],
      ['invalid', 'resources.r.rules[1]'],
      ['invalid', 'resources.r.rules[2]'],
    ]);
  });

  it('a syntax error names the document', () => {
    const issues = issuesOf(load('resources: [unclosed', 'broken.yaml'));
    expect(issues).toEqual([expect.objectContaining({ document: 'broken.yaml', code: 'syntax' })]);
    const json = issuesOf(load('{"resources": ', 'broken.json'));
    expect(json[0]!.code).toBe('syntax');
  });

  it('one bad document refuses the whole set: no rule is silently dropped', () => {
    const good = { name: 'good.yaml', text: 'resources:\n  r:\n    rules:\n      - { scope: OTHERS, operation: LIST_TASK, permission: DENY }\n' };
    const bad = { name: 'bad.yaml', text: 'resources:\n  r:\n    rules:\n      - { scope: OTHERS, operation: LIST_TASK }\n' };
    const issues = issuesOf(() => loadPolicyDocuments([good, bad]));
    expect(issues.map((i) => i.document)).toEqual(['bad.yaml']);
  });

  it('the error message lists every problem with document, path and rule', () => {
    try {
      loadPolicyDocuments([{ name: 'x.yaml', text: 'resources:\n  r:\n    rules:\n      - { scope: OTHERS }\n' }]);
      expect.unreachable();
    } catch (err) {
      const msg = (err as Error).message;
      expect(msg).toContain("policy document 'x.yaml': resources.r.rules[0].operation");
      expect(msg).toContain("(rule 0 of resource 'r')");
      expect((err as PolicyDocumentInvalidError).statusCode).toBe(500);
    }
  });

  it('validatePolicyDocument accepts an empty document', () => {
    expect(validatePolicyDocument({ name: 'empty.yaml', text: '' }).ok).toBe(true);
  });
});
