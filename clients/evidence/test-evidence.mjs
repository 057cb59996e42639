// Evidence's SQLite connector reads the theater's plain views the way
// Evidence itself does (runQuery, read-only, its own SQLite: node-sqlite3
// bundles one), on a connection that cannot load an extension. The
// expected rows are what the extension's functions answer on the same
// database (test.sh writes them with the sqlite3 shell).
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// --- recipe ---
const runQuery = require('@evidence-dev/sqlite');
const sheet = await runQuery('SELECT * FROM casting_sheet', { filename: process.env.THEATER_DB });
// --- end of recipe ---

const database = { filename: process.env.THEATER_DB };
const expected = JSON.parse(readFileSync(process.env.THEATER_EXPECTED, 'utf8'));

async function rowsOf(result) {
  const rows = [];
  for await (const batch of result.rows()) rows.push(...batch);
  return rows;
}
const read = async (sql) => rowsOf(await runQuery(sql, database));

test('casting_sheet gives role_casting\'s rows', async () => {
  assert.deepEqual(await rowsOf(sheet), expected.casting);
  assert.deepEqual(
    sheet.columnTypes.map((c) => c.name),
    ['role_id', 'character_name', 'lead', 'lead_actor', 'understudy', 'understudy_actor'],
  );
});

test('role_actors_view gives role_actors\' rows, filtered by role too', async () => {
  assert.deepEqual(await read('SELECT role_id, actor FROM role_actors_view'), expected.actors);
  assert.deepEqual(
    await read('SELECT role_id, actor FROM role_actors_view WHERE role_id = 1'),
    expected.actors.filter((row) => row.role_id === 1),
  );
});

test('a declared relationship\'s view gives its function\'s rows', async () => {
  assert.deepEqual(await read('SELECT role_id, id, actor FROM hires_view'), expected.hires);
});

test('the connector cannot use the extension: role_lead is no function there', async () => {
  await assert.rejects(read('SELECT role_lead(1) AS lead FROM roles'), /no such function: role_lead/);
});
