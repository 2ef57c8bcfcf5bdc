#!/usr/bin/env node
// `npx optgate …`: the CLI is TypeScript; tsx's loader runs it as is (the repository's scripts do the same).
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
