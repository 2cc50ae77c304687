import { escapeHtml } from './escape.js';
import { displayNameOf, type PageUser, type Pages } from './pages.js';

export interface LoginPageModel {
  csrf: string;
  returnTo: string;
  /** shown above the form, already phrased for the user */
  error?: string;
  username?: string;
  /** password authenticators exist: show the form */
  showForm: boolean;
  /** buttons for redirecting authenticators (SAML identity providers) */
  choices: Array<{ label: string; url: string }>;
  /** someone is logged in already: the page says who, and leads to their account and portals */
  who?: PageUser;
}

export function loginPage(pages: Pages, model: LoginPageModel): string {
  const who = model.who
    ? `<p class="notice" role="status">You are logged in as <strong>${escapeHtml(displayNameOf(model.who))}</strong> (${escapeHtml(model.who.loginId)}). <a href="/account">Your account</a> · <a href="/">Your portals</a>. Logging in again replaces this session.</p>`
    : '';
  const error = model.error ? `<p class="error" role="alert">${escapeHtml(model.error)}</p>` : '';
  const form = model.showForm
    ? `<form method="post" action="/login" autocomplete="on">
<input type="hidden" name="csrf" value="${escapeHtml(model.csrf)}">
<input type="hidden" name="returnTo" value="${escapeHtml(model.returnTo)}">
<label for="username">User name</label>
<input type="text" id="username" name="username" value="${escapeHtml(model.username ?? '')}" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">Log in</button>
</form>`
    : '';
  const choices = model.choices.length
    ? `${model.showForm ? '<hr>' : ''}${model.choices
        .map((c) => `<p><a class="button alt" href="${escapeHtml(c.url)}">${escapeHtml(c.label)}</a></p>`)
        .join('\n')}`
    : '';
  return pages.frame('Log in', pages.render('login', { who, error, form, choices }), model.who);
}
