/**
 * The policy engine's coded errors. `expose` follows the status: 4xx messages are safe for a
 * client, a 5xx (a bad policy document is an operator's problem) is logged in full.
 *
 * Codes (stable, never reused):
 * - POLICY_DOCUMENT_INVALID (500): one or more documents failed validation; `issues` lists each
 * - POLICY_UNKNOWN_OPERATION (400): `Not supported operation 'X'`
 * - POLICY_UNKNOWN_RESOURCE (404): the policy has no resource of that name
 */
/** The policy engine's code table: one code per condition, with its HTTP status. */
export const POLICY_ERROR_CODES = {
  /** policy documents failed validation at load; `issues` names each problem */
  POLICY_DOCUMENT_INVALID: 500,
  /** an operation the policy does not register */
  POLICY_UNKNOWN_OPERATION: 400,
  /** no policy for the resource */
  POLICY_UNKNOWN_RESOURCE: 404,
} as const;

export type PolicyErrorCode = keyof typeof POLICY_ERROR_CODES;

/** The one error base of @portcullis/policies: stable `code`, `statusCode`, `expose`, `cause`. */
export class PolicyError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly expose: boolean;

  constructor(code: string, statusCode: number, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'PolicyError';
    this.code = code;
    this.statusCode = statusCode;
    this.expose = statusCode < 500;
  }
}

/** Issue codes inside POLICY_DOCUMENT_INVALID. */
export type PolicyIssueCode =
  | 'syntax' // the text is not YAML / JSON
  | 'required' // scope, operation, permission (or another required field) missing
  | 'invalid' // wrong type or value (e.g. scope 'EVERYONE')
  | 'unknown-key' // a key the schema does not know
  | 'principals-required' // USER rule without users, GROUP rule without groups/roles
  | 'field-not-allowed' // users on a GROUP rule, groups on an OTHERS rule, ...
  | 'unknown-operation' // operation not registered
  | 'invalid-expression'; // `${` without a closing brace or a bad variable name

export interface PolicyIssue {
  /** the document's name as the loader was given it (usually its file name) */
  document: string;
  /** e.g. `resources.invoice.rules[2].scope` */
  path: string;
  code: PolicyIssueCode;
  message: string;
  /** the rule the issue is in, when it is in one */
  rule?: { resource: string; index: number };
  /** the offending field, e.g. `scope` */
  field?: string;
}

export class PolicyDocumentInvalidError extends PolicyError {
  readonly issues: readonly PolicyIssue[];

  constructor(issues: PolicyIssue[], options: { cause?: unknown } = {}) {
    super('POLICY_DOCUMENT_INVALID', 500, describeIssues(issues), options);
    this.name = 'PolicyDocumentInvalidError';
    this.issues = Object.freeze(issues.slice());
  }
}

export class UnknownOperationError extends PolicyError {
  readonly operation: string;
  constructor(operation: string) {
    super('POLICY_UNKNOWN_OPERATION', 400, `Not supported operation '${printable(operation)}'`);
    this.name = 'UnknownOperationError';
    this.operation = operation;
  }
}

export class UnknownResourceError extends PolicyError {
  readonly resource: string;
  constructor(resource: string) {
    super('POLICY_UNKNOWN_RESOURCE', 404, `no policy for resource '${printable(resource)}'`);
    this.name = 'UnknownResourceError';
    this.resource = resource;
  }
}

export function describeIssue(i: PolicyIssue): string {
  const where = i.rule ? ` (rule ${i.rule.index} of resource '${i.rule.resource}')` : '';
  return `policy document '${i.document}': ${i.path || '(document)'}: ${i.message}${where}`;
}

function describeIssues(issues: PolicyIssue[]): string {
  if (issues.length === 1) return describeIssue(issues[0]!);
  return `${issues.length} problems in policy documents:\n` + issues.map((i) => `  ${describeIssue(i)}`).join('\n');
}

/** Echo client input safely: bounded length, no control characters. */
function printable(s: string): string {
  const clean = String(s).replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 100 ? `${clean.slice(0, 100)}…` : clean;
}
