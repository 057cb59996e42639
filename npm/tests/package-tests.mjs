// Tests of the installed theater-sqlite package with one SQLite library,
// shared by test-better-sqlite3.mjs and test-libsql.mjs. npm/test.sh copies
// these files into a temporary project that installed the package from its
// npm pack tarball, so 'theater-sqlite' below is the installed package, not
// npm/ in the repository. Each test file runs in its own process (node
// --test): one process must not load the extension into two different
// SQLite libraries (clients/README.md, "Node.js").
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLoadablePath, load } from 'theater-sqlite';

const require = createRequire(import.meta.url);
const { version } = require('theater-sqlite/package.json');

// role_casting on sql/demo_data.sql: a lead and an understudy, a lead only,
// nobody hired, three hired (the first two count), no auditions.
export const CASTING = [
  { role_id: 1, character_name: 'Hamlet', lead: 2, lead_actor: 'Kevin Kline', understudy: 3, understudy_actor: 'Ethan Hawke' },
  { role_id: 2, character_name: 'Ophelia', lead: 5, lead_actor: 'Kate Winslet', understudy: null, understudy_actor: null },
  { role_id: 3, character_name: 'Ghost', lead: null, lead_actor: null, understudy: null, understudy_actor: null },
  { role_id: 4, character_name: 'Gertrude', lead: 9, lead_actor: 'Glenn Close', understudy: 10, understudy_actor: 'Julie Christie' },
  { role_id: 5, character_name: 'Yorick', lead: null, lead_actor: null, understudy: null, understudy_actor: null },
];

// The row's own columns (libsql adds a _metadata property to each row).
const plain = (row) => Object.fromEntries(Object.keys(CASTING[0]).map((k) => [k, row[k]]));

export function packageTests(name, Database) {
  const repo = process.env.THEATER_REPO;
  assert.ok(repo, 'run these tests with bash npm/test.sh (THEATER_REPO is the repository)');
  // The recipe's paths are relative to the repository's root; its
  // casting.db goes to a temporary directory that links the repository's sql/.
  const tmp = mkdtempSync(join(tmpdir(), `theater-npm-${name}-`));
  symlinkSync(join(repo, 'sql'), join(tmp, 'sql'));
  process.chdir(tmp);
  test.after(() => rmSync(tmp, { recursive: true, force: true }));

  test(`${name}: load(db), role_lead and role_casting on the demo data`, () => {
    // --- recipe ---
    const db = new Database('casting.db');
    load(db);
    db.exec(readFileSync('sql/demo_data.sql', 'utf8'));

    const lead = db.prepare('SELECT role_lead(1) AS lead').get().lead;   // 2
    const casting = db.prepare('SELECT * FROM role_casting').all();     // one row per role
    // --- end of recipe ---

    assert.equal(lead, 2);
    assert.deepEqual(casting.map(plain), CASTING);
    assert.equal(db.prepare('SELECT theater_version() AS v').get().v, version);
    db.close();
  });

  test(`${name}: a new connection needs load(db) again; loading twice is harmless`, () => {
    const db = new Database('casting.db');
    assert.throws(() => db.prepare('SELECT role_lead(1)').get(), /no such function: role_lead/);
    load(db);
    load(db);
    assert.equal(db.prepare('SELECT role_lead(3) AS lead').get().lead, 'no actor has been hired for this role');
    db.close();
  });

  test(`${name}: getLoadablePath() is what loadExtension takes`, () => {
    const db = new Database(':memory:');
    db.loadExtension(getLoadablePath());
    assert.equal(db.prepare('SELECT theater_schema_version() AS v').get().v, 0);
    db.close();
  });
}
