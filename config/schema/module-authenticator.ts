import { z } from 'zod';

/**
 * An operator's own authenticator: a module whose export builds a password, request or
 * routed authenticator (see docs/authenticators.md for the interface).
 *
 * ```yaml
 * - type: module
 *   name: pin-login
 *   module: ./pin-authenticator.mjs#createAuthenticator
 *   options: { pinsFile: ./pins.json }
 * ```
 */
export const moduleAuthenticatorSchema = z.strictObject({
  type: z.literal('module'),
  name: z.string().min(1),
  /** `./file.mjs#export` (the default export without `#`), relative to the configuration file */
  module: z.string().min(1),
  /** handed to the module's factory as they are */
  options: z.record(z.string(), z.unknown()).default({}),
});
export type ModuleAuthenticatorConfig = z.infer<typeof moduleAuthenticatorSchema>;
