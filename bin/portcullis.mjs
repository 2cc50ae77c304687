#!/usr/bin/env node
// `npx portcullis` from a checkout: the compiled gateway (`npm run build`, run by `npm install`).
await import('../gateway/dist/cli/main.js');
