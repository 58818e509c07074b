#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, so `npx sluice` works in a checkout without a build.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
