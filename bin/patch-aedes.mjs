#!/usr/bin/env node
// npm's postinstall: applies Sluice's fixes to the installed aedes packages (lib/broker/aedes-patches.ts).
import { register } from 'tsx/esm/api';

register();
const { applyAedesFixes } = await import('../lib/broker/aedes-patches.ts');
applyAedesFixes((line) => console.log(line));
