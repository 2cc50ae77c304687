import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { z } from 'zod';
import { policyDocumentSchema } from './schema.js';
import type { PolicyDocument } from './types.js';
import type { OperationDefinition } from './operations.js';
import { compileDocuments, type NamedDocument } from './compile.js';
import { PolicyDocumentInvalidError, type PolicyIssue, type PolicyIssueCode } from './errors.js';
import type { Policy } from './policy.js';

export interface PolicySource {
  /** the name errors use, usually the file name */
  name: string;
  /** YAML or JSON text */
  text?: string;
  /** an already parsed value (e.g. from a config file), instead of text */
  value?: unknown;
  /** default: JSON when the name ends in .json, else YAML (which also reads JSON) */
  format?: 'yaml' | 'json';
  /** a document another reader already built and checked (a BPMN file: policies/bpmn.js) */
  read?: NamedDocument;
}

export interface LoadPolicyOptions {
  /** operations the application registers in code, besides those the documents register */
  operations?: Iterable<string | OperationDefinition>;
  /** `authorization.enabled` (default true); false: candidates only, tags ignored */
  enabled?: boolean;
}

/**
 * Parse, validate and compile policy documents into one Policy. Any problem in any document
 * throws POLICY_DOCUMENT_INVALID listing every issue (document, path, rule, field): the whole
 * set is refused rather than loaded without the broken rules.
 */
export function loadPolicyDocuments(sources: readonly PolicySource[], options: LoadPolicyOptions = {}): Policy {
  const issues: PolicyIssue[] = [];
  const docs: NamedDocument[] = [];
  for (const source of sources) {
    if (source.read) {
      docs.push(source.read);
      continue;
    }
    const parsed = validatePolicyDocument(source);
    if (parsed.ok) docs.push({ name: source.name, document: parsed.document });
    else issues.push(...parsed.issues);
  }
  if (issues.length > 0) throw new PolicyDocumentInvalidError(issues);
  const compiled = compileDocuments(docs, options.operations, { enabled: options.enabled });
  if (!compiled.policy) throw new PolicyDocumentInvalidError(compiled.issues);
  return compiled.policy;
}

/** One document's structure only (no operation check: that needs every document). */
export function validatePolicyDocument(source: PolicySource): { ok: true; document: PolicyDocument } | { ok: false; issues: PolicyIssue[] } {
  let raw: unknown = source.value;
  if (source.text !== undefined) {
    try {
      const json = source.format === 'json' || (source.format === undefined && source.name.toLowerCase().endsWith('.json'));
      raw = json ? JSON.parse(source.text) : parseYaml(source.text, { prettyErrors: false });
    } catch (err) {
      return { ok: false, issues: [{ document: source.name, path: '', code: 'syntax', message: `not valid ${source.format ?? 'YAML/JSON'}: ${(err as Error).message.split('\n')[0]}` }] };
    }
  }
  if (raw === null || raw === undefined) raw = {};
  const result = policyDocumentSchema.safeParse(raw);
  if (result.success) return { ok: true, document: result.data };
  return { ok: false, issues: result.error.issues.flatMap((i) => toIssues(source.name, raw, i)) };
}

function toIssues(document: string, raw: unknown, issue: z.core.$ZodIssue): PolicyIssue[] {
  const path = issue.path as (string | number)[];
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => build(document, [...path, key], 'unknown-key', `unknown key '${key}'`));
  }
  const custom = issue.code === 'custom' ? (issue.params as { policyCode?: PolicyIssueCode } | undefined)?.policyCode : undefined;
  if (custom) return [build(document, path, custom, issue.message)];
  if (valueAt(raw, path) === undefined) {
    const field = path[path.length - 1];
    return [build(document, path, 'required', `${typeof field === 'string' ? field : 'value'} is required`)];
  }
  return [build(document, path, 'invalid', issue.message)];
}

function build(document: string, path: (string | number | symbol)[], code: PolicyIssueCode, message: string): PolicyIssue {
  const p = path.map((x) => (typeof x === 'symbol' ? String(x) : x));
  const issue: PolicyIssue = { document, path: formatPath(p), code, message };
  if (p[0] === 'resources' && typeof p[1] === 'string' && p[2] === 'rules' && typeof p[3] === 'number') {
    issue.rule = { resource: p[1], index: p[3] };
    if (typeof p[4] === 'string') issue.field = p[4];
  } else if (typeof p[p.length - 1] === 'string') {
    issue.field = p[p.length - 1] as string;
  }
  return issue;
}

export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out;
}

function valueAt(root: unknown, path: readonly (string | number | symbol)[]): unknown {
  let cur: unknown = root;
  for (const part of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(cur, part as PropertyKey)) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[part as PropertyKey];
  }
  return cur;
}

/**
 * A document as YAML, the form `portcullis policy convert` prints: what a BPMN file's tags and
 * candidates say, written the way a YAML policy says it.
 */
export function policyDocumentToYaml(document: PolicyDocument, comment?: string): string {
  const clean = JSON.parse(JSON.stringify(document)) as Record<string, unknown>;
  if (Array.isArray(clean.operations) && clean.operations.length === 0) delete clean.operations;
  const body = stringifyYaml(clean, { lineWidth: 0 });
  return comment ? `${comment.split('\n').map((l) => `# ${l}`).join('\n')}\n${body}` : body;
}
