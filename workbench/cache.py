"""The report's analysis cache: private, integrity-checked, its entries' names unguessable.

A cached `ReportResults` holds raw (unsuppressed, unperturbed) counts, so the cache is treated
like the data it came from (docs/disclosure.md, "The cache"):

- the folder (``$WORKBENCH_CACHE_DIR``, default ``~/.cache/workbench/report``) is 0700 and ours;
  a folder of ours that is open to others is closed (chmod 0700), one owned by someone else is
  refused;
- a per-machine secret ``cache.key`` (32 random bytes) lives in the folder, created 0600
  atomically (written under a temporary name, then linked into place); a key readable by others
  or not ours is refused;
- an entry's file name is HMAC-SHA256(secret, cache key), so nothing published (data hashes,
  parameters, code) lets anyone name or plant an entry;
- an entry is ``MAGIC + HMAC-SHA256(secret, MAGIC + name + payload) + payload``, written 0600
  atomically; the tag is verified BEFORE the payload is unpickled, so a planted or damaged entry
  is never unpickled: it is deleted and the analysis recomputed;
- `locked(name)` holds an exclusive lock (``fcntl.flock``) on a 0600 file beside the entries,
  named by the secret like them: processes that miss the same entry at once compute it once
  (the province report and a prefecture report's province benchmark of one batch).

Top-level, not in `workbench.privacy`: it is the report run's storage (used by
`workbench.evaluation.analysis` only) and publishes nothing, while `workbench.privacy` decides what
may leave the machine (pseudonymisation, the identifier guard, disclosure rules, public messages).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import os
import pickle
import secrets
import stat
import tempfile
from pathlib import Path
from typing import Any

from workbench.exceptions import ReportError

CACHE_ENV = "WORKBENCH_CACHE_DIR"
KEY_FILE = "cache.key"
KEY_BYTES = 32
MAGIC = b"WBCACHE2"
SUFFIX = ".entry"
LOCK_SUFFIX = ".lock"
_PRIVATE = 0o077  # group and other permission bits: must all be clear


def cache_dir() -> Path:
    """The cache folder (not created)."""
    default = Path.home() / ".cache" / "workbench" / "report"
    return Path(os.environ.get(CACHE_ENV) or default)


def private_dir(path: Path | None = None) -> Path:
    """The cache folder, created 0700 (parents too) or checked to be ours and closed."""
    path = Path(path or cache_dir())
    old = os.umask(0o077)
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    finally:
        os.umask(old)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode):
        raise ReportError(f"cache folder {path.name} is not a folder; set {CACHE_ENV} to a folder")
    if info.st_uid != os.getuid():
        raise ReportError(
            f"cache folder {path.name} belongs to another user; set {CACHE_ENV} to a folder of "
            "your own"
        )
    if info.st_mode & _PRIVATE:
        os.chmod(path, 0o700)  # ours but open to others (an older workbench made it 0755)
        _drop_unsigned(path)
    return path


def _drop_unsigned(folder: Path) -> None:
    """Entries of the old format (plain pickles) are deleted: they were readable by others."""
    for old in folder.glob("*.pkl"):
        with contextlib.suppress(OSError):
            old.unlink()


def machine_key(folder: Path) -> bytes:
    """The folder's secret, created on first use; refused when others could read or write it."""
    path = folder / KEY_FILE
    if not path.exists():
        _create_key(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as err:
        raise ReportError(f"cache key {KEY_FILE} cannot be read ({err.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
            raise ReportError(
                f"cache key {KEY_FILE} in {folder.name} is not a file of yours; delete the "
                f"cache folder ({CACHE_ENV}) and run again"
            )
        if info.st_mode & _PRIVATE:
            raise ReportError(
                f"cache key {KEY_FILE} in {folder.name} is readable by others (mode "
                f"{stat.S_IMODE(info.st_mode):04o}); delete the cache folder ({CACHE_ENV}) and "
                "run again"
            )
        key = fh.read(KEY_BYTES + 1)
    if len(key) != KEY_BYTES:
        raise ReportError(
            f"cache key {KEY_FILE} in {folder.name} is damaged; delete it and run again"
        )
    return key


def _create_key(path: Path) -> None:
    """Write a new secret 0600 under a temporary name, then link it into place (atomic: a
    concurrent process either wins the link or reads the winner's key)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".key-")  # mkstemp creates 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(KEY_BYTES))
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)


def entry_path(folder: Path, key: bytes, name: str) -> Path:
    """Where the entry for cache key `name` lives: its name is keyed by the secret."""
    return folder / (hmac.new(key, name.encode(), hashlib.sha256).hexdigest() + SUFFIX)


def _tag(key: bytes, name: str, payload: bytes) -> bytes:
    return hmac.new(key, MAGIC + name.encode() + b"\0" + payload, hashlib.sha256).digest()


def load(name: str) -> Any | None:
    """The object stored under `name`, or None when absent, damaged, planted or not private."""
    folder = private_dir()
    key = machine_key(folder)
    path = entry_path(folder, key, name)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        ours = stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid()
        blob = fh.read() if ours and not info.st_mode & _PRIVATE else b""
    head = len(MAGIC) + hashlib.sha256().digest_size
    ok = blob.startswith(MAGIC) and len(blob) > head
    if ok:
        ok = hmac.compare_digest(blob[len(MAGIC) : head], _tag(key, name, blob[head:]))
    if not ok:  # verified before anything is unpickled: a bad entry is removed, never loaded
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    try:
        return pickle.loads(blob[head:])  # authenticated by our own secret above
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        return None  # written by another version of the code: recomputed


def store(name: str, obj: Any) -> Path:
    """Store `obj` under `name`: 0600, atomically (a temporary file renamed into place)."""
    folder = private_dir()
    key = machine_key(folder)
    payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    path = entry_path(folder, key, name)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".entry-")  # 0600 from the start
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(MAGIC + _tag(key, name, payload) + payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


@contextlib.contextmanager
def locked(name: str):
    """Hold the lock of cache entry `name` (blocking) for the duration of the block: the file
    ``HMAC(secret, "lock" + name).lock``, 0600, in the private folder (it names nothing)."""
    folder = private_dir()
    key = machine_key(folder)
    tag = hmac.new(key, b"lock\0" + name.encode(), hashlib.sha256).hexdigest()
    fd = os.open(folder / (tag + LOCK_SUFFIX), os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock
