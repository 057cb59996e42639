// The installed theater-sqlite package itself, with no SQLite library:
// where it was installed, its two entry points, its types, its errors.
// npm/test.sh runs it from a temporary project that installed the package
// from its npm pack tarball.
import test from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as theater from 'theater-sqlite';

const require = createRequire(import.meta.url);
const project = realpathSync(dirname(fileURLToPath(import.meta.url)));
const installed = join(project, 'node_modules', 'theater-sqlite');
const repo = process.env.THEATER_REPO;

test('getLoadablePath() is theater.so inside the installed package, not the repository; it is the build, stripped', () => {
  assert.ok(repo, 'run these tests with bash npm/test.sh (THEATER_REPO is the repository)');
  const so = theater.getLoadablePath();
  assert.ok(isAbsolute(so), so);
  assert.equal(realpathSync(so), join(installed, 'theater.so'));
  assert.ok(!realpathSync(so).startsWith(realpathSync(repo) + sep), `${so} is inside the repository`);
  const bytes = readFileSync(so);
  assert.deepEqual([...bytes.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], 'an ELF file');
  const built = process.env.THEATER_SO; // build/theater.so, stripped as npm/pack.sh does
  assert.ok(built, 'run these tests with bash npm/test.sh (THEATER_SO is the expected file)');
  assert.ok(bytes.equals(readFileSync(built)), `the packaged theater.so is not ${built}`);
});

test('import and require give the same functions', () => {
  const cjs = require('theater-sqlite');
  assert.deepEqual(Object.keys(cjs).sort(), ['getLoadablePath', 'load']);
  assert.equal(theater.getLoadablePath, cjs.getLoadablePath);
  assert.equal(theater.load, cjs.load);
  assert.equal(theater.default, cjs);
  assert.equal(realpathSync(require.resolve('theater-sqlite')), join(installed, 'index.cjs'));
});

test("the version is the project's (CMakeLists.txt)", () => {
  const cmake = readFileSync(join(repo, 'CMakeLists.txt'), 'utf8');
  const projectVersion = cmake.match(/project\(theater VERSION (\d+\.\d+\.\d+)/)[1];
  assert.equal(require('theater-sqlite/package.json').version, projectVersion);
});

test('index.d.ts declares every exported function', () => {
  const types = readFileSync(join(installed, 'index.d.ts'), 'utf8');
  for (const name of Object.keys(require('theater-sqlite'))) {
    assert.match(types, new RegExp(`export declare function ${name}\\(`), name);
  }
});

test('load(db) calls db.loadExtension(getLoadablePath()) once', () => {
  const calls = [];
  theater.load({ loadExtension: (...args) => calls.push(args) });
  assert.deepEqual(calls, [[theater.getLoadablePath()]]);
});

test('load() on something without loadExtension is a clear TypeError', () => {
  for (const [db, got] of [
    [{}, 'Object without it'],
    [{ loadExtension: 'no' }, 'Object without it'],
    [null, 'null'],
    [undefined, 'undefined'],
    ['casting.db', 'a string'],
  ]) {
    assert.throws(() => theater.load(db), (e) => {
      assert.ok(e instanceof TypeError);
      assert.match(e.message, /^theater-sqlite: load\(db\) needs a database with a loadExtension\(path\) method/);
      assert.ok(e.message.endsWith(`got ${got}`), e.message);
      return true;
    });
  }
});

test('another platform: getLoadablePath() and load() say which one this package is for', () => {
  for (const [key, value] of [['platform', 'darwin'], ['arch', 'arm64']]) {
    const original = Object.getOwnPropertyDescriptor(process, key);
    Object.defineProperty(process, key, { value });
    try {
      const expected = /^Error: theater-sqlite: this package carries the extension for linux-x64 only, not (darwin-x64|linux-arm64);/;
      assert.throws(() => theater.getLoadablePath(), expected);
      assert.throws(() => theater.load({ loadExtension: () => assert.fail('called') }), expected);
    } finally {
      Object.defineProperty(process, key, original);
    }
  }
  assert.equal(process.platform, 'linux');
});

test('a package without theater.so: a clear Error, and loadExtension is never called', () => {
  const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'theater-npm-missing-')));
  try {
    const copy = join(tmp, 'node_modules', 'theater-sqlite');
    cpSync(installed, copy, { recursive: true, filter: (src) => !src.endsWith('theater.so') });
    assert.ok(!existsSync(join(copy, 'theater.so')));
    const broken = createRequire(join(tmp, 'index.js'))('theater-sqlite');
    const expected = (e) => e.name === 'Error' &&
      e.message.startsWith(`theater-sqlite: ${join(copy, 'theater.so')} is missing: `);
    assert.throws(() => broken.getLoadablePath(), expected);
    assert.throws(() => broken.load({ loadExtension: () => assert.fail('called') }), expected);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
