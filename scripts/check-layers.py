#!/usr/bin/env python3
"""Check that ext/ keeps its floors: an include only goes down, never up.

Usage:
  scripts/check-layers.py [ROOT]     check ROOT/ext (default: this repository)
  scripts/check-layers.py --self-test

Each violation is printed as `path:line: message` and the exit status is 1.
Clean, it prints one summary line and exits 0. Stdlib only, so Debian 12's
/usr/bin/python3 runs it with nothing installed.
"""
import argparse, os, posixpath, re, sys, tempfile

# A folder's floor is that of its first path component under ext/; "" stands
# for the files directly in ext/ (the entry point). A new folder must be added
# here, so that where it sits is a decision and not an accident.
FLOORS = {"core": 0, "engine": 1, "migrations": 1, "theater": 2, "model": 2, "": 3}
# The bottom floors are plumbing and the generic engine: SQL there that names a
# theater table would tie them to the domain that sits above them.
NO_THEATER_TABLES = ("core", "engine")
THEATER_WORDS = re.compile(r"\b(roles|auditions|theater_relationships|"
                           r"theater_schema_migrations|role_lead|call_back)\b")
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]*)"')
IDENT = re.compile(r"[A-Za-z0-9_.]*$")


def strip_comments(text):
    """Blank // and /* */ comments, keeping newlines (so line numbers hold) and
    string and character literals (they count: SQL text lives in them). A quote
    inside a literal ('"') or a "//" inside a string must not fool us."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("//", i):
            i = n if text.find("\n", i) < 0 else text.find("\n", i)
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(" " + "\n" * text.count("\n", i, end))
            i = end
        elif text[i] in "\"'":
            before = IDENT.search(text, max(0, i - 40), i).group()
            if text[i] == "'" and before[:1].isdigit():  # 1'000: digit separator
                out.append("'")
                i += 1
                continue
            if text[i] == '"' and before in ("R", "u8R", "uR", "UR", "LR"):  # R"d(...)d"
                delim = text[i + 1:text.find("(", i)]
                end = text.find(")" + delim + '"', i)
                end = n if end < 0 else end + len(delim) + 2
            else:  # ordinary literal: up to the unescaped closing quote or the line's end
                end = i + 1
                while end < n and text[end] not in (text[i], "\n"):
                    end += 2 if text[end] == "\\" else 1
                end = min(end + 1, n)
            out.append(text[i:end])
            i = end
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def check(root):
    """Return (problems, number of files, number of quoted includes) for root/ext."""
    ext = os.path.join(root, "ext")
    files = []
    for dirpath, dirnames, filenames in os.walk(ext):
        dirnames.sort()
        files += [posixpath.relpath(os.path.join(dirpath, f), ext).replace(os.sep, "/")
                  for f in sorted(filenames) if f.endswith((".cpp", ".hpp"))]
    folder = lambda rel: rel.split("/")[0] if "/" in rel else ""
    name = lambda f: f + "/" if f else "ext/ (top level)"
    problems, unknown_seen, includes = [], set(), 0

    def floor_of(f, where):
        # An unknown folder is reported once, where it is first met.
        if f not in FLOORS and f not in unknown_seen:
            unknown_seen.add(f)
            problems.append(f"{where}: folder {f}/ has no floor: give it one in "
                            f"FLOORS in scripts/check-layers.py")
        return FLOORS.get(f)

    for rel in files:  # first the files' own folders, each at its first file
        floor_of(folder(rel), f"ext/{rel}:1")
    for rel in files:
        src = folder(rel)
        try:
            with open(os.path.join(ext, rel), encoding="utf-8", errors="replace") as fh:
                lines = strip_comments(fh.read()).split("\n")
        except FileNotFoundError:  # moved away since the walk (a restructuring under way)
            continue
        for lineno, line in enumerate(lines, 1):
            where = f"ext/{rel}:{lineno}"
            m = INCLUDE.match(line)
            if m:
                includes += 1
                inc = m.group(1)
                target = posixpath.normpath(inc)
                if target.startswith(("../", "/")) or target == "..":
                    problems.append(f'{where}: #include "{inc}" is not under ext/')
                    continue
                if not os.path.isfile(os.path.join(ext, target)):
                    hint = ""
                    if os.path.isfile(os.path.join(ext, posixpath.dirname(rel), inc)):
                        hint = f' (paths are relative to ext/: "{posixpath.join(posixpath.dirname(rel), inc)}")'
                    problems.append(f'{where}: #include "{inc}": no such file under ext/{hint}')
                    continue
                dst = folder(target)
                here, there = floor_of(src, where), floor_of(dst, where)
                if src == dst or here is None or there is None:
                    pass  # own folder; or an unknown folder, already reported
                elif there > here:
                    problems.append(f'{where}: #include "{inc}" runs back up: {name(src)} is '
                                    f'floor {here}, {name(dst)} is floor {there}')
                elif there == here:
                    problems.append(f'{where}: #include "{inc}": {name(src)} and {name(dst)} are '
                                    f'siblings on floor {here}, and siblings never include each other')
            if src in NO_THEATER_TABLES:
                for word in dict.fromkeys(THEATER_WORDS.findall(line)):
                    problems.append(f'{where}: "{word}" names a theater table in {src}/ (floor '
                                    f'{FLOORS[src]}); {" and ".join(f + "/" for f in NO_THEATER_TABLES)} name '
                                    f'no theater table: that SQL lives in migrations/ (floor '
                                    f'{FLOORS["migrations"]}) or theater/ (floor {FLOORS["theater"]})')
    return problems, len(files), includes


def self_test():
    """Run check() on small trees in a temporary directory, one per rule."""
    clean = {
        # The char literal '"', a digit separator and a comment must not
        # derail the comment stripper (a word after them is still seen).
        "core/sqlite.hpp": "#pragma once\n#include <string>\nchar q = '\"'; int n = 1'000; // roles\n",
        "engine/relation.hpp": '#include "core/sqlite.hpp"\n/* auditions\n roles */\n',
        "migrations/migrate.cpp": '#include "core/sqlite.hpp"\nconst char* s = "CREATE TABLE roles";\n',
        "theater/casting.hpp": '#include "engine/relation.hpp"\n#include "core/sqlite.hpp"\n',
        "model/schema.hpp": '#include "core/sqlite.hpp"\n',
        "theater.cpp": '#include "theater/casting.hpp"\n#include "model/schema.hpp"\n#include "debug.hpp"\n',
        "debug.hpp": '#include "core/sqlite.hpp"\n',
    }
    cases = [  # (label, files added to the clean tree, expected problem text or None)
        ("(a) a clean tree passes", {}, None),
        ("(b) core including engine fails", {"core/bad.cpp": '#include "engine/relation.hpp"\n'}, "runs back up"),
        ("(c) theater including model fails", {"theater/bad.cpp": '#include "model/schema.hpp"\n'}, "siblings"),
        ("(d) model including engine passes", {"model/ok.cpp": '#include "engine/relation.hpp"\n'}, None),
        ("(e) a string literal naming roles in engine fails",
         {"engine/bad.cpp": 'const char* q = "SELECT * FROM main.roles";\n'}, '"roles" names a theater table'),
        ("(e) the same word in a // comment in engine passes",
         {"engine/ok.cpp": '// SELECT * FROM main.roles\nint x; // main.roles\n'}, None),
        ("(f) an unknown folder fails", {"relations/r.cpp": '#include "core/sqlite.hpp"\n'}, "has no floor"),
        ("(g) an include of a missing file fails", {"model/bad.cpp": '#include "core/nope.hpp"\n'}, "no such file"),
    ]
    failed = 0
    for label, extra, expected in cases:
        with tempfile.TemporaryDirectory() as root:
            for rel, text in {**clean, **extra}.items():
                os.makedirs(os.path.dirname(os.path.join(root, "ext", rel)), exist_ok=True)
                with open(os.path.join(root, "ext", rel), "w", encoding="utf-8") as fh:
                    fh.write(text)
            problems = check(root)[0]
        ok = not problems if expected is None else len(problems) == 1 and expected in problems[0]
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {label}" + "".join(f"\n       {p}" for p in problems))
    print(f"check-layers self-test: {len(cases) - failed} of {len(cases)} checks hold")
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", nargs="?", help="directory holding ext/ (default: the repository root)",
                        default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--self-test", action="store_true", help="check the checker on temporary trees")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    if not os.path.isdir(os.path.join(args.root, "ext")):
        print(f"check-layers: no ext/ folder in {args.root}", file=sys.stderr)
        return 2
    problems, nfiles, nincludes = check(args.root)
    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"check-layers: {nfiles} files, {nincludes} includes, floors respected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
