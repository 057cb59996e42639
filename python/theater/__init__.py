"""The theater SQLite extension, packaged for Python.

    import sqlite3, theater
    conn = sqlite3.connect("casting.db")
    theater.load(conn)
    conn.execute("SELECT theater_migrate()")

load() works on any sqlite3.Connection (also sqlite-utils' db.conn and the
DBAPI connection of a SQLAlchemy "connect" event); path() is the file of the
extension inside this package, for other SQLite clients.
"""
import os

from ._version import __version__

__all__ = ["load", "path", "__version__"]


def path():
    """The full path of the extension (theater.so) inside this package."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "theater.so")


def load(conn):
    """Loads the extension into the sqlite3 connection `conn`.

    Extension loading is switched on only for this call and off again after
    it, so SQL on the connection cannot load other libraries."""
    so = path()
    if not os.path.isfile(so):
        raise FileNotFoundError(f"{so} is missing: this theater package was installed without its extension")
    try:
        conn.enable_load_extension(True)
    except AttributeError:
        raise RuntimeError(
            "this Python's sqlite3 module cannot load extensions (it was built without "
            "enable_load_extension); use one that can, such as Debian's /usr/bin/python3"
        ) from None
    try:
        conn.load_extension(so)
    finally:
        conn.enable_load_extension(False)
