import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { BUILTIN_TEMPLATES } from './builtin-templates.js';
import { COMMON_PLACEHOLDERS, NOTIFICATION_EVENTS, type NotificationEventType } from './events.js';
import { compileTemplate, TemplateError, type CompiledTemplate, type TemplateSource } from './template.js';

const FILE = /^([a-z-]+)\.([a-z]{2})\.ya?ml$/;

/** Every event's templates by language: the built-ins, replaced or extended by the operator's folder. */
export class TemplateCatalogue {
  readonly #templates: Map<NotificationEventType, Map<string, CompiledTemplate>>;
  readonly #defaultLanguage: string;

  private constructor(templates: Map<NotificationEventType, Map<string, CompiledTemplate>>, defaultLanguage: string) {
    this.#templates = templates;
    this.#defaultLanguage = defaultLanguage;
  }

  /**
   * Compile the built-ins and `<event>.<language>.yaml` files of `dir`. Refused at load: a file
   * for an unknown event, a missing subject or text, an unknown placeholder, an event with no
   * template in the default language.
   */
  static async load(options: { dir?: string; configDir: string; defaultLanguage: string }): Promise<TemplateCatalogue> {
    const sources = new Map<NotificationEventType, Map<string, { source: TemplateSource; where: string }>>();
    for (const [event, byLanguage] of Object.entries(BUILTIN_TEMPLATES) as Array<[NotificationEventType, Record<string, TemplateSource>]>) {
      sources.set(event, new Map(Object.entries(byLanguage).map(([lang, source]) => [lang, { source, where: `built-in template ${event}.${lang}` }])));
    }
    if (options.dir) {
      const dir = isAbsolute(options.dir) ? options.dir : resolve(options.configDir, options.dir);
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (err) {
        throw new TemplateError(`notifications.templatesDir: cannot read ${dir} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      for (const name of names.sort()) {
        const m = FILE.exec(name);
        if (!m) continue;
        const event = m[1] as NotificationEventType;
        const where = `notifications.templatesDir: ${name}`;
        if (!(event in NOTIFICATION_EVENTS)) throw new TemplateError(`${where}: no event '${m[1]}'; events: ${Object.keys(NOTIFICATION_EVENTS).join(', ')}`);
        let source: unknown;
        try {
          source = parseYaml(await readFile(join(dir, name), 'utf8'));
        } catch (err) {
          throw new TemplateError(`${where}: not YAML (${(err as Error).message.split('\n')[0]})`);
        }
        if (!source || typeof source !== 'object') throw new TemplateError(`${where}: must be a mapping with subject, text and html`);
        const extra = Object.keys(source).find((k) => !['subject', 'text', 'html'].includes(k));
        if (extra) throw new TemplateError(`${where}: unknown field '${extra}' (subject, text, html)`);
        sources.get(event)!.set(m[2]!, { source: source as TemplateSource, where });
      }
    }
    const compiled = new Map<NotificationEventType, Map<string, CompiledTemplate>>();
    for (const [event, byLanguage] of sources) {
      const known = new Set<string>([...COMMON_PLACEHOLDERS, ...NOTIFICATION_EVENTS[event]]);
      const out = new Map<string, CompiledTemplate>();
      for (const [lang, { source, where }] of byLanguage) out.set(lang, compileTemplate(source, known, where, lang));
      if (!out.has(options.defaultLanguage)) throw new TemplateError(`notifications.defaultLanguage: event ${event} has no template in '${options.defaultLanguage}'; add ${event}.${options.defaultLanguage}.yaml to the templates folder`);
      compiled.set(event, out);
    }
    return new TemplateCatalogue(compiled, options.defaultLanguage);
  }

  /** The template in the user's language, else in the default language. */
  pick(event: NotificationEventType, language: string | undefined): CompiledTemplate {
    const byLanguage = this.#templates.get(event)!;
    const lang = language?.slice(0, 2).toLowerCase();
    return (lang ? byLanguage.get(lang) : undefined) ?? byLanguage.get(this.#defaultLanguage)!;
  }
}
