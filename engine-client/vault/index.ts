export { createVaultClient, VAULT_CLIENT_DEFAULTS } from './client.js';
export type { VaultClient, VaultClientOptions } from './client.js';
export { substitute, substituteCredentials, credentialKeysIn } from './substitute.js';
