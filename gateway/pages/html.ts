import { builtinPages } from './pages.js';

export { escapeHtml } from './escape.js';

/**
 * The frame of a page around an already escaped `body`, in the built-in look. Code that
 * answers a request renders with `pagesOf(request).frame(...)` instead, so the operator's
 * branding and templates apply.
 */
export function page(title: string, body: string): string {
  return builtinPages().frame(title, body);
}
