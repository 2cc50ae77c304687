/**
 * The built-in templates: what every page looks like unless the operator's templates folder
 * has a file of the same name. `{{slot}}` is text (escaped), `{{{slot}}}` is HTML the
 * gateway built and escaped itself (templates.ts lists which slot is which).
 */
export const BUILTIN_TEMPLATES = {
  layout: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} · {{productName}}</title>
<style>{{{styles}}}</style></head>
<body><a class="skip" href="#main">Skip to content</a>{{{header}}}<main id="main">{{{body}}}</main></body></html>`,

  login: `<h1>Log in</h1>{{{who}}}{{{error}}}{{{form}}}{{{choices}}}`,

  message: `<h1>{{title}}</h1><p>{{message}}</p>{{{note}}}{{{links}}}`,

  portals: `<h1>Hello, {{name}}</h1>
<p class="muted">Logged in as {{login}} ({{roles}})</p>
{{{portals}}}
<p><a class="button" href="/account">Your account</a> <a class="button alt" href="/logout">Log out</a></p>`,

  account: `<h1>Your account</h1>{{{notice}}}{{{contents}}}{{{sections}}}
<p><a class="button alt" href="/logout">Log out</a></p>`,
} as const;
