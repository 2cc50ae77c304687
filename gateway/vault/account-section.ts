import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AccountSection, AccountView } from '../account/section.js';
import type { GatewayContext } from '../context.js';
import { GatewayError } from '../errors.js';
import { escapeHtml } from '../pages/html.js';
import type { Vault } from './vault.js';
import { checkSessionCsrf } from './vault-caller.js';

/**
 * "My credentials" on /account: the names a user stored and when, a form to add or replace a
 * value and a button to remove one. Plain forms (no JavaScript); a value is never put back on
 * the page, and the value field is a password field that the browser is asked not to fill.
 */
export function credentialsAccountSection(gw: GatewayContext, vault: Vault): AccountSection {
  // the account page and the server may both ask a section to register: once per app
  const registered = new WeakSet<FastifyInstance>();
  return {
    id: 'credentials',
    title: 'My credentials',
    order: 300,
    async render(view: AccountView): Promise<string> {
      const user = view.session.record.user.loginId;
      const credentials = await vault.list(user, { actor: user, via: 'browser', requestId: view.request.id });
      const csrf = escapeHtml(view.csrf);
      const rows = credentials
        .map(
          (c) => `<tr><td><code>${escapeHtml(c.key)}</code></td><td><time datetime="${escapeHtml(c.updatedAt)}">${escapeHtml(c.updatedAt.replace('T', ' ').slice(0, 16))} UTC</time></td>
<td><form method="post" action="/account/credentials/remove"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="key" value="${escapeHtml(c.key)}"><button type="submit" class="alt" aria-label="Remove ${escapeHtml(c.key)}">Remove</button></form></td></tr>`,
        )
        .join('\n');
      const list = credentials.length
        ? `<table><caption>Stored credentials (values are never shown)</caption><thead><tr><th scope="col">Name</th><th scope="col">Last set</th><th scope="col"><span class="muted">Action</span></th></tr></thead><tbody>${rows}</tbody></table>`
        : '<p class="muted">You have not stored any credentials yet.</p>';
      const max = vault.limits;
      return `${list}
<form method="post" action="/account/credentials/set" autocomplete="off">
<input type="hidden" name="csrf" value="${csrf}">
<label for="credential-key">Name</label>
<input type="text" id="credential-key" name="key" required maxlength="${max.keyMaxLength}" pattern="[A-Za-z][A-Za-z0-9_]*" aria-describedby="credential-key-help" autocomplete="off" spellcheck="false">
<p id="credential-key-help" class="muted">Letters, digits and _, starting with a letter (at most ${max.keyMaxLength}). A name you already use is replaced.</p>
<label for="credential-value">Value</label>
<input type="password" id="credential-value" name="value" required autocomplete="new-password" aria-describedby="credential-value-help">
<p id="credential-value-help" class="muted">Stored encrypted; it is never shown again, not even to you.</p>
<button type="submit">Save credential</button>
</form>`;
    },
    register(app: FastifyInstance) {
      if (registered.has(app)) return;
      registered.add(app);
      const back = (reply: FastifyReply, notice: string) => reply.redirect(`/account?notice=${encodeURIComponent(notice)}#credentials`, 303);
      const post = (path: string, action: (user: string, form: Record<string, unknown>, requestId: string) => Promise<string>) =>
        app.post<{ Body: Record<string, unknown> }>(path, async (request, reply) => {
          const session = await gw.sessions.load(request);
          if (!session) return reply.redirect(`/login?returnTo=${encodeURIComponent('/account#credentials')}`, 303);
          const form = request.body && typeof request.body === 'object' ? request.body : {};
          checkSessionCsrf(session, form.csrf);
          try {
            return back(reply, await action(session.record.user.loginId, form, request.id));
          } catch (err) {
            // a rejected form goes back to the page with what was wrong (the field, never the value)
            if (err instanceof GatewayError && err.statusCode === 400) return back(reply, err.message);
            throw err;
          }
        });
      post('/account/credentials/set', async (user, form, requestId) => {
        const { replaced } = await vault.set(user, form.key as string, form.value as string, { actor: user, via: 'browser', requestId });
        return `${replaced ? 'Replaced' : 'Saved'} the credential ${String(form.key)}.`;
      });
      post('/account/credentials/remove', async (user, form, requestId) => {
        const removed = await vault.remove(user, form.key as string, { actor: user, via: 'browser', requestId });
        return removed ? `Removed the credential ${String(form.key)}.` : `There was no credential ${String(form.key)}.`;
      });
    },
  };
}
