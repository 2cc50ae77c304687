/**
 * The policy engine's coded errors. `expose` follows the status: 4xx messages are safe for a
 * client, a 5xx (a bad policy document is an operator's problem) is logged in full.
 *
 * Codes (stable, never reused):
 * - POLICY_DOCUMENT_INVALID (500): one or more documents failed validation; `issues` lists each
 * - POLICY_UNKNOWN_OPERATION (400): `Not supported operation 'X'`
 * - POLICY_UNKNOWN_RESOURCE (404): the policy has no resource (process definition) of that name
 * - POLICY_UNKNOWN_TASK (404): the process definition has no user task of that key
 * - POLICY_OPERATION_NOT_ON_ELEMENT (400): e.g. START_PROCESS asked on a task,
 *   `Not supported Task operation 'START_PROCESS'`
 */
/** The policy engine's code table: one code per condition, with its HTTP status. */
export const POLICY_ERROR_CODES = {
  /** policy documents failed validation at load; `issues` names each problem */
  POLICY_DOCUMENT_INVALID: 500,
  /** an operation the policy does not register */
  POLICY_UNKNOWN_OPERATION: 400,
  /** no policy for the resource */
  POLICY_UNKNOWN_RESOURCE: 404,
  /** the process definition has no user task of that key */
  POLICY_UNKNOWN_TASK: 404,
  /** an operation asked on an element it does not apply to (START_PROCESS on a task) */
  POLICY_OPERATION_NOT_ON_ELEMENT: 400,
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
  | 'operation-not-on-element' // a task operation on a process, START_PROCESS on a task, ...
  | 'invalid-expression' // `${` without a closing brace or a bad variable name
  | 'duplicate' // the same process (or task) defined twice in the set
  // BPMN files only (policies/bpmn/):
  | 'xml-syntax' // not well-formed XML
  | 'dtd-refused' // a <!DOCTYPE>: DTDs (and so entity declarations) are never read
  | 'entity-refused' // an entity reference other than the five XML predefines
  | 'not-bpmn' // the root is not a BPMN 2.0 <definitions>
  | 'attribute-missing' // an authorization tag without scope, operation or permission; an element without id
  | 'unknown-scope'
  | 'unknown-permission'
  | 'extension-elements-not-first' // <extensionElements> is not the first child of its process or task
  | 'extension-elements-duplicate' // two <extensionElements> on one process or task
  | 'authorization-misplaced' // a <neviswf:authorization> outside a process's or task's <extensionElements>
  | 'unexpected-element' // e.g. <neviswf:role> inside an authorization tag
  | 'attribute-misplaced'; // candidateStarterGroups on a userTask, candidateUsers on a process

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
  /** the position in a BPMN file (1-based) */
  line?: number;
  column?: number;
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

export class UnknownTaskError extends PolicyError {
  readonly process: string;
  readonly task: string;
  constructor(process: string, task: string) {
    super('POLICY_UNKNOWN_TASK', 404, `process '${printable(process)}' has no user task '${printable(task)}'`);
    this.name = 'UnknownTaskError';
    this.process = process;
    this.task = task;
  }
}

export class OperationNotOnElementError extends PolicyError {
  readonly operation: string;
  readonly element: string;
  /** `label` is `Process` or `Task`, as in the document's REST error */
  constructor(operation: string, label: string) {
    super('POLICY_OPERATION_NOT_ON_ELEMENT', 400, `Not supported ${label} operation '${printable(operation)}'`);
    this.name = 'OperationNotOnElementError';
    this.operation = operation;
    this.element = label;
  }
}

export function describeIssue(i: PolicyIssue): string {
  const where = i.rule ? ` (rule ${i.rule.index} of resource '${i.rule.resource}')` : '';
  const at = i.line !== undefined ? `:${i.line}:${i.column ?? 1}` : '';
  return `policy document '${i.document}${at}': ${i.path || '(document)'}: ${i.message}${where}`;
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
