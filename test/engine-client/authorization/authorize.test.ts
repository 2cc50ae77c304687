import { describe, expect, it } from 'vitest';
import { createAuthorizer, authorize, subjectOf } from '../../../engine-client/authorization/authorize.js';
import { loadPolicyDocuments } from '../../../policies/document.js';

const policy = loadPolicyDocuments([
  {
    name: 'engine.yaml',
    text: `
resources:
  invoice:
    candidateStarterGroups: sales
    rules:
      - { scope: GROUP, operation: CANCEL_PROCESS, permission: DENY, roles: [viewer] }
      - { scope: PROCESS_STARTER, operation: LIST_PROCESS, permission: ALLOW }
`,
  },
]);

describe('authorize(identity, resource, operation)', () => {
  const authorizer = createAuthorizer(policy);

  it('decides for an engine identity and explains', () => {
    const d = authorizer.authorize({ user: 'sue', roles: ['user'], groups: ['sales'] }, 'invoice', 'START_PROCESS');
    expect(d.allowed).toBe(true);
    expect(d.explanation.deciding[0]!.rule.id).toBe('engine.yaml#resources.invoice.candidateStarterGroups');
    expect(authorize(policy, { user: 'vic', roles: ['viewer'] }, 'invoice', 'CANCEL_PROCESS').allowed).toBe(false);
  });

  it('takes a resource instance with starter and assignee', () => {
    const d = authorizer.authorize({ loginId: 'sue' }, { resource: 'invoice', starter: 'sue' }, 'LIST_PROCESS');
    expect(d.allowed).toBe(true);
    // not a candidate and not the starter: the candidates' OTHERS ALL DENY
    expect(authorizer.authorize({ loginId: 'sue' }, { resource: 'invoice', starter: 'tom' }, 'LIST_PROCESS').allowed).toBe(false);
  });

  it('refuses an unknown operation (400) and an unknown resource (404)', () => {
    expect(() => authorizer.authorize({ user: 'a' }, 'invoice', 'NOPE')).toThrow(expect.objectContaining({ code: 'POLICY_UNKNOWN_OPERATION', statusCode: 400 }));
    expect(() => authorizer.authorize({ user: 'a' }, 'nothing', 'LIST_TASK')).toThrow(expect.objectContaining({ code: 'POLICY_UNKNOWN_RESOURCE', statusCode: 404 }));
  });

  it('an identity without a user id is a programming error', () => {
    expect(() => subjectOf({ roles: ['x'] })).toThrow(TypeError);
  });
});
