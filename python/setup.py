"""Builds the theater Python package: theater/__init__.py plus the extension
itself, copied from the CMake build into the package (build/theater.so at the
repository's root, or the file named by THEATER_SO). Build the extension
first (bash scripts/build.sh); this never compiles anything and needs no
network:

    python3 -m pip wheel --no-deps --no-build-isolation -w dist python/

The version is the project's, read from the top-level CMakeLists.txt, the same
string as SQL's theater_version(). The wheel is tagged py3-none-<platform>:
the .so is native code for this platform but does not use Python's ABI.
"""
import os
import re
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py as _build_py
from wheel.bdist_wheel import bdist_wheel as _bdist_wheel

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def project_version():
    cmake = (ROOT / "CMakeLists.txt").read_text()
    m = re.search(r"project\(\s*theater\s+VERSION\s+(\d+\.\d+\.\d+)", cmake)
    if not m:
        raise SystemExit(f"no 'project(theater VERSION x.y.z' in {ROOT / 'CMakeLists.txt'}")
    return m.group(1)


def extension_file():
    so = Path(os.environ.get("THEATER_SO") or ROOT / "build" / "theater.so")
    if not so.is_file():
        raise SystemExit(f"{so} is missing: build the extension first (bash scripts/build.sh)")
    return so


class build_py(_build_py):
    """Puts theater.so and _version.py into the built package."""

    def run(self):
        super().run()
        package = Path(self.build_lib) / "theater"
        package.mkdir(parents=True, exist_ok=True)
        shutil.copy2(extension_file(), package / "theater.so")
        (package / "_version.py").write_text(f'__version__ = "{project_version()}"\n')

    def get_outputs(self, include_bytecode=1):
        package = Path(self.build_lib) / "theater"
        return super().get_outputs(include_bytecode) + [
            str(package / "theater.so"), str(package / "_version.py")]


class bdist_wheel(_bdist_wheel):
    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False  # platform-specific: it carries a .so

    def get_tag(self):
        _, _, platform = super().get_tag()
        return "py3", "none", platform


setup(version=project_version(), cmdclass={"build_py": build_py, "bdist_wheel": bdist_wheel})
