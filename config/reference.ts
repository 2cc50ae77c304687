import type { z } from 'zod';
import { portcullisConfigSchema } from './schema/index.js';

/**
 * Every option of the configuration schema with its default, found by walking the schema
 * itself: docs/configuration.md's reference table is written from this
 * (`npm run docs:config`), and a test fails when an option is missing from it.
 */
export interface OptionReference {
  /** `server.tls.certFile`, `routes[].policy.allowRoles`, `authenticators[type=ldap].servers` */
  path: string;
  /** the default as it reads in YAML/JSON, `(required)`, or `–` for an optional option without one */
  default: string;
}

type Def = { type: string; [k: string]: unknown };
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;

function formatDefault(value: unknown): string {
  if (value === undefined) return '–';
  if (typeof value === 'string') return value === '' ? '""' : value;
  return JSON.stringify(value);
}

function walk(schema: z.ZodType, path: string, out: OptionReference[], state: { dflt?: unknown; optional: boolean }): void {
  const def = defOf(schema);
  switch (def.type) {
    case 'default': {
      const value = typeof def.defaultValue === 'function' ? (def.defaultValue as () => unknown)() : def.defaultValue;
      return walk(def.innerType as z.ZodType, path, out, { dflt: value, optional: true });
    }
    case 'optional':
    case 'nullable':
    case 'readonly':
    case 'prefault':
      return walk(def.innerType as z.ZodType, path, out, { ...state, optional: true });
    case 'pipe':
      return walk(def.in as z.ZodType, path, out, state);
    case 'object': {
      // a section is documented through its options; the section itself needs no row
      for (const [key, child] of Object.entries(def.shape as Record<string, z.ZodType>)) {
        walk(child, path ? `${path}.${key}` : key, out, { optional: false });
      }
      return;
    }
    case 'array': {
      const element = defOf(def.element);
      out.push(row(path, state));
      if (element.type === 'object' || element.type === 'union' || element.type === 'pipe') walk(def.element as z.ZodType, `${path}[]`, out, { optional: false });
      return;
    }
    case 'union': {
      const options = def.options as z.ZodType[];
      if (def.discriminator) {
        // authenticators: one set of options per `type`
        for (const option of options) {
          const type = (defOf((defOf(option).shape as Record<string, z.ZodType>).type).values as string[])[0];
          walk(option, path.replace(/\[\]$/, `[type=${type}]`), out, { optional: false });
        }
        return;
      }
      out.push(row(path, state));
      return;
    }
    case 'literal':
      if (path.endsWith('.type')) return; // the discriminator, named in the path already
      out.push(row(path, state));
      return;
    default:
      out.push(row(path, state));
  }
}

function row(path: string, state: { dflt?: unknown; optional: boolean }): OptionReference {
  return { path, default: state.dflt !== undefined ? formatDefault(state.dflt) : state.optional ? '–' : '(required)' };
}

/** Every option, in schema order. */
export function configReference(): OptionReference[] {
  const out: OptionReference[] = [];
  walk(portcullisConfigSchema as unknown as z.ZodType, '', out, { optional: false });
  return out;
}

/** Where each option is explained at length. */
export function pageOf(path: string): string {
  if (path.startsWith('authenticators[type=ldap]')) return '[ldap](ldap.md)';
  if (path.startsWith('authenticators[type=saml]')) return '[saml](saml.md)';
  if (/^authenticators\[type=(mtls|basic|header)\]/.test(path)) return '[technical access](technical-access.md)';
  if (/^(server\.(tls|shutdown)|metrics)/.test(path)) return '[operations](operations.md)';
  if (/filters\[\]/.test(path)) return '[policies: filter chains](policies.md)';
  if (path.startsWith('pages.')) return '[account page and branding](account.md)';
  return '[above](#main-options-and-defaults)';
}

/** The markdown table docs/configuration.md carries between its reference markers. */
export function referenceTable(): string {
  const escape = (text: string) => text.replace(/\|/g, '\\|');
  const rows = configReference().map((o) => `| \`${o.path}\` | \`${escape(o.default)}\` | ${pageOf(o.path)} |`);
  return ['| option | default | explained in |', '|---|---|---|', ...rows].join('\n');
}
