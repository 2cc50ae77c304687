export { createRestGuard, type RestGuard, type RestGuardOptions, type RestGuardInput } from './guard.js';
export { identityOf, type GuardIdentity } from './identity.js';
