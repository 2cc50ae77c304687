import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GatewayError } from '../errors.js';
import { escapeHtml } from './escape.js';
import { BUILTIN_TEMPLATES } from './builtin-templates.js';

/** A slot is text (escaped when rendered) or HTML the gateway already escaped. */
type SlotKind = 'text' | 'html';

interface TemplateSpec {
  readonly slots: Readonly<Record<string, SlotKind>>;
  /** a template without these could not do its job (a login page without its form) */
  readonly required: readonly string[];
}

/** Every template the gateway renders, its slots, and which of them a replacement must keep. */
export const TEMPLATE_SPECS = {
  layout: { slots: { title: 'text', productName: 'text', styles: 'html', header: 'html', body: 'html' }, required: ['body'] },
  login: { slots: { who: 'html', error: 'html', form: 'html', choices: 'html' }, required: ['form', 'choices'] },
  message: { slots: { title: 'text', message: 'text', note: 'html', links: 'html' }, required: ['message'] },
  portals: { slots: { name: 'text', login: 'text', roles: 'text', portals: 'html' }, required: ['portals'] },
  account: { slots: { name: 'text', login: 'text', notice: 'html', contents: 'html', sections: 'html' }, required: ['sections'] },
} as const satisfies Record<keyof typeof BUILTIN_TEMPLATES, TemplateSpec>;

export type TemplateName = keyof typeof TEMPLATE_SPECS;
export type TemplateValues<N extends TemplateName> = Partial<Record<keyof (typeof TEMPLATE_SPECS)[N]['slots'], string>>;

export interface CompiledTemplate<N extends TemplateName = TemplateName> {
  readonly name: N;
  /** where it came from: `built-in` or the file */
  readonly source: string;
  render(values: TemplateValues<N>): string;
}

type Part = string | { slot: string; kind: SlotKind };

const TAG = /\{\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}\}|\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g;

/**
 * Compile one template. Refused, naming the file and line: an unknown slot, a text slot
 * written raw (`{{{name}}}` would put a user's name into the page unescaped), an HTML slot
 * written as text (it would show markup), a `{{` that is not a tag, a required slot missing.
 */
export function compileTemplate<N extends TemplateName>(name: N, text: string, source: string): CompiledTemplate<N> {
  const spec: TemplateSpec = TEMPLATE_SPECS[name];
  const parts: Part[] = [];
  const seen = new Set<string>();
  let last = 0;
  const fail = (at: number, why: string): never => {
    throw new GatewayError('GW_TEMPLATE_INVALID', 500, `template ${source} line ${text.slice(0, at).split('\n').length}: ${why}`);
  };
  for (const match of text.matchAll(TAG)) {
    const literal = text.slice(last, match.index);
    checkLiteral(literal, last, fail);
    parts.push(literal);
    const raw = match[1] !== undefined;
    const slot = (match[1] ?? match[2])!;
    const kind = spec.slots[slot];
    if (!kind) fail(match.index, `unknown slot '${slot}'; '${name}' has ${Object.keys(spec.slots).join(', ')}`);
    if (raw && kind === 'text') fail(match.index, `'${slot}' is text and must be written {{${slot}}} so it is escaped`);
    if (!raw && kind === 'html') fail(match.index, `'${slot}' is HTML and must be written {{{${slot}}}}`);
    parts.push({ slot, kind: kind! });
    seen.add(slot);
    last = match.index + match[0].length;
  }
  checkLiteral(text.slice(last), last, fail);
  parts.push(text.slice(last));
  const missing = spec.required.filter((slot) => !seen.has(slot));
  if (missing.length) {
    throw new GatewayError('GW_TEMPLATE_INVALID', 500, `template ${source}: must contain ${missing.map((s) => (spec.slots[s] === 'html' ? `{{{${s}}}}` : `{{${s}}}`)).join(', ')}`);
  }
  return {
    name,
    source,
    render(values) {
      let out = '';
      for (const part of parts) {
        if (typeof part === 'string') out += part;
        else {
          const value = (values as Record<string, string | undefined>)[part.slot] ?? '';
          out += part.kind === 'text' ? escapeHtml(value) : value;
        }
      }
      return out;
    },
  };
}

function checkLiteral(literal: string, offset: number, fail: (at: number, why: string) => never): void {
  const open = literal.indexOf('{{');
  if (open !== -1) fail(offset + open, `'{{' that is not a slot tag ({{name}} or {{{name}}})`);
  const close = literal.indexOf('}}');
  if (close !== -1) fail(offset + close, `'}}' without a matching '{{'`);
}

export type TemplateSet = { readonly [N in TemplateName]: CompiledTemplate<N> };

/** The built-in templates, compiled once (they are checked like any operator's). */
export function builtinTemplates(): TemplateSet {
  const out: Partial<Record<TemplateName, CompiledTemplate>> = {};
  for (const name of Object.keys(TEMPLATE_SPECS) as TemplateName[]) out[name] = compileTemplate(name, BUILTIN_TEMPLATES[name], `built-in ${name}`);
  return out as TemplateSet;
}

/**
 * The templates of a folder over the built-in ones. Each `<name>.html` in the folder replaces
 * one template; a `.html` file with any other name is a start-up error (a typo would
 * otherwise leave the built-in page in place without a word). Other files (images) are ignored.
 */
export async function loadTemplates(dir: string | undefined): Promise<TemplateSet> {
  const set = builtinTemplates() as Record<TemplateName, CompiledTemplate>;
  if (!dir) return set as TemplateSet;
  let files: string[];
  try {
    files = await readdir(dir);
  } catch (cause) {
    throw new GatewayError('GW_TEMPLATE_INVALID', 500, `pages.templatesDir: cannot read the folder ${dir}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { cause });
  }
  for (const file of files.sort()) {
    if (!file.toLowerCase().endsWith('.html')) continue;
    const name = file.slice(0, -'.html'.length);
    if (!(name in TEMPLATE_SPECS)) {
      throw new GatewayError('GW_TEMPLATE_INVALID', 500, `pages.templatesDir: '${file}' is not a template name; the templates are ${Object.keys(TEMPLATE_SPECS).map((n) => `${n}.html`).join(', ')}`);
    }
    const path = join(dir, file);
    try {
      set[name as TemplateName] = compileTemplate(name as TemplateName, await readFile(path, 'utf8'), path);
    } catch (cause) {
      const why = cause instanceof GatewayError ? cause.message : `cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`;
      throw new GatewayError('GW_TEMPLATE_INVALID', 500, `pages.templatesDir: ${why}`, { cause });
    }
  }
  return set as TemplateSet;
}
