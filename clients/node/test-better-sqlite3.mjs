// Recipe test: Node.js through the npm package better-sqlite3 (compiled from
// source by node-gyp at npm ci; see scripts/test-clients.sh).
import Database from 'better-sqlite3';
import { recipeTests } from './recipe.mjs';

recipeTests('better-sqlite3', Database);
