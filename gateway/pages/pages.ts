import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DEFAULTS } from '@portcullis/config/defaults.js';
import { escapeHtml } from './escape.js';
import { LOGO_PATH, styleSheet, type Branding } from './branding.js';
import { builtinTemplates, type TemplateName, type TemplateSet, type TemplateValues } from './templates.js';

/** Who is logged in, as a page header names them. */
export interface PageUser {
  readonly loginId: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface Link {
  readonly href: string;
  readonly text: string;
}

export interface MessageModel {
  readonly title: string;
  readonly message: string;
  readonly note?: string;
  readonly links?: readonly Link[];
  /** the logged-in user, when the page knows them: the header says who it is */
  readonly who?: PageUser;
}

/** What a user is called on a page: first and last name when known, else the login. */
export function displayNameOf(user: PageUser): string {
  const name = [user.attributes?.firstName, user.attributes?.lastName].filter((p) => p && p.trim()).join(' ');
  return name || user.loginId;
}

/**
 * Every page the gateway renders itself goes through here: the operator's templates (or the
 * built-in ones) in the operator's branding. Values are escaped by the templates (text
 * slots); fragments built here escape everything they take from a request or a user.
 */
export class Pages {
  readonly #templates: TemplateSet;
  readonly #branding: Branding;
  readonly #styles: string;

  constructor(templates: TemplateSet, branding: Branding) {
    this.#templates = templates;
    this.#branding = branding;
    this.#styles = styleSheet(branding.colours);
  }

  get branding(): Branding {
    return this.#branding;
  }

  /** A template's own rendering (the page body), for a page put together by its caller. */
  render<N extends TemplateName>(name: N, values: TemplateValues<N>): string {
    return this.#templates[name].render(values);
  }

  /** The frame of every page around an already escaped body. */
  frame(title: string, body: string, who?: PageUser): string {
    const { logo, productName } = this.#branding;
    const mark = logo ? `<img src="${escapeHtml(logo.src)}" alt="${escapeHtml(logo.alt)}">` : '';
    const brand = `<a class="brand" href="/">${mark}<span>${escapeHtml(productName)}</span></a>`;
    const nav = who
      ? `<nav aria-label="Your session"><span>Logged in as <strong>${escapeHtml(displayNameOf(who))}</strong> (${escapeHtml(who.loginId)})</span><a href="/account">Your account</a><a href="/">Portals</a><a href="/logout">Log out</a></nav>`
      : '';
    return this.#templates.layout.render({ title, productName, styles: this.#styles, header: `<header>${brand}${nav}</header>`, body });
  }

  /** A page that tells the user one thing, with links onwards. */
  message(model: MessageModel): string {
    const note = model.note ? `<p class="muted">${escapeHtml(model.note)}</p>` : '';
    const links = model.links?.length ? `<p>${model.links.map((l, i) => `<a class="button${i ? ' alt' : ''}" href="${escapeHtml(l.href)}">${escapeHtml(l.text)}</a>`).join(' ')}</p>` : '';
    return this.frame(model.title, this.render('message', { title: model.title, message: model.message, note, links }), model.who);
  }
}

/** The built-in look: used when a gateway has not registered its own (unit tests, bare apps). */
let fallback: Pages | undefined;
export function builtinPages(): Pages {
  fallback ??= new Pages(builtinTemplates(), { productName: DEFAULTS.pages.productName, colours: { ...DEFAULTS.pages.colours } });
  return fallback;
}

const DECORATOR = 'portcullisPages';

/** Give an app its pages and serve the logo file, if the branding has one. */
export function registerPages(app: FastifyInstance, pages: Pages): void {
  app.decorate(DECORATOR, pages);
  const file = pages.branding.logoFile;
  if (file) {
    app.get(LOGO_PATH, async (_request, reply) => reply.header('cache-control', 'public, max-age=3600').type(file.type).send(file.bytes));
  }
}

/** The pages of the app that serves this request. */
export function pagesOf(request: FastifyRequest): Pages {
  return (request.server as unknown as { [DECORATOR]?: Pages })[DECORATOR] ?? builtinPages();
}
