import { escapeHtml, page } from './html.js';

/** A page that tells the user one thing, with an optional link onwards. */
export function messagePage(title: string, message: string, link?: { href: string; text: string }, note?: string): string {
  const onwards = link ? `<p><a class="button" href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>` : '';
  const small = note ? `<p class="muted">${escapeHtml(note)}</p>` : '';
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${small}${onwards}`);
}
