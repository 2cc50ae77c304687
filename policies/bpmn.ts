import { SaxesParser, type SaxesTagNS } from 'saxes';
import { POLICY_PERMISSIONS, POLICY_SCOPES, type PolicyDocument, type PolicyRuleInput, type PolicyScope, type PolicyTaskDocument, type PolicyResourceDocument } from './types.js';
import { compileDocuments, type NamedDocument } from './compile.js';
import { PolicyDocumentInvalidError, type PolicyIssue, type PolicyIssueCode } from './errors.js';
import type { OperationDefinition } from './operations.js';
import type { Policy } from './policy.js';
import { validatePolicyDocument, type PolicySource } from './document.js';

/**
 * BPMN 2.0 process definitions as policy documents (the `@portcullis/policies/bpmn.js`
 * subpath; it alone needs `saxes`). A `<process>` and each of its `<userTask>`s carry
 * `<neviswf:authorization>` tags in their `<extensionElements>` and `activiti:candidate*`
 * attributes; they become the same document a YAML file would be, so both formats decide alike.
 *
 * Unlike the original product, which silently drops a definition it cannot parse, every mistake
 * is reported with file, line and column, and the whole set is refused. DTDs are refused
 * outright and no entity beyond the five XML predefines is ever expanded.
 */

export const BPMN_NS = 'http://www.omg.org/spec/BPMN/20100524/MODEL';
export const ACTIVITI_NS = 'http://activiti.org/bpmn';
export const NEVISWF_NS = 'http://adnovum.ch/neviswf/bpmn';

/** Larger files are refused before parsing: a process definition is kilobytes, not megabytes. */
export const MAX_BPMN_CHARS = 5_000_000;

/** Deeper nesting is refused: process definitions nest a few dozen levels, and a bound keeps parsing linear. */
export const MAX_BPMN_DEPTH = 500;

const ELEMENT_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/;

export interface BpmnSource {
  /** the name errors use, usually the file name */
  name: string;
  text: string;
}

export type BpmnReadResult = { ok: true; named: Required<NamedDocument> } | { ok: false; issues: PolicyIssue[] };

/** `.bpmn`, `.bpmn20.xml` (and `.bpmn.xml`) name BPMN files. */
export function isBpmnFileName(name: string): boolean {
  return /\.(bpmn|bpmn20\.xml|bpmn\.xml)$/i.test(name);
}

type Position = { line: number; column: number };

interface Frame {
  local: string;
  uri: string;
  pos: Position;
  /** child elements seen so far */
  children: number;
  /** for process / userTask: the element it describes, to attach tags to */
  owner?: { rules: PolicyRuleInput[]; path: string; extensionSeen: boolean };
  /** an authorization tag being read */
  tag?: { rule: PolicyRuleInput; path: string; users: string[]; groups: string[]; ok: boolean; emptyPrincipal?: boolean };
  text?: string;
}

/** Read one BPMN file into a policy document; every problem is collected with its position. */
export function readBpmn(source: BpmnSource): BpmnReadResult {
  const issues: PolicyIssue[] = [];
  const positions = new Map<string, Position>();
  const document: PolicyDocument = { version: 1, operations: [], resources: {} };
  const issue = (code: PolicyIssueCode, message: string, pos: Position, path = '') => issues.push({ document: source.name, path, code, message, line: pos.line, column: pos.column });

  if (source.text.length > MAX_BPMN_CHARS) {
    issue('invalid', `the file is larger than ${MAX_BPMN_CHARS} characters`, { line: 1, column: 1 });
    return { ok: false, issues };
  }

  const parser = new SaxesParser({ xmlns: true, position: true, fileName: source.name });
  const stack: Frame[] = [];
  let process: { id: string; path: string; resource: PolicyResourceDocument } | undefined;
  let tagStart: Position = { line: 1, column: 1 };
  let fatal = false;

  const stop = (code: PolicyIssueCode, message: string, pos: Position) => {
    issue(code, message, pos);
    fatal = true;
    throw new StopParsing();
  };

  parser.on('doctype', () => stop('dtd-refused', 'a <!DOCTYPE> is not allowed: DTDs and entity declarations are never read', { line: parser.line, column: 1 }));
  parser.on('error', (err) => {
    const message = err.message.replace(/^[^:]*:\d+:\d+: /, '').replace(/\.$/, '');
    const code = /entity/i.test(message) ? 'entity-refused' : 'xml-syntax';
    stop(code, code === 'entity-refused' ? `${message}: only the five XML predefined entities are read` : `not well-formed XML: ${message}`, { line: parser.line, column: parser.column + 1 });
  });
  parser.on('opentagstart', (node) => {
    tagStart = { line: parser.line, column: Math.max(1, parser.column - node.name.length - 1) };
  });

  parser.on('opentag', (node: SaxesTagNS) => {
    const pos = tagStart;
    if (stack.length >= MAX_BPMN_DEPTH) stop('invalid', `elements are nested deeper than ${MAX_BPMN_DEPTH} levels`, pos);
    const parent = stack[stack.length - 1];
    const frame: Frame = { local: node.local, uri: node.uri, pos, children: 0 };
    if (parent) parent.children++;
    const attr = (uri: string, local: string): string | undefined => {
      for (const a of Object.values(node.attributes)) if (a.local === local && a.uri === uri) return a.value;
      return undefined;
    };
    const candidateAttrs = ['candidateStarterUsers', 'candidateStarterGroups', 'candidateUsers', 'candidateGroups'] as const;

    if (!parent) {
      if (node.uri !== BPMN_NS || node.local !== 'definitions') stop('not-bpmn', `the root element is <${node.name}>, not a BPMN 2.0 <definitions> (namespace ${BPMN_NS})`, pos);
    } else if (node.uri === BPMN_NS && node.local === 'process' && parent.local === 'definitions' && parent.uri === BPMN_NS) {
      const id = attr('', 'id');
      if (!id) issue('attribute-missing', '<process> has no id attribute', pos);
      else if (!ELEMENT_KEY.test(id)) issue('invalid', `process id '${id}' must use letters, digits, _ . : -`, pos);
      else if (document.resources[id]) issue('duplicate', `process '${id}' is defined twice`, pos, `resources.${id}`);
      const key = id && ELEMENT_KEY.test(id) && !document.resources[id] ? id : `\u0000${stack.length}:${pos.line}`;
      const resource: PolicyResourceDocument = { kind: 'process', rules: [], tasks: {} };
      const name = attr('', 'name');
      if (name) resource.description = name;
      const path = `resources.${key}`;
      for (const c of candidateAttrs) {
        const v = attr(ACTIVITI_NS, c);
        if (v === undefined) continue;
        if (c.startsWith('candidateStarter')) {
          resource[c] = v;
          positions.set(`${path}.${c}`, pos);
        } else issue('attribute-misplaced', `activiti:${c} belongs on a <userTask>, not on a <process>`, pos, `${path}.${c}`);
      }
      if (!key.startsWith('\u0000')) {
        document.resources[key] = resource;
        positions.set(path, pos);
      }
      process = { id: key, path, resource };
      frame.owner = { rules: resource.rules, path, extensionSeen: false };
    } else if (node.uri === BPMN_NS && node.local === 'userTask' && process) {
      const id = attr('', 'id');
      const tasks = process.resource.tasks!;
      if (!id) issue('attribute-missing', '<userTask> has no id attribute', pos);
      else if (!ELEMENT_KEY.test(id)) issue('invalid', `userTask id '${id}' must use letters, digits, _ . : -`, pos);
      else if (tasks[id]) issue('duplicate', `user task '${id}' is defined twice in process '${process.id}'`, pos);
      const key = id && ELEMENT_KEY.test(id) && !tasks[id] ? id : undefined;
      const task: PolicyTaskDocument = { rules: [] };
      const name = attr('', 'name');
      if (name) task.name = name;
      const path = `${process.path}.tasks.${key ?? `?${pos.line}`}`;
      for (const c of candidateAttrs) {
        const v = attr(ACTIVITI_NS, c);
        if (v === undefined) continue;
        if (c === 'candidateUsers' || c === 'candidateGroups') {
          task[c] = v;
          positions.set(`${path}.${c}`, pos);
        } else issue('attribute-misplaced', `activiti:${c} belongs on the <process>, not on a <userTask>`, pos, `${path}.${c}`);
      }
      if (key) {
        tasks[key] = task;
        positions.set(path, pos);
      }
      frame.owner = { rules: task.rules, path, extensionSeen: false };
    } else if (node.uri === BPMN_NS && node.local === 'extensionElements' && parent.owner) {
      if (parent.owner.extensionSeen) issue('extension-elements-duplicate', `<${parent.local}> has a second <extensionElements>: put every authorization tag in one`, pos, parent.owner.path);
      else if (parent.children > 1) issue('extension-elements-not-first', `<extensionElements> must be the first element inside <${parent.local}>`, pos, parent.owner.path);
      parent.owner.extensionSeen = true;
      frame.owner = parent.owner; // tags inside attach to the process / task
    } else if (node.uri === NEVISWF_NS && node.local === 'authorization') {
      const owner = parent.local === 'extensionElements' && parent.uri === BPMN_NS ? parent.owner : undefined;
      if (!owner) {
        issue('authorization-misplaced', `<${node.name}> must be inside the <extensionElements> of a <process> or <userTask>, not inside <${parent.local}>`, pos);
        frame.tag = { rule: { scope: 'OTHERS', operation: 'ALL', permission: 'DENY' }, path: '', users: [], groups: [], ok: false };
      } else {
        const path = `${owner.path}.rules[${owner.rules.length}]`;
        const scope = attr(NEVISWF_NS, 'scope');
        const operation = attr(NEVISWF_NS, 'operation');
        const permission = attr(NEVISWF_NS, 'permission');
        let ok = true;
        for (const [field, value] of [['scope', scope], ['operation', operation], ['permission', permission]] as const) {
          if (value === undefined || value.trim() === '') {
            issue('attribute-missing', `the authorization tag has no neviswf:${field} attribute`, pos, `${path}.${field}`);
            ok = false;
          }
        }
        if (scope !== undefined && scope.trim() !== '' && !(POLICY_SCOPES as readonly string[]).includes(scope.trim())) {
          issue('unknown-scope', `unknown scope '${scope}': use ${POLICY_SCOPES.join(', ')}`, pos, `${path}.scope`);
          ok = false;
        }
        if (permission !== undefined && permission.trim() !== '' && !(POLICY_PERMISSIONS as readonly string[]).includes(permission.trim())) {
          issue('unknown-permission', `unknown permission '${permission}': use ALLOW or DENY`, pos, `${path}.permission`);
          ok = false;
        }
        const rule = { scope: (scope ?? '').trim() as PolicyScope, operation: (operation ?? '').trim(), permission: (permission ?? '').trim() as 'ALLOW' | 'DENY' };
        positions.set(path, pos);
        frame.tag = { rule, path, users: [], groups: [], ok };
        if (ok) owner.rules.push(rule);
      }
    } else if (parent.tag) {
      if (node.uri === NEVISWF_NS && (node.local === 'user' || node.local === 'group')) frame.text = '';
      else issue('unexpected-element', `<${node.name}> is not allowed in an authorization tag: use <neviswf:user> or <neviswf:group>`, pos, parent.tag.path);
    }
    // other extensions (activiti:formProperty, listeners, ...) are the engine's business
    stack.push(frame);
  });

  parser.on('text', (text) => {
    const top = stack[stack.length - 1];
    if (top && top.text !== undefined) top.text += text;
  });
  parser.on('cdata', (text) => {
    const top = stack[stack.length - 1];
    if (top && top.text !== undefined) top.text += text;
  });

  parser.on('closetag', () => {
    const frame = stack.pop()!;
    const parent = stack[stack.length - 1];
    if (frame.text !== undefined && parent?.tag) {
      const value = frame.text.trim();
      if (value === '') {
        issue('principals-required', `<neviswf:${frame.local}> is empty: name a ${frame.local} or an #{expression}`, frame.pos, parent.tag.path);
        parent.tag.emptyPrincipal = true;
      }
      else (frame.local === 'user' ? parent.tag.users : parent.tag.groups).push(value);
    }
    if (frame.tag && frame.tag.ok && !frame.tag.emptyPrincipal) finishTag(frame.tag, frame.pos, issue);
    if (frame.local === 'process' && frame.uri === BPMN_NS) process = undefined;
  });

  try {
    parser.write(source.text).close();
  } catch (err) {
    if (!(err instanceof StopParsing)) throw err;
  }
  if (!fatal && issues.length === 0) {
    for (const resource of Object.values(document.resources)) if (resource.tasks && Object.keys(resource.tasks).length === 0) delete resource.tasks;
    if (Object.keys(document.resources).length === 0) issue('not-bpmn', 'the file defines no <process>', { line: 1, column: 1 });
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, named: { name: source.name, document, positions } };
}

/** USER needs users and takes no groups; GROUP the other way round; the other scopes take neither. */
function finishTag(tag: NonNullable<Frame['tag']>, pos: Position, issue: (code: PolicyIssueCode, message: string, pos: Position, path?: string) => void): void {
  const { rule } = tag;
  if (rule.scope === 'USER' && tag.users.length === 0) issue('principals-required', 'a USER authorization needs at least one <neviswf:user>', pos, `${tag.path}.users`);
  if (rule.scope === 'GROUP' && tag.groups.length === 0) issue('principals-required', 'a GROUP authorization needs at least one <neviswf:group>', pos, `${tag.path}.groups`);
  if (tag.users.length > 0 && rule.scope !== 'USER') issue('field-not-allowed', `a ${rule.scope} authorization takes no <neviswf:user>`, pos, `${tag.path}.users`);
  if (tag.groups.length > 0 && rule.scope !== 'GROUP') issue('field-not-allowed', `a ${rule.scope} authorization takes no <neviswf:group>`, pos, `${tag.path}.groups`);
  if (rule.scope === 'USER' && tag.users.length > 0) rule.users = tag.users.length === 1 ? tag.users[0]! : tag.users;
  if (rule.scope === 'GROUP' && tag.groups.length > 0) rule.groups = tag.groups.length === 1 ? tag.groups[0]! : tag.groups;
}

class StopParsing extends Error {}

/**
 * Files of both kinds as policy sources: YAML / JSON as they are, BPMN read into documents
 * (positions kept). A broken BPMN file refuses the set, with the YAML files' problems listed too.
 */
export function policySourcesOf(files: readonly { name: string; text: string }[]): PolicySource[] {
  const issues: PolicyIssue[] = [];
  const sources: PolicySource[] = [];
  for (const f of files) {
    if (!isBpmnFileName(f.name)) {
      sources.push({ ...f });
      continue;
    }
    const read = readBpmn(f);
    if (read.ok) sources.push({ name: f.name, read: read.named });
    else issues.push(...read.issues);
  }
  if (issues.length > 0) {
    for (const source of sources) {
      if (source.read) continue;
      const checked = validatePolicyDocument(source);
      if (!checked.ok) issues.push(...checked.issues);
    }
    throw new PolicyDocumentInvalidError(issues);
  }
  return sources;
}

export interface LoadBpmnOptions {
  operations?: Iterable<string | OperationDefinition>;
  /** `authorization.enabled` (default true); false: candidates only */
  enabled?: boolean;
}

/**
 * Read and compile BPMN files into one Policy. Any problem in any file throws
 * POLICY_DOCUMENT_INVALID whose issues carry document, line and column: the whole set is
 * refused, never loaded without the broken definition.
 */
export function loadBpmnDocuments(sources: readonly BpmnSource[], options: LoadBpmnOptions = {}): Policy {
  const issues: PolicyIssue[] = [];
  const docs: NamedDocument[] = [];
  for (const source of sources) {
    const read = readBpmn(source);
    if (read.ok) docs.push(read.named);
    else issues.push(...read.issues);
  }
  if (issues.length > 0) throw new PolicyDocumentInvalidError(issues);
  const compiled = compileDocuments(docs, options.operations, { enabled: options.enabled });
  if (!compiled.policy) throw new PolicyDocumentInvalidError(compiled.issues);
  return compiled.policy;
}
