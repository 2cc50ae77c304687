/**
 * Errors of engine authorization, all EngineClientErrors (codes in errors.ts's one table):
 * - AUTHZ_DENIED (403): the policy refused; the message is the decision's reason
 * - IDENTITY_REQUIRED (401): no verified identity on the request
 * - OPTIONS_INVALID (500, at start-up): bad plugin options
 * - AUTHZ_NOT_FOUND (404): the process instance or task the REST endpoint names does not exist
 * Unknown operations and resources surface as the policy engine's POLICY_UNKNOWN_OPERATION (400)
 * and POLICY_UNKNOWN_RESOURCE (404).
 */
import { EngineClientError, IdentityRequiredError, OptionsError } from '../errors.js';

/** The errors this module throws share engine-client's base. */
export { EngineClientError as AuthorizationError };

export class AuthorizationDeniedError extends EngineClientError {
  /** the deciding rule's id, for the log (never sent beyond the message) */
  readonly rule?: string;
  constructor(message: string, rule?: string) {
    super('AUTHZ_DENIED', message);
    if (rule !== undefined) this.rule = rule;
  }
}

/** No verified identity: IDENTITY_REQUIRED, the same code as every other guard's. */
export class AuthorizationUnauthenticatedError extends IdentityRequiredError {}

/** Bad plugin options: OPTIONS_INVALID naming the option's path. */
export class AuthorizationOptionsError extends OptionsError {}

/** The process instance or task a REST endpoint names does not exist: AUTHZ_NOT_FOUND. */
export class AuthorizationNotFoundError extends EngineClientError {
  constructor(message: string) {
    super('AUTHZ_NOT_FOUND', message);
  }
}
