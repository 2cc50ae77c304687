/** The fixed time and names the token vectors were minted with (see generate.ts). */
export const NOW = 1_800_000_000; // 2027-01-15T08:00:00Z
export const ISSUER = 'https://gateway.vectors.test';
export const AUDIENCE = 'vector-engine';
