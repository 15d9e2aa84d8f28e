"""Writing files atomically: a file is replaced whole or not at all, and output paths are
checked before any analysis runs (so a wrong --out costs nothing)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from workbench.exceptions import ParameterError


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to `path`; on success move it into place with os.replace.

    If the block raises, the temporary file is removed and `path` is left as it was."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the usual mode
    try:
        yield tmp_path
        with open(tmp_path, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _umask() -> int:
    """The process umask, read without changing it (Linux), else the common 022."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    return 0o022


def atomic_write(path: str | os.PathLike, data: bytes | str) -> Path:
    """Write `data` (text as UTF-8) to `path` whole or not at all."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path) as tmp:
        tmp.write_bytes(raw)
    return Path(path)


def check_table_path(path: str | os.PathLike) -> Path:
    """An output table path: a .csv or .parquet file name, not a folder (checked before any
    analysis runs, so a wrong --out costs nothing)."""
    target = Path(path)
    suffix = target.suffix.lower()
    if target.is_dir():
        raise ParameterError(
            f"--out {target.name}: is a folder (expected a file name ending .csv or .parquet); "
            "give a file name."
        )
    if suffix not in (".csv", ".parquet"):
        raise ParameterError(
            f"{target.name}: cannot write a table as {suffix or 'a file without suffix'} "
            "(expected .csv or .parquet); choose one of those."
        )
    if target.parent.exists() and not target.parent.is_dir():
        raise ParameterError(f"--out {target}: {target.parent.name} is a file, not a folder")
    return target


def check_out_folder(path: str | os.PathLike) -> Path:
    """An output folder: new or an existing folder, never a file (checked before any analysis)."""
    target = Path(path)
    for folder in (target, *target.parents):
        if folder.exists() and not folder.is_dir():
            raise ParameterError(
                f"--out {target.name}: {folder.name} is a file (expected a folder for the "
                "outputs); give a folder name."
            )
    return target


def write_table(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a table atomically as UTF-8 CSV or Parquet (chosen by the suffix)."""
    target = check_table_path(path)
    suffix = target.suffix.lower()
    with atomic_path(target) as tmp:
        if suffix == ".csv":
            frame.to_csv(tmp, index=False, encoding="utf-8", date_format="%Y-%m-%d")
        else:
            frame.to_parquet(tmp, index=False)
    return target
