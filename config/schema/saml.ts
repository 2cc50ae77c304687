import { z } from 'zod';

// Owned by the SAML work (issue 4): identity providers, SP entity id, attributes, SLO.
export const samlAuthenticatorSchema = z.strictObject({
  type: z.literal('saml'),
  name: z.string().min(1).default('saml'),
});
