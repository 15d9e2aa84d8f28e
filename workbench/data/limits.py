"""Limits on a hostile or mistaken input file, checked before the file is parsed (one-line error).

Read at call time as module attributes (``limits.MAX_ROWS``), so a test can lower them.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from workbench.exceptions import DataError

MAX_FILE_BYTES = 4 << 30  # 4 GiB per table file (a national 2.3 M-release export is 0.7 GB)
MAX_HEADER_BYTES = 1 << 20  # the header row of a CSV
MAX_COLUMNS = 1_000
MAX_ROWS = 100_000_000
MAX_XLSX_BYTES = 1 << 30  # uncompressed size of all parts of an .xlsx (zip-bomb check)


def check_size(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise DataError(
            f"{path.name}: the file is {size / (1 << 30):.1f} GiB (expected at most "
            f"{MAX_FILE_BYTES >> 30} GiB per table); check that this is the right file, or "
            "split the export by year.",
            file=path.name,
        )


def too_many_columns(name: str, n: int) -> DataError:
    return DataError(
        f"{name}: the header has {n:,} columns (expected at most {MAX_COLUMNS:,}); check that "
        "row 1 is the header and the file is comma-separated, and delete unused columns.",
        file=name,
        row=1,
    )


def check_header(path: Path) -> None:
    """A CSV header row of sane length and width, checked before any parser reads the file."""
    with open(path, "rb") as fh:
        head = fh.read(MAX_HEADER_BYTES + 1)
    line = head.split(b"\n", 1)[0]
    if len(line) > MAX_HEADER_BYTES:
        raise DataError(
            f"{path.name}: the header row is longer than {MAX_HEADER_BYTES >> 10} KiB (expected "
            "column names in row 1); check that this is a CSV table.",
            file=path.name,
            row=1,
        )
    if line.count(b",") + 1 > MAX_COLUMNS:
        raise too_many_columns(path.name, line.count(b",") + 1)


def check_zip(path: Path) -> None:
    """Refuse an .xlsx whose parts would unpack to more than MAX_XLSX_BYTES (a zip bomb), before
    openpyxl reads it; zipfile never reads past a part's declared size."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # openpyxl's own check names the unreadable workbook
    if unpacked > MAX_XLSX_BYTES:
        raise DataError(
            f"{path.name}: the workbook unpacks to {unpacked / (1 << 30):.1f} GiB (expected at "
            f"most {MAX_XLSX_BYTES >> 30} GiB); check that this is the right file, or save the "
            "table as CSV UTF-8.",
            file=path.name,
        )
