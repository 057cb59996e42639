/** A database that can load an extension: better-sqlite3's or libsql's Database. */
export interface LoadableDatabase {
  loadExtension(path: string, entryPoint?: string): unknown;
}

/**
 * The absolute path of the extension (theater.so) inside this package, for
 * any SQLite client. Throws an Error on a platform other than linux-x64, or
 * when the file is missing.
 */
export declare function getLoadablePath(): string;

/**
 * Loads the extension into `db` (`db.loadExtension(getLoadablePath())`).
 * Throws a TypeError if `db` has no loadExtension method.
 */
export declare function load(db: LoadableDatabase): void;

