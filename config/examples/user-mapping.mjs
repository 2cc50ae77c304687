// A user mapping module for Portcullis (`userMapping.module`): called after every login with
// the user the authenticator vouched for (after the configured rules). Answer changes to
// merge, `null` to refuse, `{ fallback: true }` for the configured fallback user, or
// nothing to keep the user as it is.
export function mapUser(user) {
  // kiosk accounts are mapped to the shared guest identity
  if (user.roles.includes('kiosk')) return { fallback: true };
  if (user.loginId.startsWith('disabled-')) return null;
  // everyone else gets a default language when their directory has none
  return { attributes: { language: 'en', ...user.attributes } };
}
