// Recipe test: Node.js through the npm package libsql (its native binary comes
// inside the registry package @libsql/<platform>).
import Database from 'libsql';
import { recipeTests } from './recipe.mjs';

recipeTests('libsql', Database);
