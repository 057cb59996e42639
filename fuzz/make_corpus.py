#!/usr/bin/env python3
"""Writes the seed corpus fuzz/corpus/ for fuzz/theater_fuzz.cpp.

Each seed is a short program in the fuzzer's input format: a setup byte, then
ops with their operands (see the top of theater_fuzz.cpp). Op codes and menu
indices are not copied here: they are read from the built fuzzer
(THEATER_FUZZ_MENUS=1), and menu entries are named by a piece of their SQL, so
the seeds follow the harness when its menus change.

    bash fuzz/build.sh && python3 fuzz/make_corpus.py

The output is deterministic: the same harness gives the same files.
"""
import hashlib
import os
import pathlib
import shutil
import struct
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
FUZZER = pathlib.Path(os.environ.get("THEATER_FUZZER", ROOT / "build-fuzz" / "theater_fuzz"))
OUT = HERE / "corpus"

# Setup byte bits (theater_fuzz.cpp, enum Setup).
MIGRATE, SEED, SECOND_CONN, VERSION1, PLAIN_MEMORY, NO_FINAL_CHECK = 1, 2, 4, 8, 16, 32
SEEDED = MIGRATE | SEED


def load_menus():
    if not FUZZER.exists():
        sys.exit(f"{FUZZER} is missing: run bash fuzz/build.sh first")
    text = subprocess.run([str(FUZZER)], env={**os.environ, "THEATER_FUZZ_MENUS": "1"},
                          capture_output=True, text=True, check=True).stdout
    ops, menus = {}, {}
    for line in text.splitlines():
        kind, index, *rest = line.split("\t")
        if kind == "op":
            ops[rest[0]] = int(index)
        elif rest:
            menus.setdefault(kind, []).append(rest[0])
    return ops, menus


OPS, MENUS = load_menus()
PICK_ERRORS = []


def pick(menu, piece):
    """Index of the one entry of `menu` whose SQL contains `piece`."""
    found = [i for i, sql in enumerate(MENUS[menu]) if piece in sql]
    exact = [i for i in found if MENUS[menu][i] == piece]
    if exact:
        return exact[0]
    if len(found) != 1:
        PICK_ERRORS.append(f"{menu} menu: {len(found)} entries contain {piece!r}")
        return 0
    return found[0]


def slot_index(kind, piece):
    """Index into the slot menu: reads, then oracles, then writes."""
    base = {"read": 0, "oracle": len(MENUS["read"]),
            "write": len(MENUS["read"]) + len(MENUS["oracle"])}[kind]
    return base + pick(kind, piece)


# ---- values (theater_fuzz.cpp, bind_values) ----
def NULL():
    return [0]


def ID(n):  # 0..11
    return [1, n % 12]


def I8(v):
    return [4, v & 0xFF]


def I64(v):
    return [5] + list(struct.pack("<q", v))


def SPECIAL_INT(i):
    return [6, i]


def REAL(x):
    return [7] + list(struct.pack("<d", x))


def SPECIAL_REAL(i):
    return [8, i]


def TEXT(s):
    b = s.encode() if isinstance(s, str) else s
    assert len(b) < 32
    return [9, len(b)] + list(b)


def SPECIAL_TEXT(i):
    return [10, i]


def BLOB(b):
    assert len(b) < 16
    return [11, len(b)] + list(b)


def BIG(k):  # (k % 64 + 1) * 4 KiB of text (1 MiB when k % 64 == 63); bit 6: zeroblob; bit 7: starts with "7"
    return [12, k]


def ID_FORM(n, form, real=False):  # forms: %d, ' %d ', %d.0, %de0, %d.5, 0%d, '%d ', +%d
    return [13, (n % 12) + 12 * form + (96 if real else 0)]


def BLOB_ID(n):
    return [14, n]


def EXTREME(top, off):
    return [15, 1 if top else 0, off]


# ---- ops ----
def op(name, *operands):
    out = [OPS[name]]
    for o in operands:
        out += o if isinstance(o, list) else [o]
    return out


def read(piece, *values):
    return op("read", pick("read", piece), *values)


def write(piece, *values):
    return op("write", pick("write", piece), *values)


def oracle(piece, *values):
    return op("oracle", pick("oracle", piece), *values)


def scalar(piece, *values):
    return op("scalar", pick("scalar", piece), *values)


def txn(sql):
    return op("txn", pick("txn", sql))


def schema(piece):
    return op("schema", pick("schema", piece))


def migrate(target):  # -1..4, or None for theater_migrate()
    return op("migrate", 6 if target is None else target + 1)


def slot_open(slot, kind, piece, *values):
    return op("slot_open", slot, slot_index(kind, piece), *values)


def slot_step(slot, n):  # 1..8
    return op("slot_step", slot, n - 1)


def slot_end(slot, how, *values):  # 0 reset, 1 finalize, 2 rebind
    return op("slot_end", slot, how, *values)


def simple(name):
    return op(name)


def interrupt(count):
    return op("interrupt", count)


def limit(which, value):
    return op("limit", which, value)


def oom(n):
    return op("oom", n & 0xFF, n >> 8)


LEAD_ALL = "SELECT r.id, role_lead(r.id), COALESCE((SELECT id FROM main.auditions WHERE role_id = r.id AND hired = 1 ORDER BY id LIMIT 1), 'no actor has been hired for this role'), role_understudy(r.id)"
CHECK = simple("check")


def seeds():
    s = {}
    # Lifecycle of migrations, known and unknown targets.
    s["migrate-up-down"] = [0] + migrate(None) + migrate(0) + migrate(1) + migrate(2) + migrate(-1) + migrate(4) \
        + migrate(0) + migrate(None) + CHECK
    s["migrate-version1"] = [MIGRATE | VERSION1] + migrate(2) + migrate(1) + read("SELECT * FROM theater_migration_status") \
        + scalar("theater_schema_version")
    s["migrate-bad-args"] = [0] + write("SELECT theater_migrate(?1)", SPECIAL_TEXT(4)) \
        + write("SELECT theater_migrate(?1)", SPECIAL_REAL(1)) + write("SELECT theater_migrate(?1)", NULL()) \
        + write("SELECT theater_migrate(?1)", BLOB(b"2")) + write("SELECT theater_migrate(?1)", ID_FORM(2, 3)) \
        + read("SELECT * FROM theater_migration_status")
    s["not-migrated"] = [PLAIN_MEMORY] + scalar("call_back", ID(1)) + scalar("role_lead", ID(1)) \
        + read("SELECT * FROM role_casting(?1)", ID(1)) + read("SELECT * FROM role_casting") \
        + read("SELECT *, role_id FROM role_auditions") + read("audition_role(?1)", ID(1)) + CHECK
    s["migrate-inside-statements"] = [SEEDED] + write("SELECT theater_migrate(?1) FROM roles", ID(0)) \
        + write("SELECT theater_migrate(0), theater_migrate()") \
        + write("SELECT * FROM theater_migration_status, (SELECT theater_migrate(?1))", ID(1)) \
        + write("SELECT theater_migrate(?1), * FROM role_casting", ID(0)) + CHECK
    # Every read, on seeded data.
    reads = MENUS["read"]
    for start in range(0, len(reads), 8):
        prog = [SEEDED]
        for i in range(start, min(start + 8, len(reads))):
            prog += op("read", i) + ID(1 + i % 6) + ID(2) + ID(5)
        s[f"reads-{start // 8:02d}"] = prog
    # Every oracle, on seeded data.
    for i in range(len(MENUS["oracle"])):
        s[f"oracle-{i:02d}"] = [SEEDED] + op("oracle", i) + ID(2 + i % 3) + ID(1) + ID(5)
    # Writes of every kind, then the checks.
    s["insert-roles"] = [MIGRATE] + write("INSERT INTO roles(id, character_name) VALUES (?1, ?2)", ID(1), TEXT("Lear")) \
        + write("INSERT OR REPLACE INTO roles(id", ID(1), TEXT("Cordelia")) \
        + write("INSERT OR IGNORE INTO roles(id, character_name) VALUES", I64(-5), BLOB(b"\x00\x01")) \
        + write("ON CONFLICT(id) DO UPDATE", ID(1), SPECIAL_INT(5)) + write("REPLACE INTO roles VALUES", EXTREME(True, 0), REAL(2.5)) \
        + write("INSERT INTO roles(character_name) VALUES (?1)", TEXT("Fool")) + CHECK
    s["insert-auditions"] = [SEEDED] \
        + write("INSERT INTO auditions(id, actor, location, phone, hired, role_id)", ID(11), TEXT("Zed"), TEXT("Bern"), NULL(), ID(1), ID(2)) \
        + write("INSERT INTO auditions(actor, location, phone, role_id)", BLOB(b"ab\x00"), TEXT(""), SPECIAL_INT(5), ID(3)) \
        + write("INSERT INTO auditions(actor, location, hired, role_id)", TEXT("Ann"), TEXT("Oslo"), ID_FORM(2, 1)) \
        + write("INSERT OR REPLACE INTO auditions", ID(2), TEXT("Bo"), TEXT("Rome"), I8(-1), ID(1), ID(1)) \
        + write("INSERT INTO auditions(id, actor, location, phone, hired, role_id)", ID(0), TEXT("x"), TEXT("y"), NULL(), ID(2), ID(9)) \
        + CHECK + oracle(LEAD_ALL + ", COALESCE((SELECT id FROM main.auditions WHERE role_id = r.id AND hired = 1 ORDER BY id LIMIT 1 OFFSET 1), 'no actor has been hired for understudy for this role') FROM main.roles r ORDER BY r.id DESC")
    s["bulk"] = [SEEDED] + write("INSERT OR IGNORE INTO roles(id, character_name) WITH RECURSIVE", ID(10), ID(3)) \
        + write("SELECT 'a' || x, 'l', ?1, x % 2 FROM c", ID(10)) + write("SELECT 'b' || id, 'm', id, ?1 FROM roles", ID(1)) \
        + write("SELECT actor || 'x', location, ?1, hired FROM role_auditions(?2)", ID(1), ID(10)) \
        + op("oracle", 3, ID(7)) + op("oracle", 8, ID(3), ID(11)) + op("oracle", 9, ID(4)) + CHECK
    s["deletes-updates"] = [SEEDED] + write("DELETE FROM roles WHERE id = ?1", ID(1)) \
        + write("DELETE FROM roles WHERE id IN (SELECT role_id FROM role_casting WHERE lead IS NULL)") \
        + write("DELETE FROM auditions WHERE id = ?1", ID(4)) + write("DELETE FROM auditions WHERE id IN (SELECT id FROM role_auditions(?1))", ID(5)) \
        + write("UPDATE auditions SET hired = ?2 WHERE id = ?1", ID(11), ID(1)) + write("UPDATE auditions SET role_id = ?2 WHERE id = ?1", ID(11), ID(3)) \
        + write("UPDATE roles SET id = ?2 WHERE id = ?1", ID(8), ID(9)) + write("UPDATE OR REPLACE roles SET id = ?2 WHERE id = ?1", ID(9), ID(2)) \
        + write("UPDATE auditions SET hired = 1 - hired WHERE id % 3 = ?1", ID(1)) \
        + write("UPDATE auditions SET phone = role_lead(role_id)", ID(2)) \
        + write("UPDATE roles SET character_name = COALESCE") + CHECK
    s["replace-keeps-auditions"] = [SEEDED] + schema("PRAGMA recursive_triggers = OFF") + write("INSERT OR REPLACE INTO roles(id", ID(1), TEXT("Prince")) \
        + CHECK + schema("PRAGMA recursive_triggers = ON") + schema("PRAGMA foreign_keys = ON") \
        + write("REPLACE INTO roles VALUES", ID(5), TEXT("Skull")) + write("UPDATE OR REPLACE roles SET id = ?2 WHERE id = ?1", ID(3), ID(2)) + CHECK
    s["call-back"] = [SEEDED] + scalar("call_back", ID(2)) + scalar("call_back", ID(2)) + scalar("call_back", ID(99 % 12)) \
        + write("SELECT call_back(id) FROM auditions WHERE role_id = ?1", ID(3)) + write("SELECT call_back(id) FROM role_auditions(?1)", ID(1)) \
        + write("SELECT call_back(a.id) FROM role_casting c") + write("SELECT call_back(?1), call_back(?2)", ID(7), ID(0)) \
        + write("SELECT call_back(x.id), x.* FROM audition_role(?1) x", ID(11)) + CHECK
    # The argument rules: every odd value into every function.
    odd = [NULL(), ID(1), I8(-1), SPECIAL_INT(5), SPECIAL_INT(6), SPECIAL_REAL(0), SPECIAL_REAL(1), SPECIAL_REAL(3),
           SPECIAL_REAL(5), TEXT(" 1 "), SPECIAL_TEXT(2), SPECIAL_TEXT(4), SPECIAL_TEXT(5), SPECIAL_TEXT(10), BLOB(b"1"),
           BLOB(b""), ID_FORM(1, 1), ID_FORM(1, 2, True), ID_FORM(5, 4, True), BLOB_ID(1), EXTREME(True, 0), EXTREME(False, 0)]
    for n, fn in enumerate(["call_back", "role_lead", "role_understudy", "role_auditions", "role_casting", "audition_role"]):
        prog = [SEEDED]
        for v in odd:
            prog += scalar(fn, v)
        s[f"args-{n}-{fn}"] = prog
    s["args-tvf-columns"] = [SEEDED] + read("SELECT * FROM role_casting WHERE role_id = ?1", SPECIAL_TEXT(4)) \
        + read("SELECT * FROM role_casting WHERE for_role_id = ?1", SPECIAL_TEXT(4)) \
        + read("SELECT * FROM role_casting WHERE role_id IN (?1, ?2, ?3)", TEXT("1"), REAL(2.0), BLOB(b"5")) \
        + read("SELECT * FROM role_auditions WHERE role_id IN (?1, ?2)", SPECIAL_REAL(1), ID_FORM(1, 3)) \
        + read("WITH RECURSIVE c(x)", EXTREME(True, 2), ID(1)) + read("SELECT role_lead(?1), role_understudy(?2)", EXTREME(False, 0), SPECIAL_REAL(2))
    s["big-values"] = [SEEDED] + write("INSERT INTO auditions(actor, location, hired, role_id)", BIG(63), BIG(64 + 5), ID(3)) \
        + write("INSERT INTO roles(id, character_name) VALUES (?1, ?2)", ID(4), BIG(128 + 1)) + write("UPDATE auditions SET actor = ?2 WHERE id = ?1", ID(1), BLOB(b"\x00x\x00")) \
        + read("SELECT * FROM role_casting") + scalar("role_lead", BIG(128 + 2)) + CHECK
    # Transactions and savepoints around everything.
    s["txn-savepoints"] = [SEEDED] + txn("BEGIN") + scalar("call_back", ID(2)) + oracle(LEAD_ALL + ", COALESCE((SELECT id FROM main.auditions WHERE role_id = r.id AND hired = 1 ORDER BY id LIMIT 1 OFFSET 1), 'no actor has been hired for understudy for this role') FROM main.roles r ORDER BY r.id", ) \
        + txn("SAVEPOINT a") + migrate(0) + CHECK + txn("ROLLBACK TO a") + CHECK + txn("SAVEPOINT theater_migrate") + migrate(1) \
        + txn("ROLLBACK TO theater_migrate") + txn("RELEASE a") + txn("COMMIT") + CHECK
    s["txn-rollback"] = [SEEDED] + txn("BEGIN IMMEDIATE") + write("INSERT INTO roles(id, character_name) VALUES (?1, ?2)", ID(11), TEXT("x")) \
        + write("INSERT INTO auditions(actor, location, hired, role_id)", TEXT("a"), TEXT("b"), ID(11)) + op("oracle", 12) \
        + migrate(4) + migrate(0) + migrate(None) + txn("ROLLBACK") + CHECK
    # Statements left open while other statements write.
    s["slots-interleave"] = [SEEDED] + slot_open(0, "oracle", "for understudy for this role') FROM main.roles r ORDER BY r.id DESC") + slot_step(0, 2) \
        + scalar("call_back", ID(5)) + slot_step(0, 8) + slot_open(1, "read", "SELECT r.id, a.* FROM roles r, role_auditions(r.id) a") \
        + slot_step(1, 3) + write("INSERT INTO auditions(actor, location, hired, role_id)", TEXT("n"), TEXT("m"), ID(5)) \
        + slot_step(1, 8) + slot_open(2, "read", "SELECT * FROM role_casting") + slot_step(2, 1) + write("SELECT call_back(?1)", ID(7)) \
        + slot_step(2, 8) + slot_end(0, 2, ID(1)) + slot_step(0, 3) + CHECK
    s["slots-migrate-under"] = [SEEDED] + slot_open(0, "read", "WITH RECURSIVE c(x)", ID(1), ID(1)) + slot_step(0, 2) + migrate(0) \
        + slot_step(0, 4) + migrate(None) + slot_step(0, 8) + slot_open(1, "read", "SELECT id, role_lead(id) FROM roles ORDER BY id DESC") \
        + slot_step(1, 1) + migrate(1) + slot_step(1, 8) + CHECK
    s["slots-writer-open"] = [SEEDED] + slot_open(3, "write", "SELECT call_back(a.id), role_lead(a.role_id) FROM auditions a") \
        + slot_step(3, 2) + op("oracle", 0) + slot_step(3, 2) + slot_open(2, "oracle", "for understudy for this role') FROM main.auditions a ORDER BY a.role_id, a.id", ID(2)) \
        + slot_step(2, 3) + slot_step(3, 8) + slot_step(2, 8) + CHECK
    # A failed close, a second load, a second connection.
    s["close-busy"] = [SEEDED] + slot_open(0, "read", "SELECT id, role_lead(id), role_understudy(id) FROM roles") + slot_step(0, 1) \
        + simple("close_try") + slot_step(0, 8) + slot_end(0, 1) + read("SELECT * FROM role_casting") + scalar("role_lead", ID(1)) \
        + simple("close_try") + read("SELECT * FROM theater_migration_status") + CHECK
    s["close-busy-streams"] = [SEEDED] + slot_open(0, "read", "SELECT role_lead(role_id), role_understudy(role_id) FROM auditions") \
        + slot_step(0, 1) + simple("close_try") + slot_step(0, 8) + slot_end(0, 1) + CHECK
    s["reload"] = [SEEDED] + simple("reload") + read("SELECT theater_schema_version(), theater_version()") + simple("reload") \
        + slot_open(0, "read", "SELECT * FROM role_casting") + slot_step(0, 1) + simple("reload") + slot_step(0, 8)
    s["two-connections"] = [SEEDED | SECOND_CONN] + slot_open(0, "oracle", "for understudy for this role') FROM main.roles r ORDER BY r.id DESC") + slot_step(0, 2) \
        + simple("switch_conn") + migrate(0) + scalar("call_back", ID(1)) + migrate(None) + simple("switch_conn") + slot_end(0, 1) \
        + read("SELECT * FROM role_casting") + simple("switch_conn") + txn("BEGIN IMMEDIATE") + write("INSERT INTO roles(id, character_name) VALUES (?1, ?2)", ID(7), TEXT("q")) \
        + simple("switch_conn") + scalar("call_back", ID(1)) + migrate(1) + simple("switch_conn") + txn("COMMIT") + CHECK
    # Triggers, views, shadow tables and schema edits.
    s["triggers-recursion"] = [SEEDED] + schema("EXISTS fz_cb AFTER") + scalar("call_back", ID(2)) + schema("DROP TRIGGER IF EXISTS temp.fz_cb;") \
        + schema("EXISTS fz_cb_next") + scalar("call_back", ID(1)) + schema("PRAGMA recursive_triggers = OFF") + write("SELECT call_back(id) FROM auditions WHERE role_id = ?1", ID(1)) + CHECK
    s["triggers-writes"] = [SEEDED] + schema("EXISTS fz_ins") + schema("EXISTS fz_lead") + schema("EXISTS fz_casting") + op("oracle", 6, ID(2)) \
        + schema("EXISTS fz_del") + op("oracle", 5, ID(0), ID(1)) + schema("EXISTS fz_mig") + write("INSERT INTO roles(id, character_name) VALUES (?1, ?2)", ID(9), TEXT("m")) + CHECK
    s["views"] = [SEEDED] + schema("VIEW IF NOT EXISTS temp_lead") + schema("VIEW IF NOT EXISTS temp_casting") + schema("VIEW IF NOT EXISTS main.main_lead") + schema("VIEW IF NOT EXISTS main.main_call_back") \
        + read("SELECT * FROM temp_lead") + read("SELECT * FROM temp_casting") + read("SELECT * FROM main_lead") + read("SELECT * FROM main_call_back") \
        + schema("PRAGMA trusted_schema = OFF") + read("SELECT * FROM main_lead") + schema("CREATE TRIGGER IF NOT EXISTS main.fz_main_cb") \
        + write("INSERT INTO auditions(actor, location, phone, role_id)", TEXT("v"), TEXT("w"), NULL(), ID(1)) + migrate(0) + migrate(None) + CHECK
    s["shadow-tables"] = [SEEDED] + schema("CREATE TEMP TABLE IF NOT EXISTS roles") + schema("CREATE TEMP TABLE IF NOT EXISTS auditions") \
        + write("INSERT INTO roles(id, character_name) VALUES (?1, ?2)", ID(1), TEXT("temp")) + read("SELECT * FROM role_casting") \
        + op("oracle", 0) + migrate(0) + migrate(None) + schema("ATTACH ':memory:' AS aux") + schema("aux.roles") + read("SELECT r.id, a.* FROM roles r") \
        + schema("DETACH aux") + schema("DROP TABLE IF EXISTS temp.roles") + CHECK
    s["schema-edits"] = [SEEDED] + schema("CREATE INDEX IF NOT EXISTS main.fz_hired_role") + schema("ANALYZE") + op("oracle", 0) + op("oracle", 12) \
        + schema("DROP INDEX IF EXISTS main.auditions_hired_by_role") + op("oracle", 1) + read("SELECT * FROM role_casting") \
        + migrate(1) + schema("VACUUM") + schema("PRAGMA cache_size = 1") + op("oracle", 11) + CHECK
    s["bookkeeping-tampered"] = [SEEDED] + write("UPDATE theater_schema_migrations SET checksum", ID(1), TEXT("sha256:0")) \
        + migrate(None) + migrate(0) + read("SELECT * FROM theater_migration_status") + write("DELETE FROM theater_schema_migrations", ID(1)) \
        + migrate(None) + write("INSERT INTO theater_schema_migrations VALUES", ID(7), TEXT("x")) + migrate(2) + scalar("theater_schema_version")
    # Faults: interrupts, limits, allocation failures.
    s["interrupts"] = [SEEDED] + interrupt(5) + op("oracle", 0) + interrupt(20) + write("SELECT call_back(id) FROM auditions WHERE role_id = ?1", ID(1)) \
        + interrupt(40) + migrate(0) + interrupt(3) + read("SELECT * FROM role_casting") + CHECK
    s["limits"] = [SEEDED] + limit(5, 50) + read("SELECT * FROM role_casting") + scalar("role_lead", ID(1)) + limit(1, 30) + migrate(0) \
        + limit(0, 3) + read("SELECT *, role_id FROM role_auditions") + limit(9, 1) + schema("EXISTS fz_cb AFTER") + scalar("call_back", ID(1)) + CHECK
    # The model layer: declare, use, replace, remove, refresh, enforce, draw.
    model = [SEEDED] + schema("CREATE TABLE IF NOT EXISTS main.tags") + schema("CREATE TABLE IF NOT EXISTS main.role_tags") \
        + schema("CREATE INDEX IF NOT EXISTS main.role_tags_role") + write("INSERT INTO tags(id, name)", ID(1), TEXT("x")) \
        + write("INSERT INTO role_tags(role_id, tag_id)", ID(1), ID(1)) + write("INSERT INTO role_tags(role_id, tag_id)", ID(5), ID(1))
    declare = write("theater_relate('fz_hires'") + write("theater_relate('fz_actors'") + write("theater_relate('fz_role'") \
        + write("theater_relate('fz_tags'")
    s["model-declare-use"] = model + declare + read("SELECT * FROM fz_hires(?1)", ID(1)) \
        + read("SELECT r.id, h.* FROM roles r, fz_hires(r.id) h") + read("SELECT * FROM fz_tags(?1)", ID(1)) \
        + read("SELECT a.id, x.* FROM auditions a, fz_role(a.id) x") + oracle("FROM fz_hires(r.id)") \
        + read("SELECT theater_diagram()") + read("SELECT theater_diagram('dot')") + CHECK
    s["model-replace-remove"] = model + declare + slot_open(0, "read", "SELECT r.id, h.* FROM roles r, fz_hires(r.id) h") \
        + slot_step(0, 1) + write("SELECT theater_relate(?1, ?2, ?3, ?4)", TEXT("fz_hires"), TEXT("roles"), TEXT("auditions.actor"), NULL()) \
        + slot_step(0, 8) + write("SELECT theater_unrelate('fz_hires')") + read("SELECT * FROM fz_hires(?1)", ID(1)) \
        + write("SELECT theater_refresh()") + schema("BEGIN; SELECT theater_relate('fz_hires'") + read("SELECT *, role_id FROM fz_hires") + CHECK
    # Issue 16: writes through the relationships, and nested JSON over them.
    s["model-writes-json"] = model + declare \
        + write("INSERT INTO fz_hires(role_id, actor, location, phone, hired)", ID(1), TEXT("ann"), TEXT("x"), ID(5), ID(1)) \
        + write("INSERT INTO fz_hires(role_id, id)", ID(2), ID(1)) + write("INSERT INTO fz_tags(role_id, id)", ID(1), ID(1)) \
        + read("SELECT theater_json('roles', ?1, 'id, character_name, fz_hires", ID(1)) \
        + write("DELETE FROM fz_tags WHERE role_id = ?1 AND id = ?2", ID(1), ID(1)) \
        + write("DELETE FROM fz_hires WHERE role_id = ?1", ID(2)) \
        + read("SELECT theater_json('roles', ?1, ?2)", ID(1), TEXT("id, fz_tags(name; limit: 1)")) + CHECK
    s["model-enforce-drop"] = model + declare + write("SELECT theater_enforce_foreign_keys('role_tags')") \
        + write("INSERT INTO role_tags(role_id, tag_id)", ID(9), ID(1)) + write("DELETE FROM roles WHERE id = ?1", ID(1)) \
        + write("DELETE FROM tags WHERE id = ?1", ID(1)) + schema("DROP TABLE IF EXISTS main.role_tags") \
        + read("SELECT * FROM fz_tags(?1)", ID(5)) + write("SELECT theater_enforce_foreign_keys(?1)", TEXT("role_tags")) \
        + write("SELECT theater_relate(?1, 'roles', 'auditions', NULL, ?2)", TEXT("fz_x"), TEXT('{"column": 1}')) + CHECK
    # Regressions: the minimized inputs of the findings in fuzz/README.md.
    s["regress-1-auto-extension-open"] = [MIGRATE]
    s["regress-2-reload-under-sql-length-limit"] = [MIGRATE | SECOND_CONN | VERSION1] + limit(1, 12) + simple("reload")
    s["regress-3-close-busy-leaves-statement"] = [SEEDED | NO_FINAL_CHECK] \
        + slot_open(0, "read", "SELECT role_lead(role_id), role_understudy(role_id) FROM auditions") + slot_step(0, 1) \
        + simple("close_try") + slot_step(0, 8) + slot_end(0, 1)
    # fz_lead declared with its filter and order, then again under the same
    # name without them: the oracle that reads it as role_lead must not run.
    s["regress-5-fz-lead-redeclared"] = [SEEDED] + write("theater_relate('fz_lead', 'roles', 'auditions', '{") \
        + write("theater_relate('fz_lead', 'roles', 'auditions', ?1)", NULL()) + oracle("FROM fz_lead(r.id)") + CHECK
    # Not a defect: without a rollback journal a failed migration undone by
    # ROLLBACK TO leaves a page unaccounted (SQLite leaves ROLLBACK undefined).
    s["journal-off-failed-migrate"] = [MIGRATE] + schema("PRAGMA journal_mode = OFF") + txn("BEGIN") \
        + write("SELECT * FROM theater_migration_status, (SELECT theater_migrate(?1))", ID(0)) + CHECK + txn("ROLLBACK")
    for n, count in enumerate([0, 3, 17, 40, 90, 200, 400]):
        s[f"oom-{n}"] = [SEEDED] + oom(count) + [OPS["oracle"], n % len(MENUS["oracle"]), 1, 2, 1, 1] + oom(count // 2) \
            + read("SELECT * FROM role_casting") + oom(count) + migrate(0) + oom(count // 3) + migrate(None) + CHECK
    return s


def dictionary():
    """libFuzzer dictionary: whole ops with their operands, and odd text values."""
    words = {}
    for target in [None, -1, 0, 1, 2, 3, 4]:
        words[f"migrate_{'head' if target is None else target}"] = migrate(target)
    for i, sql in enumerate(MENUS["txn"]):
        words[f"txn_{i}"] = op("txn", i)
    for i, sql in enumerate(MENUS["schema"]):
        words[f"schema_{i}"] = op("schema", i)
    for name in ["check", "close_try", "reload", "switch_conn"]:
        words[name] = simple(name)
    for slot in range(4):
        words[f"slot_step_{slot}"] = slot_step(slot, 8)
        words[f"slot_finalize_{slot}"] = slot_end(slot, 1)
    for n in (0, 1, 2, 5, 11):
        words[f"id_{n}"] = ID(n)
    for i in range(8):
        words[f"scalar_{i}_id1"] = op("scalar", i) + ID(1)
    for text in ["7", " 7 ", "7e0", "7.0", "12abc", "0x10", "9223372036854775807", "9223372036854775808",
                 "-9223372036854775808", "1e308", "NaN", "no actor has been hired for this role"]:
        words[f"text_{len(words)}"] = list(text.encode())
    lines = ["# Generated by fuzz/make_corpus.py: whole ops of theater_fuzz.cpp and odd text values."]
    for name, data in words.items():
        lines.append(f'{name}="' + "".join(f"\\x{b & 0xFF:02x}" for b in data) + '"')
    return "\n".join(lines) + "\n"


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir()
    total = 0
    all_seeds = seeds()
    if PICK_ERRORS:
        sys.exit("\n".join(PICK_ERRORS))
    for name, data in sorted(all_seeds.items()):
        blob = bytes(b & 0xFF for b in data)
        (OUT / f"{name}-{hashlib.sha1(blob).hexdigest()[:8]}").write_bytes(blob)
        total += len(blob)
    print(f"{len(list(OUT.iterdir()))} seeds, {total} bytes in {OUT.relative_to(ROOT)}")
    (HERE / "theater.dict").write_text(dictionary())
    print(f"dictionary: {(HERE / 'theater.dict').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
