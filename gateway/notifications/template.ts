import { GatewayError } from '../errors.js';
import { escapeHtml } from '../pages/html.js';

/**
 * A mail template: subject, text and HTML body with `{{ placeholder }}` slots. Compiled once
 * at load, where a slot naming a placeholder the event does not have is refused (a typo
 * would otherwise mail an empty field to every user). Values are text: escaped in HTML,
 * without line breaks in the subject (no header injection).
 */
export interface TemplateSource {
  subject: string;
  text: string;
  /** without it, the HTML body is the text's paragraphs, with link placeholders as links */
  html?: string;
}

export interface CompiledTemplate {
  readonly language: string;
  render(values: Readonly<Record<string, string>>): { subject: string; text: string; html: string };
}

/** A template the gateway cannot use: the start stops, naming the file and the slot. */
export class TemplateError extends GatewayError {
  constructor(message: string) {
    super('GW_CONFIG_INVALID', 500, message);
  }
}

type Part = string | { slot: string };

const SLOT = /\{\{\s*([^{}]*?)\s*\}\}/g;

export function compileTemplate(source: TemplateSource, known: ReadonlySet<string>, where: string, language: string): CompiledTemplate {
  for (const field of ['subject', 'text'] as const) {
    if (typeof source[field] !== 'string' || source[field].trim() === '') throw new TemplateError(`${where}: '${field}' is missing`);
  }
  if (source.html !== undefined && typeof source.html !== 'string') throw new TemplateError(`${where}: 'html' must be a text`);
  const subject = parse(source.subject, known, `${where} subject`);
  const text = parse(source.text, known, `${where} text`);
  const html = source.html !== undefined ? parse(source.html, known, `${where} html`) : undefined;
  return {
    language,
    render(values) {
      const value = (slot: string) => values[slot] ?? '';
      return {
        subject: fill(subject, value).replace(/[\r\n]+/g, ' ').trim(),
        text: fill(text, value),
        html: html ? fill(html, (s) => escapeHtml(value(s))) : htmlFromText(text, value),
      };
    },
  };
}

function parse(source: string, known: ReadonlySet<string>, where: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const m of source.matchAll(SLOT)) {
    const name = m[1]!;
    if (!known.has(name)) throw new TemplateError(`${where}: unknown placeholder {{ ${name} }}; this event has ${[...known].sort().join(', ')}`);
    parts.push(source.slice(last, m.index), { slot: name });
    last = m.index! + m[0].length;
  }
  parts.push(source.slice(last));
  const rest = parts.filter((p): p is string => typeof p === 'string').join('');
  if (rest.includes('{{') || rest.includes('}}')) throw new TemplateError(`${where}: a placeholder is not closed ('{{' without '}}')`);
  return parts;
}

function fill(parts: readonly Part[], value: (slot: string) => string): string {
  return parts.map((p) => (typeof p === 'string' ? p : value(p.slot))).join('');
}

const isLink = (slot: string) => slot.startsWith('links.') || slot.endsWith('.url');

/** The text body as HTML: paragraphs, line breaks, link placeholders as links; everything escaped. */
function htmlFromText(parts: readonly Part[], value: (slot: string) => string): string {
  const body = parts
    .map((p) => {
      if (typeof p === 'string') return escapeHtml(p);
      const v = value(p.slot);
      return isLink(p.slot) && /^https?:\/\//.test(v) ? `<a href="${escapeHtml(v)}">${escapeHtml(v)}</a>` : escapeHtml(v);
    })
    .join('');
  const paragraphs = body.split(/\n\s*\n/).map((para) => `<p>${para.trim().replace(/\n/g, '<br>')}</p>`);
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif">${paragraphs.join('\n')}</body></html>`;
}
