// The Node.js recipe (clients/README.md, "Node.js"), shared by the libsql and
// better-sqlite3 tests: both packages have the same API. Each test file runs
// in its own process (node --test), because one process must not load the
// extension into two different SQLite libraries (see clients/README.md).
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// What sql/demo_data.sql gives for Hamlet (role 1): auditions 1-3, 3 and 2 hired.
const HAMLET_AUDITIONS = [
  { id: 1, actor: 'Sam Waterston', hired: 0 },
  { id: 2, actor: 'Kevin Kline', hired: 1 },
  { id: 3, actor: 'Ethan Hawke', hired: 1 },
];

export function recipeTests(name, Database) {
  // The recipe's paths are relative to the repository's root.
  process.chdir(fileURLToPath(new URL('../..', import.meta.url)));
  const tmp = mkdtempSync(join(tmpdir(), `theater-${name}-`));
  test.after(() => rmSync(tmp, { recursive: true, force: true }));

  test(`${name}: loadExtension, role_lead and role_auditions`, () => {
    const path = join(tmp, 'casting.db');
    // --- recipe ---
    const db = new Database(path);
    db.loadExtension('./build/theater');
    db.exec(readFileSync('sql/demo_data.sql', 'utf8'));

    const lead = db.prepare('SELECT role_lead(1) AS lead').get().lead;
    const auditions = db.prepare('SELECT id, actor, hired FROM role_auditions(?)').all(1);
    // --- end of recipe ---

    assert.equal(lead, 2);
    assert.deepEqual(
      auditions.map(({ id, actor, hired }) => ({ id, actor, hired })),
      HAMLET_AUDITIONS,
    );
    assert.equal(auditions.length, 3);
    assert.equal(
      db.prepare('SELECT role_lead(3) AS lead').get().lead,
      'no actor has been hired for this role',
    );
    db.close();
  });

  test(`${name}: without loadExtension role_lead is unknown`, () => {
    const db = new Database(join(tmp, 'casting.db'));
    assert.throws(() => db.prepare('SELECT role_lead(1)').get(), /no such function: role_lead/);
    db.close();
  });
}
