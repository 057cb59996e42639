// The installed theater-sqlite package with better-sqlite3 (clients/node's
// install, compiled from source there; see npm/test.sh).
import Database from 'better-sqlite3';
import { packageTests } from './package-tests.mjs';

packageTests('better-sqlite3', Database);
