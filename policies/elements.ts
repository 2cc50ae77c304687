import { ALL, canonicalOperation } from './operations.js';

/**
 * The element a rule is attached to and an operation is asked on. The source document
 * attaches authorization tags to a process or to one of its user tasks, and a tag applies to
 * its own element only; `resource` is any other named thing (a route, a report) where every
 * operation is valid.
 */
export type ElementKind = 'process' | 'task' | 'resource';

/** Valid only on the process. */
export const PROCESS_OPERATIONS = ['START_PROCESS', 'CANCEL_PROCESS', 'SUSPEND_PROCESS', 'ACTIVATE_PROCESS', 'LIST_PROCESS'] as const;
/** Valid only on a task. */
export const TASK_OPERATIONS = ['DELEGATE_TASK', 'COMPLETE_TASK', 'CLAIM_TASK', 'UNCLAIM_TASK', 'ACCEPT_DELEGATION', 'REJECT_DELEGATION', 'LIST_TASK'] as const;

const PROCESS_ONLY = new Set<string>(PROCESS_OPERATIONS);
const TASK_ONLY = new Set<string>(TASK_OPERATIONS);

/**
 * Whether `operation` may be named on an element of this kind. `ALL`, the variable, comment and
 * attachment operations and operations an application registers are valid on both.
 */
export function operationFitsElement(operation: string, kind: ElementKind): boolean {
  const op = canonicalOperation(operation);
  if (op === ALL || kind === 'resource') return true;
  if (kind === 'process') return !TASK_ONLY.has(op);
  return !PROCESS_ONLY.has(op);
}

/** `Process` / `Task`, as the document's REST errors spell it ("Not supported Task operation 'X'"). */
export function elementLabel(kind: ElementKind): string {
  return kind === 'process' ? 'Process' : kind === 'task' ? 'Task' : 'resource';
}

/** The key a task's rules are stored under: `process/task` (resource names never hold '/'). */
export function taskElementName(process: string, task: string): string {
  return `${process}/${task}`;
}
