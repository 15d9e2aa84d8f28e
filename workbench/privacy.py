"""Pseudonymisation of direct identifiers (PIPL: records of drug users are sensitive).

`pseudonymize(folder, key_file, out)` replaces `release_id` and `person_id` in every table with
keyed hashes (HMAC-SHA256 under a secret key the user keeps, never stored with the data) and drops
columns that hold names, resident ID numbers, phone numbers or addresses. The same key gives the
same pseudonyms, so tables pseudonymised separately still link; without the key the original ids
cannot be recovered or checked by guessing.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from workbench import schema
from workbench.exceptions import ParameterError
from workbench.io import IDENTIFIER_HEADERS, atomic_write, find_tables, read_table, write_table

ID_COLUMNS = ("release_id", "person_id")
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


def load_or_create_key(
    key_file: str | os.PathLike, data_dirs: tuple[Path, ...]
) -> tuple[bytes, bool]:
    """The secret key (hex in `key_file`); created with mode 0600 when the file does not exist.

    A key inside the data folder or the output folder is refused: whoever holds both could
    re-identify people."""
    path = Path(key_file).resolve()
    for folder in data_dirs:
        if path.is_relative_to(folder.resolve()):
            raise ParameterError(
                f"--key {key_file}: the key file is inside {folder} (expected it apart from the "
                "data); keep the key somewhere only you can read, never with the data."
            )
    if not path.exists():
        atomic_write(path, secrets.token_hex(KEY_BYTES) + "\n")
        path.chmod(0o600)
        return bytes.fromhex(path.read_text().strip()), True
    text = path.read_text(encoding="utf-8").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 16:
        raise ParameterError(
            f"--key {key_file}: not a key written by `workbench pseudonymize` (expected at least "
            "32 hexadecimal characters); give the right key file or a new path to create one."
        )
    return key, False


def pseudonym(key: bytes, value: object) -> str:
    """The keyed hash of one identifier (empty stays empty)."""
    if value is None or (isinstance(value, float) and value != value) or str(value).strip() == "":
        return ""
    digest = hmac.new(key, str(value).strip().encode("utf-8"), hashlib.sha256).hexdigest()
    return "p" + digest[: PSEUDONYM_CHARS - 1]


def _id_columns(frame: pd.DataFrame, table: str) -> list[str]:
    lookup = schema.header_lookup(table)
    return [c for c in frame.columns if lookup.get(schema.normalise_header(c)) in ID_COLUMNS]


def pseudonymize(
    folder: str | os.PathLike, key_file: str | os.PathLike, out: str | os.PathLike
) -> PseudonymizeResult:
    """Write a pseudonymised copy of the dataset in `folder` to `out` (CSV, UTF-8)."""
    source, target = Path(folder), Path(out)
    if source.resolve() == target.resolve():
        raise ParameterError(
            f"--out {out} is the input folder (expected a new folder); raw data stay as they are."
        )
    key, created = load_or_create_key(key_file, (source, target))
    frames, dropped = {}, {}
    for table, path in find_tables(source).items():
        frame = read_table(path, table)
        ids = _id_columns(frame, table)
        for column in ids:
            uniques = frame[column].astype("string").str.strip()
            mapping = {v: pseudonym(key, v) for v in uniques.dropna().unique()}
            frame[column] = uniques.map(mapping).fillna("")
        drop = tuple(c for c in frame.columns if c not in ids and IDENTIFIER_HEADERS.search(str(c)))
        frames[table] = frame.drop(columns=list(drop))
        dropped[table] = drop
    for table, frame in frames.items():
        write_table(frame, target / f"{table}.csv")
    meta = source / "dataset.yaml"
    if meta.is_file():
        atomic_write(target / "dataset.yaml", meta.read_bytes())
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
