"""Pseudonymisation of direct identifiers, and the guard that keeps them out of analyses.

`pseudonymize(folder, key_file, out)` replaces `release_id` and `person_id` in every table with
keyed hashes (HMAC-SHA256 under a secret key the user keeps, never stored with the data) and drops
every column that `workbench.identifiers` finds identifying, by its header or by any of its values
(all rows are scanned), and every free-text column. The same key gives the same pseudonyms, so
tables pseudonymised separately still link; without the key the original ids cannot be recovered
or checked by guessing. What is refused, before anything is written:

- an output folder that is a file, or a folder that is not empty (a raw table left beside the
  pseudonymised ones would undo the work);
- a key file that is a folder, that lies inside the data or output folder, or that group or
  others can read (the message gives the `chmod 600` that fixes it); a new key is created with
  mode 0600 from the start (O_CREAT|O_EXCL, then renamed into place), never chmod-ed afterwards;
- a table that mixes encodings (`workbench.io`), or a dataset.yaml that holds an identifier.

The tables are written to a private staging folder next to `out` and moved into place at the
end, so a failed run leaves `out` as it was. `guard(data)` is the check `report`, `validate` and
`batch` run first: headers and the first `GUARD_ROWS` rows of each table are scanned, and data
holding identifier columns are refused (or, with --allow-identifiers, a warning is printed).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import secrets
import shutil
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from workbench import identifiers, schema, yamlsafe
from workbench.exceptions import DataError, ParameterError, WorkbenchError
from workbench.io import find_tables, read_head, read_table, write_table

ID_COLUMNS = ("release_id", "person_id")
KEY_BYTES = 32
PSEUDONYM_CHARS = 20  # 80 bits of the HMAC: collisions are negligible for national registers
GUARD_ROWS = 10_000
ALLOW_ENV = "WORKBENCH_ALLOW_IDENTIFIERS"  # set by --allow-identifiers (read by batch runs too)


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
# which columns identify people


def _id_columns(frame: pd.DataFrame, table: str) -> list[str]:
    lookup = schema.header_lookup(table) if table in schema.SPECS else {}  # a spec: no ids
    return [c for c in frame.columns if lookup.get(schema.normalise_header(c)) in ID_COLUMNS]


def column_findings(frame: pd.DataFrame, table: str, typed: bool = True) -> dict[str, str]:
    """Column -> kind of identifier, for every identifying column of a raw table. Ids (which
    are pseudonymised) count only with resident-ID or phone numbers, e-mails or names; the
    contract's date, number and code columns (refused on load when they hold text) are looked
    at like ids with `typed`, and not at all without."""
    ids = set(_id_columns(frame, table))
    checked = _checked_columns(frame, table)
    found: dict[str, str] = {}
    for column in frame.columns:
        if column in checked and not typed:
            continue
        values = pd.unique(frame[column].dropna().astype(str))
        if column in checked:
            kind = identifiers.values_kind(values, digits=False)
        elif column in ids:
            kind = identifiers.values_kind(values, digits=False)
            if kind is None and identifiers.names_in_ids(values[:GUARD_ROWS]):
                kind = "name"
        else:
            kind = identifiers.header_kind(column) or identifiers.values_kind(values)
        if kind:
            found[str(column)] = kind
    return found


def _checked_columns(frame: pd.DataFrame, table: str) -> set[str]:
    """Columns of the contract whose values are dates, numbers or codes (checked on load)."""
    if table not in schema.SPECS:
        return set()
    lookup = schema.header_lookup(table)
    typed = {c.name for c in schema.SPECS[table] if c.kind not in ("id", "text")}
    return {c for c in frame.columns if lookup.get(schema.normalise_header(c)) in typed}


def _outside(frame: pd.DataFrame, table: str) -> tuple[str, ...]:
    """Columns pseudonymize drops: identifying ones other than the ids it replaces."""
    ids = set(_id_columns(frame, table))
    return tuple(c for c in column_findings(frame, table) if c not in ids)


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
            dropped[table] = _outside(frame, table)
            frame = frame.drop(columns=list(dropped[table]))
            for column in _id_columns(frame, table):
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


def run_pseudonymize(args: argparse.Namespace) -> int:
    """`workbench pseudonymize DATA --key FILE --out DIR`."""
    result = pseudonymize(args.data, args.key, args.out)
    for table, rows in result.tables.items():
        gone = ", ".join(result.dropped[table]) or "none"
        print(f"{table}: {rows:,} rows; identifier columns dropped: {gone}")
    if result.key_created:
        print(f"new key written to {args.key}: keep it apart from the data; without it the same")
        print("ids cannot be pseudonymised the same way again.")
    print(f"pseudonymised dataset → {result.out}")
    return 0


# ---------------------------------------------------------------------------------------------
# the guard of report, validate and batch


def _table_files(data: Path) -> dict[str, Path]:
    """Table name -> file of a dataset folder or a dataset spec ({} when unreadable)."""
    try:
        if data.is_dir():
            return find_tables(data)
        if data.suffix.lower() in (".yaml", ".yml") and data.name != "dataset.yaml":
            spec = yamlsafe.load(data, "dataset spec")
            table = spec.get("table") if isinstance(spec, dict) else None
            path = data.parent / str(table) if table else None
            return {"table": path} if path is not None and path.is_file() else {}
        return find_tables(data.parent) if data.name == "dataset.yaml" else {}
    except WorkbenchError:
        return {}  # the loader reports what is wrong with the data


def scan(data: str | os.PathLike) -> list[tuple[str, str, str]]:
    """(file, column, kind) of every identifying column in the first GUARD_ROWS rows."""
    found = []
    for table, path in _table_files(Path(data)).items():
        try:
            head = read_head(path, table, GUARD_ROWS)
        except WorkbenchError:
            continue  # the loader reports an unreadable table with its own message
        found += [(path.name, c, k) for c, k in column_findings(head, table, False).items()]
    return found


def holds(kind: str) -> str:
    """What a message says of a column of this kind (never its values)."""
    if kind == "free text":
        return "is free text (names and addresses in it cannot be found reliably)"
    return f"holds direct identifiers ({kind})"


def guard(data: str | os.PathLike, allow: bool | None = None) -> None:
    """Refuse data holding identifier columns (DataError naming the column and the kind of
    identifier, never a value); with `allow` (or $WORKBENCH_ALLOW_IDENTIFIERS=1), warn on stderr."""
    if allow is None:
        allow = os.environ.get(ALLOW_ENV) == "1"
    found = scan(data)
    if not found:
        return
    if allow:
        for file, column, kind in found:
            print(f"warning: {file}: column {column} {holds(kind)} (allowed by "
                  "--allow-identifiers); keep the outputs internal.", file=sys.stderr)  # fmt: skip
        return
    file, column, kind = found[0]
    more = f" (and {len(found) - 1} more such columns)" if len(found) > 1 else ""
    raise DataError(
        f"{file}: column {column} {holds(kind)}{more} (expected a pseudonymised dataset without "
        "direct identifiers); run `workbench pseudonymize` first, or pass --allow-identifiers "
        "if the column is known to be safe.",
        file=file,
        column=column,
    )
