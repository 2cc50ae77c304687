import type { GatewayContext } from '../context.js';
import type { PortalDirectory, Portal } from '../http/portal-access.js';
import { subjectOfUser } from '../http/route-decision.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { escapeHtml } from '../pages/escape.js';
import { displayNameOf } from '../pages/pages.js';
import type { AccountSection } from './section.js';

const METHODS: Record<string, string> = { pwd: 'password', ldap: 'directory password', saml: 'SAML identity provider', oidc: 'OpenID Connect provider', header: 'trusted proxy header', basic: 'HTTP Basic', mtls: 'client certificate', mfa: 'multi-factor' };
const LEVELS: Record<string, string> = { 'auth.weak': 'weak (a password or equivalent)', 'auth.strong': 'strong (a certificate, or an identity provider that says so)' };

/** How the user logged in, in words: `password, via local`. */
export function methodOf(user: AuthenticatedUser): string {
  const methods = user.amr.map((m) => METHODS[m] ?? m).join(', ') || 'unknown';
  return `${methods}, via ${user.authenticator}`;
}

/** The portal list as HTML: links to the routes the user may open. */
export function portalListHtml(portals: readonly Portal[]): string {
  if (portals.length === 0) return '<p class="muted">There is no portal you may open.</p>';
  const items = portals.map((p) => `<li><a href="${escapeHtml(p.href)}">${escapeHtml(p.name)}</a> <span class="muted">${escapeHtml(p.href)}${p.stepUp ? ' · asks for a stronger login first' : ''}</span></li>`);
  return `<ul class="portals">${items.join('')}</ul>`;
}

/** "Who I am": the account's identity as the gateway knows it now, and the portals it may open. */
export function whoAmISection(gw: GatewayContext, portals: PortalDirectory): AccountSection {
  return {
    id: 'who',
    title: 'Who you are',
    order: 100,
    async render({ request, session }) {
      const user = session.record.user;
      const list = await portals.openTo(request, subjectOfUser(user), gw.clientAddress(request));
      const row = (term: string, value: string, id: string) => `<dt>${term}</dt><dd id="who-${id}">${value}</dd>`;
      const words = (items: readonly string[], none: string) => (items.length ? items.map(escapeHtml).join(', ') : `<span class="muted">${none}</span>`);
      return `<dl>
${row('Name', escapeHtml(displayNameOf(user)), 'name')}
${row('Login', escapeHtml(user.loginId), 'login')}
${user.attributes.email ? row('E-mail', escapeHtml(user.attributes.email), 'email') : ''}
${row('Roles', words(user.roles, 'none'), 'roles')}
${row('Groups', words(user.groups, 'none'), 'groups')}
${row('Authentication level', escapeHtml(LEVELS[user.level] ?? user.level), 'level')}
${row('Logged in with', escapeHtml(methodOf(user)), 'method')}
</dl>
<h3>Your portals</h3>
${portalListHtml(list)}`;
    },
  };
}
