/** From verified claims to the engine's caller: identity mapping and role checks. */
export { mapIdentity } from './map.js';
export { mapRoles, hasAnyRole, hasAllRoles } from './roles.js';
export { IDENTITY_DEFAULTS, resolveIdentityMapping } from './options.js';
export type { IdentityMappingOptions, ResolvedIdentityMapping } from './options.js';
export type { Identity } from './types.js';
