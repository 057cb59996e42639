"""The theater package's PEP 517 build backend, in the tree (pyproject.toml's
backend-path) and written with the standard library only, so that

    python3 -m venv .venv && .venv/bin/pip install ./python

works offline with pip's default build isolation: it requires nothing
(`requires = []`), so pip downloads nothing.

The wheel holds theater/__init__.py, theater/_version.py and the extension,
theater/theater.so, which is
  - the file named by THEATER_SO, if set;
  - else build/theater.so at the repository's root, if there (bash
    scripts/build.sh made it): copied as it is;
  - else built from the repository's sources with CMake, in a temporary
    directory (cmake -S <repo> -B <tmp> -DTHEATER_BUILD_TESTING=OFF
    -DCMAKE_BUILD_TYPE=Release; THEATER_CMAKE_ARGS adds arguments). That
    needs cmake, make, a C++17 compiler and SQLite's headers (Debian: cmake
    make g++ libsqlite3-dev); without them the build stops with a message
    naming them.

The version is the project's, read from the top-level CMakeLists.txt (the
same string as SQL's theater_version()). The wheel is tagged
py3-none-<platform>: the .so is native code for this platform but does not
use Python's ABI. An sdist holds the package, this backend and the sources
CMake needs (no build/), so that its wheel is built with CMake. Editable
installs (pip install -e) are not supported.
"""
import ast
import base64
import gzip
import hashlib
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent  # python/ (or the sdist's root)
NAME = "theater"
# What an sdist carries besides this directory: what CMake needs to build the
# extension alone (THEATER_BUILD_TESTING=OFF), and the licence.
SDIST_SOURCES = ["CMakeLists.txt", "LICENSE", "CHANGELOG.md", "cmake", "ext", "migrations"]
# ... and of this directory: the package and its build (not its tests, which
# need the repository).
SDIST_PACKAGE = ["pyproject.toml", "README.md", "backend", "theater"]


def _fail(message):
    """Stops the build with a message and no traceback (pip shows it)."""
    raise SystemExit(f"theater: {message}")


def _repo_root():
    """The directory with the project's CMakeLists.txt: this directory's
    parent in the repository, this directory itself in an sdist."""
    for root in (HERE, HERE.parent):
        cmake = root / "CMakeLists.txt"
        if cmake.is_file() and re.search(r"project\(\s*theater\b", cmake.read_text()):
            return root
    _fail(f"no theater CMakeLists.txt in {HERE} or {HERE.parent}: build the package from the "
          "repository's python/ directory (pip 21.3 or later builds a local directory in place)")


def _version():
    cmake = _repo_root() / "CMakeLists.txt"
    m = re.search(r"project\(\s*theater\s+VERSION\s+(\d+\.\d+\.\d+)", cmake.read_text())
    if not m:
        _fail(f"no 'project(theater VERSION x.y.z' in {cmake}")
    return m.group(1)


def _project():
    """pyproject.toml's [project] table."""
    text = (HERE / "pyproject.toml").read_text()
    try:
        import tomllib  # Python 3.11
    except ImportError:
        return _project_without_tomllib(text)
    return tomllib.loads(text)["project"]


def _project_without_tomllib(text):
    """[project] for Pythons before 3.11: its values are strings, lists of
    strings and inline tables of strings, which read as Python literals once
    `{k = v}` is `{"k": v}`."""
    table, key, value = {}, None, ""
    section = None
    for line in text.splitlines():
        stripped = line.strip()
        if key is None:
            if not stripped or stripped.startswith("#"):
                continue
            m = re.match(r"\[([^\]]+)\]$", stripped)
            if m:
                section = m.group(1)
                continue
            if section != "project":
                continue
            key, _, value = (part.strip() for part in stripped.partition("="))
        else:
            value += " " + stripped
        if value.count("[") == value.count("]") and value.count("{") == value.count("}"):
            literal = re.sub(r"(\w+)\s*=", r'"\1":', value) if value.startswith("{") else value
            table[key] = ast.literal_eval(literal)
            key = None
    return table


def _platform_tag():
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    if sys.maxsize <= 2**32:  # a 32-bit Python on a 64-bit kernel, as the wheel package does it
        plat = {"linux_x86_64": "linux_i686", "linux_aarch64": "linux_armv7l"}.get(plat, plat)
    return plat


def _tag():
    return f"py3-none-{_platform_tag()}"


def _dist_info_name():
    return f"{NAME}-{_version()}.dist-info"


def _metadata():
    project = _project()
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {project['name']}",
        f"Version: {_version()}",
        f"Summary: {project['description']}",
    ]
    if "license" in project:
        lines.append(f"License: {project['license']['text']}")
    if "requires-python" in project:
        lines.append(f"Requires-Python: {project['requires-python']}")
    lines += [f"Classifier: {c}" for c in project.get("classifiers", [])]
    readme = ""
    if "readme" in project:
        lines.append("Description-Content-Type: text/markdown")
        readme = (HERE / project["readme"]).read_text()
    return "\n".join(lines) + "\n\n" + readme


def _wheel_file():
    return ("Wheel-Version: 1.0\n"
            "Generator: theater_backend (python/backend/theater_backend.py)\n"
            "Root-Is-Purelib: false\n"
            f"Tag: {_tag()}\n")


def _dist_info_files():
    files = {"METADATA": _metadata().encode(), "WHEEL": _wheel_file().encode()}
    licence = _repo_root() / "LICENSE"
    if licence.is_file():
        files["LICENSE"] = licence.read_bytes()
    return files


def _find_cxx():
    cxx = os.environ.get("CXX")
    if cxx:
        return shutil.which(shlex.split(cxx)[0])
    for candidate in ("c++", "g++", "clang++"):
        if shutil.which(candidate):
            return shutil.which(candidate)
    return None


def _cmake_build(root, build_dir):
    """Builds theater.so from the sources in root with CMake; returns its path."""
    install = "apt-get install cmake make g++ libsqlite3-dev"
    cmake = shutil.which("cmake")
    if cmake is None:
        _fail(f"there is no built extension (build/theater.so or THEATER_SO) and no cmake to build it: {install}")
    if _find_cxx() is None:
        what = f"the C++ compiler CXX={os.environ['CXX']} is missing" if os.environ.get("CXX") else "there is no C++ compiler (c++, g++, clang++)"
        _fail(f"{what} to build the extension with: {install}")
    # CMake's default generator on Linux is Unix Makefiles (CMAKE_GENERATOR chooses another).
    if not os.environ.get("CMAKE_GENERATOR") and not (shutil.which("make") or shutil.which("gmake")):
        _fail(f"there is no make for CMake's Unix Makefiles (or set CMAKE_GENERATOR=Ninja): {install}")
    configure = [cmake, "-S", str(root), "-B", str(build_dir),
                 "-DTHEATER_BUILD_TESTING=OFF", "-DCMAKE_BUILD_TYPE=Release",
                 *shlex.split(os.environ.get("THEATER_CMAKE_ARGS", ""))]
    build = [cmake, "--build", str(build_dir), "--target", "theater"]
    if not os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL"):
        build += ["--parallel", str(os.cpu_count() or 1)]
    print(f"theater: no build/theater.so: building the extension with CMake (about a minute): {shlex.join(configure)}",
          flush=True)
    for step, command in (("configuring", configure), ("building", build)):
        if subprocess.run(command, stdout=sys.stderr).returncode != 0:
            _fail(f"{step} the extension with CMake failed ({shlex.join(command)}, output above); "
                  f"it needs cmake 3.18 or later, make, a C++17 compiler and SQLite's headers: {install}")
    so = build_dir / "theater.so"
    if not so.is_file():
        _fail(f"CMake built no {so}")
    return so


def _extension(build_dir):
    """The theater.so to put into the wheel (see the module's docstring)."""
    named = os.environ.get("THEATER_SO")
    if named:
        if not Path(named).is_file():
            _fail(f"THEATER_SO={named} is not a file")
        return Path(named)
    root = _repo_root()
    built = root / "build" / "theater.so"
    if built.is_file():
        return built
    return _cmake_build(root, build_dir)


def _zip_time():
    # Reproducible: SOURCE_DATE_EPOCH if set, else the oldest time a zip can hold.
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return time.gmtime(int(epoch))[:6] if epoch else (1980, 1, 1, 0, 0, 0)


def _record_hash(data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


# ---- PEP 517 hooks -----------------------------------------------------------

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    dist_info = Path(metadata_directory) / _dist_info_name()
    dist_info.mkdir(parents=True, exist_ok=True)
    for name, data in _dist_info_files().items():
        (dist_info / name).write_bytes(data)
    return dist_info.name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    version = _version()
    wheel_name = f"{NAME}-{version}-{_tag()}.whl"
    with tempfile.TemporaryDirectory(prefix="theater-cmake-") as build_dir:
        so = _extension(Path(build_dir))
        # (archive name, bytes, executable)
        entries = [(f"{NAME}/{p.name}", p.read_bytes(), False)
                   for p in sorted((HERE / NAME).glob("*.py")) if p.name != "_version.py"]
        entries.append((f"{NAME}/_version.py", f'__version__ = "{version}"\n'.encode(), False))
        entries.append((f"{NAME}/theater.so", so.read_bytes(), True))
    dist_info = _dist_info_name()
    entries += [(f"{dist_info}/{name}", data, False) for name, data in _dist_info_files().items()]

    Path(wheel_directory).mkdir(parents=True, exist_ok=True)
    target = Path(wheel_directory) / wheel_name
    partial = target.with_suffix(".whl.part")
    record = []
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as whl:
        def add(name, data, executable):
            info = zipfile.ZipInfo(name, date_time=_zip_time())
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            whl.writestr(info, data)
        for name, data, executable in entries:
            add(name, data, executable)
            record.append(f"{name},{_record_hash(data)},{len(data)}")
        record.append(f"{dist_info}/RECORD,,")
        add(f"{dist_info}/RECORD", ("\n".join(record) + "\n").encode(), False)
    partial.replace(target)
    return wheel_name


def build_sdist(sdist_directory, config_settings=None):
    """theater-<version>.tar.gz: this directory (pyproject.toml at its root)
    and the sources CMake needs; its wheel is built with CMake."""
    root = _repo_root()
    base = f"{NAME}-{_version()}"
    files = []  # (path on disk, name in the archive)
    for directory, entries in ((HERE, SDIST_PACKAGE), (root, SDIST_SOURCES)):
        for entry in entries:
            p = directory / entry
            found = [p] if p.is_file() else sorted(f for f in p.rglob("*") if f.is_file())
            files += [(f, f.relative_to(directory).as_posix()) for f in found
                      if "__pycache__" not in f.parts and not f.name.endswith(".pyc")]
    pkg_info = _metadata().encode()
    mtime = int(os.environ.get("SOURCE_DATE_EPOCH", "0")) or 315532800  # 1980-01-01

    Path(sdist_directory).mkdir(parents=True, exist_ok=True)
    name = f"{base}.tar.gz"
    with open(Path(sdist_directory) / name, "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=mtime) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
        def add(arcname, data, mode):
            info = tarfile.TarInfo(f"{base}/{arcname}")
            info.size, info.mtime, info.mode = len(data), mtime, mode
            tar.addfile(info, io.BytesIO(data))
        for path, arcname in files:
            add(arcname, path.read_bytes(), 0o755 if os.access(path, os.X_OK) else 0o644)
        add("PKG-INFO", pkg_info, 0o644)
    return name
