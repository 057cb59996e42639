// What a Node program sees of theater through libSQL's npm packages. Called by
// deploy/tests/test_libsql_client.py; prints one JSON line:
//   {"ok": true, "value": ...}  or  {"ok": false, "code": ..., "message": ...}
//
//   node client.mjs query URL SQL                  rows of SQL, as arrays
//   node client.mjs transaction-call-back URL ID   call_back(ID) in transaction("write")
//   node client.mjs batch-call-back URL ID         call_back(ID) in batch([...], "write")
//   node client.mjs embedded-replica SYNC_URL FILE EXTENSION
//        an embedded replica (libsql's Database with syncUrl): sync, then load the extension
//   node client.mjs local-file FILE EXTENSION      a plain local libsql Database: load the extension
import { createClient } from "@libsql/client";
import Database from "libsql";

async function withClient(url, use) {
  const client = createClient({ url });
  try {
    return await use(client);
  } finally {
    client.close();
  }
}

const actions = {
  query: (url, sql) =>
    withClient(url, async (client) => (await client.execute(sql)).rows.map((row) => Array.from(row))),

  "transaction-call-back": (url, id) =>
    withClient(url, async (client) => {
      const tx = await client.transaction("write");
      try {
        const rs = await tx.execute({ sql: "SELECT call_back(?) AS done", args: [Number(id)] });
        await tx.commit();
        return rs.rows[0].done;
      } finally {
        tx.close();
      }
    }),

  "batch-call-back": (url, id) =>
    withClient(url, async (client) => {
      const [rs] = await client.batch([{ sql: "SELECT call_back(?) AS done", args: [Number(id)] }], "write");
      return rs.rows[0].done;
    }),

  "embedded-replica": (syncUrl, file, extension) => {
    const db = new Database(file, { syncUrl });
    try {
      db.sync();
      const roles = db.prepare("SELECT count(*) AS n FROM roles").get().n;
      try {
        db.loadExtension(extension);
        return { synced_roles: roles, loaded: true };
      } catch (e) {
        return { synced_roles: roles, loaded: false, code: e.code ?? null, message: String(e.message) };
      }
    } finally {
      db.close();
    }
  },

  "local-file": (file, extension) => {
    const db = new Database(file);
    try {
      db.loadExtension(extension);
      return db.prepare("SELECT theater_version() AS v").get().v;
    } finally {
      db.close();
    }
  },
};

const [action, ...args] = process.argv.slice(2);
try {
  if (!(action in actions)) throw new Error(`unknown action ${action}`);
  const value = await actions[action](...args);
  console.log(JSON.stringify({ ok: true, value }, (_, v) => (typeof v === "bigint" ? Number(v) : v)));
} catch (e) {
  console.log(JSON.stringify({ ok: false, code: e.code ?? null, message: String(e.message ?? e) }));
}
