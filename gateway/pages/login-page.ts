import { escapeHtml, page } from './html.js';

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
}

export function loginPage(model: LoginPageModel): string {
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
  return page('Log in', `<h1>Log in</h1>${error}${form}${choices}`);
}
