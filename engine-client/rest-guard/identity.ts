/**
 * The least the access parts need to know about a verified caller. The engine-client plugin's
 * identity (from a token) and a technical user's identity (from a certificate) both fit.
 */
export interface GuardIdentity {
  userId: string;
  roles: readonly string[];
}

/** Reads `request.identity` as the engine-client plugin (or the technical-user hook) sets it. */
export function identityOf(request: object): GuardIdentity | undefined {
  const identity = (request as { identity?: unknown }).identity;
  if (!identity || typeof identity !== 'object') return undefined;
  const { userId, roles } = identity as Partial<GuardIdentity>;
  if (typeof userId !== 'string' || userId === '' || !Array.isArray(roles)) return undefined;
  return identity as GuardIdentity;
}
