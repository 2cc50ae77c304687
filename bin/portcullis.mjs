#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npx portcullis` works from a checkout.
import { register } from 'tsx/esm/api';
register();
await import('../gateway/cli/main.ts');
