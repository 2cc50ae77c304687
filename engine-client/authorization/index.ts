/**
 * Authorization for engines: decide an operation on a resource for the verified identity.
 * Framework-free here; the fastify plugin and preHandler live in ./fastify.js.
 * Policies are loaded with `loadPolicyDocuments` from portcullis/policies (or ./policy-files.js).
 */
export { createAuthorizer, authorize, subjectOf, type Authorizer, type AuthorizationIdentity } from './authorize.js';
export * from './errors.js';
// loadPolicyFiles needs yaml and zod: it is the optional `@portcullis/engine-client/policy-files` subpath
export type { InstanceLookup, ProcessInstanceRecord, TaskRecord } from './instance-routes.js';
