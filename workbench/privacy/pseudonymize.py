"""Pseudonymisation of direct identifiers (`workbench pseudonymize`).

`pseudonymize(folder, key_file, out)` replaces `release_id` and `person_id` in every table with
keyed hashes (HMAC-SHA256 under a secret key the user keeps, never stored with the data) and drops
every column that `workbench.privacy.identifiers` finds identifying, by its header or by any of its values
(all rows are scanned), and every free-text column. The same key gives the same pseudonyms, so
tables pseudonymised separately still link; without the key the original ids cannot be recovered
or checked by guessing. What is refused, before anything is written:

- an output folder that is a file, or a folder that is not empty (a raw table left beside the
  pseudonymised ones would undo the work);
- a key file that is a folder, that lies inside the data or output folder, or that group or
  others can read (the message gives the `chmod 600` that fixes it); a new key is created with
  mode 0600 from the start (O_CREAT|O_EXCL, then renamed into place), never chmod-ed afterwards;
- a table that mixes encodings (`workbench.data.read`), or a dataset.yaml that holds an identifier.

The tables are written to a private staging folder next to `out` and moved into place at the
end, so a failed run leaves `out` as it was.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from workbench.data import yamlsafe
from workbench.data.io import find_tables
from workbench.data.read import read_table
from workbench.data.write import write_table
from workbench.exceptions import DataError, ParameterError
from workbench.privacy import identifiers
from workbench.privacy.identifiers import dropped_columns, id_columns

KEY_BYTES = 32
PSEUDONYM_CHARS = 20  # 80 bits of the HMAC: collisions are negligible for national registers


@dataclass(frozen=True)
class PseudonymizeResult:
    """What was written and what was removed."""

    out: Path
    tables: dict[str, int]
    dropped: dict[str, tuple[str, ...]]
    key_created: bool

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "table": list(self.tables),
                "rows": list(self.tables.values()),
                "dropped_columns": [", ".join(self.dropped.get(t, ())) for t in self.tables],
            }
        )


# ---------------------------------------------------------------------------------------------
# the key


def check_key_path(key_file: str | os.PathLike, data_dirs: tuple[Path, ...]) -> Path:
    """The key path, refused when it is a folder, lies with the data, or others can read it."""
    path = Path(key_file).resolve()
    if path.is_dir():
        raise ParameterError(
            f"--key {key_file}: is a folder (expected a key file); give a file name such as "
            "~/keys/workbench.key"
        )
    for folder in data_dirs:
        if path.is_relative_to(folder.resolve()):
            raise ParameterError(
                f"--key {key_file}: the key file is inside {folder} (expected it apart from the "
                "data); keep the key somewhere only you can read, never with the data."
            )
    if path.exists() and path.stat().st_mode & 0o077:
        mode = stat.S_IMODE(path.stat().st_mode)
        raise ParameterError(
            f"--key {key_file}: group or others can read the key (mode {mode:04o}; expected "
            f"0600); run `chmod 600 {key_file}` and check who has copied it."
        )
    return path


def _create_key(path: Path) -> None:
    """A new random key, mode 0600 from its first byte: written to a temporary file opened with
    O_CREAT|O_EXCL and mode 0o600, then renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(KEY_BYTES) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.rename(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def load_or_create_key(
    key_file: str | os.PathLike, data_dirs: tuple[Path, ...]
) -> tuple[bytes, bool]:
    """The secret key (hex in `key_file`); created with mode 0600 when the file does not exist."""
    path = check_key_path(key_file, data_dirs)
    created = not path.exists()
    if created:
        _create_key(path)
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (ValueError, UnicodeDecodeError):
        key = b""
    if len(key) < 16:
        raise ParameterError(
            f"--key {key_file}: not a key written by `workbench pseudonymize` (expected at least "
            "32 hexadecimal characters); give the right key file or a new path to create one."
        )
    return key, created


def pseudonym(key: bytes, value: object) -> str:
    """The keyed hash of one identifier (empty stays empty)."""
    if value is None or (isinstance(value, float) and value != value) or str(value).strip() == "":
        return ""
    digest = hmac.new(key, str(value).strip().encode("utf-8"), hashlib.sha256).hexdigest()
    return "p" + digest[: PSEUDONYM_CHARS - 1]


# ---------------------------------------------------------------------------------------------
# pseudonymize


def _check_out(source: Path, target: Path, out: object) -> None:
    if target.exists() and not target.is_dir():
        raise ParameterError(f"--out {out}: is a file (expected a new or empty folder)")
    if source.resolve() == target.resolve():
        raise ParameterError(
            f"--out {out} is the input folder (expected a new folder); raw data stay as they are."
        )
    if target.is_dir() and any(target.iterdir()):
        raise ParameterError(
            f"--out {out}: the folder is not empty (expected a new or empty folder, so that no "
            "raw table stays beside the pseudonymised ones); give a new folder."
        )


def _check_meta(meta: Path) -> None:
    text = yamlsafe.read_text(meta, "dataset description")
    kind = identifiers.values_kind(text.splitlines())
    if kind:
        raise DataError(
            f"{meta.name}: holds direct identifiers ({kind}) (expected no direct identifiers); remove it from the "
            "description and run again.",
            file=meta.name,
        )


def _publish(staging: Path, target: Path) -> None:
    """Move the finished staging folder to `target` (new), or its files into `target` (empty)."""
    if not target.exists():
        os.rename(staging, target)
        return
    for item in staging.iterdir():
        os.rename(item, target / item.name)
    staging.rmdir()


def pseudonymize(
    folder: str | os.PathLike, key_file: str | os.PathLike, out: str | os.PathLike
) -> PseudonymizeResult:
    """Write a pseudonymised copy of the dataset in `folder` to `out` (CSV, UTF-8)."""
    source, target = Path(folder), Path(out)
    _check_out(source, target, out)
    check_key_path(key_file, (source, target))
    raw = {table: read_table(path, table) for table, path in find_tables(source).items()}
    meta = source / "dataset.yaml"
    if meta.is_file():
        _check_meta(meta)
    key, created = load_or_create_key(key_file, (source, target))
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        frames, dropped = {}, {}
        for table, frame in raw.items():
            dropped[table] = dropped_columns(frame, table)
            frame = frame.drop(columns=list(dropped[table]))
            for column in id_columns(frame, table):
                uniques = frame[column].astype("string").str.strip()
                mapping = {v: pseudonym(key, v) for v in uniques.dropna().unique()}
                frame[column] = uniques.map(mapping).fillna("")
            frames[table] = frame
            write_table(frame, staging / f"{table}.csv")
        if meta.is_file():
            shutil.copyfile(meta, staging / "dataset.yaml")
        _publish(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    tables = {t: len(f) for t, f in frames.items()}
    return PseudonymizeResult(target, tables, dropped, created)
