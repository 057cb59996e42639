'use strict';
// The theater SQLite extension, packaged for Node.js the way sqlite-vec's
// npm package is: getLoadablePath() is the extension inside this package,
// load(db) loads it into a better-sqlite3 or libsql Database.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

// The one platform this package carries a build for (package.json's os/cpu).
const PLATFORM = 'linux';
const ARCH = 'x64';

/** The absolute path of the extension (theater.so) inside this package. */
function getLoadablePath() {
  if (process.platform !== PLATFORM || process.arch !== ARCH) {
    throw new Error(
      `theater-sqlite: this package carries the extension for ${PLATFORM}-${ARCH} only, ` +
        `not ${process.platform}-${process.arch}; build the extension from source with CMake and load that file with db.loadExtension(path)`,
    );
  }
  const file = join(__dirname, 'theater.so');
  if (!existsSync(file)) {
    throw new Error(`theater-sqlite: ${file} is missing: this package was installed without its extension`);
  }
  return file;
}

/**
 * Loads the extension into `db`, a Database of better-sqlite3 or libsql (any
 * object with their synchronous loadExtension(path) method).
 */
function load(db) {
  if (db == null || typeof db.loadExtension !== 'function') {
    const got =
      db == null ? String(db)
      : typeof db === 'object' || typeof db === 'function' ? `${db.constructor?.name || 'an object'} without it`
      : `a ${typeof db}`;
    throw new TypeError(
      'theater-sqlite: load(db) needs a database with a loadExtension(path) method, ' +
        `such as a better-sqlite3 or libsql Database; got ${got}`,
    );
  }
  db.loadExtension(getLoadablePath());
}

module.exports = { getLoadablePath, load };
