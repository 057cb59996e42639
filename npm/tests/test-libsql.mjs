// The installed theater-sqlite package with libsql (clients/node's install).
import Database from 'libsql';
import { packageTests } from './package-tests.mjs';

packageTests('libsql', Database);
