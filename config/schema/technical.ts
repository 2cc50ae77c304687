import { z } from 'zod';

// Owned by the technical-access work (issue 5): trusted header, HTTP Basic, client certificates.
export const headerAuthenticatorSchema = z.strictObject({
  type: z.literal('header'),
  name: z.string().min(1).default('header'),
});
export const basicAuthenticatorSchema = z.strictObject({
  type: z.literal('basic'),
  name: z.string().min(1).default('basic'),
});
export const mtlsAuthenticatorSchema = z.strictObject({
  type: z.literal('mtls'),
  name: z.string().min(1).default('mtls'),
});
