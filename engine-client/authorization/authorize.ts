import type { Policy } from '@portcullis/policies/policy.js';
import type { PolicyDecision } from '@portcullis/policies/decide.js';
import type { ResourceInstance } from '@portcullis/policies/rule.js';
import type { Subject } from '@portcullis/policies/subject.js';

/**
 * What authorization needs from an engine's verified identity. Structural, so the identity
 * engine-client's token verification produces fits, and so does a hand-made one in a test.
 */
export interface AuthorizationIdentity {
  /** the user id: engine-client's Identity has `userId`; `user` and `loginId` are read when it is absent */
  userId?: string;
  user?: string;
  loginId?: string;
  roles?: readonly string[];
  groups?: readonly string[];
  level?: string;
}

export interface Authorizer {
  readonly policy: Policy;
  /**
   * Decide `operation` for the identity on a resource (its name, or an instance with starter,
   * assignee and variables). The decision carries its explanation.
   * @throws POLICY_UNKNOWN_RESOURCE (404), POLICY_UNKNOWN_OPERATION (400)
   */
  authorize(identity: AuthorizationIdentity, resource: string | ResourceInstance, operation: string): PolicyDecision;
}

export function subjectOf(identity: AuthorizationIdentity): Subject {
  const loginId = identity.userId ?? identity.user ?? identity.loginId;
  if (typeof loginId !== 'string' || loginId.length === 0) throw new TypeError('identity has no user id');
  return { loginId, roles: identity.roles ?? [], groups: identity.groups ?? [], level: identity.level };
}

export function createAuthorizer(policy: Policy): Authorizer {
  return Object.freeze({
    policy,
    authorize(identity: AuthorizationIdentity, resource: string | ResourceInstance, operation: string): PolicyDecision {
      return policy.decide(subjectOf(identity), resource, operation);
    },
  });
}

/** One-shot form: `authorize(policy, identity, resource, operation)`. */
export function authorize(policy: Policy, identity: AuthorizationIdentity, resource: string | ResourceInstance, operation: string): PolicyDecision {
  return policy.decide(subjectOf(identity), resource, operation);
}
