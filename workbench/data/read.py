"""Reading one table file (CSV, Excel, Parquet) as raw cells, refusing what cannot be read safely.

`read_table(path)` gives the cells as text with spreadsheet row numbers; encodings (UTF-8, GB18030,
never a mix), byte-order marks, title rows above an Excel header, repeated or missing headers and
malformed rows are handled here, each refusal a `DataError` naming file, row and what to do. The
size caps checked before parsing are in `workbench.data.limits`.
"""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.data import limits, schema
from workbench.data.repairs import Repair
from workbench.exceptions import DataError
from workbench.privacy import identifiers

EXTENSIONS = (".csv", ".xlsx", ".parquet")
NA_WORDS = ["", "NA", "N/A", "n/a", "NULL", "null", "NaN", "nan", "None"]
_CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")


def read_table(path: str | os.PathLike, table: str | None = None) -> pd.DataFrame:
    """Read a CSV, .xlsx or Parquet file as raw cells (text for CSV), index = spreadsheet row.

    The header is row 1 and the first data row is row 2 in every format. Fully blank rows are
    dropped. Notes on what was repaired while reading are in ``frame.attrs["repairs"]``."""
    frame, repairs = read_raw(Path(path), table)
    frame.attrs["repairs"] = repairs
    return frame


def read_raw(path: Path, table: str | None, fast: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """`read_table`'s cells and repair notes; `fast` reads a well-formed UTF-8 CSV with pyarrow."""
    if not path.is_file():
        raise DataError(f"{path}: no such file; check the path.", file=str(path))
    suffix = path.suffix.lower()
    limits.check_size(path)
    if suffix == ".csv":
        frame, repairs = _read_csv(path, fast)
    elif suffix == ".xlsx":
        frame, repairs = _read_xlsx(path, table or path.stem)
    elif suffix == ".parquet":
        frame, repairs = _read_parquet(path, table or path.stem)
    else:
        raise DataError(
            f"{path.name}: files of type {suffix or '(none)'} cannot be read (expected .csv, "
            ".xlsx or .parquet); save the table in one of these forms.",
            file=path.name,
        )
    blank = frame.isna().all(axis=1).to_numpy()
    if blank.any():
        frame = frame.loc[~blank]
    if len(frame) > limits.MAX_ROWS:
        raise DataError(
            f"{path.name}: the table has {len(frame):,} rows (expected at most {limits.MAX_ROWS:,}); "
            "split the export by year or prefecture.",
            file=path.name,
        )
    return frame, repairs


def read_head(path: str | os.PathLike, table: str, rows: int) -> pd.DataFrame:
    """The header and the first `rows` rows of a table file as raw cells (for the identifier
    guard of `workbench.privacy.guard`: cheap even for a national export)."""
    path = Path(path)
    limits.check_size(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            limits.check_header(path)
            for encoding in ("utf-8-sig", "gb18030"):
                try:
                    head = pd.read_csv(path, dtype=str, nrows=rows, encoding=encoding,
                                       keep_default_na=False, na_values=NA_WORDS)  # fmt: skip
                except UnicodeDecodeError:
                    continue
                _check_repeated(head, path.name)
                return head
        elif suffix == ".parquet":
            import pyarrow.parquet as pq

            parquet = pq.ParquetFile(path)
            if parquet.metadata.num_columns > limits.MAX_COLUMNS:
                raise limits.too_many_columns(path.name, parquet.metadata.num_columns)
            batch = next(parquet.iter_batches(batch_size=rows), None)
            names = parquet.schema_arrow.names
            return batch.to_pandas() if batch is not None else pd.DataFrame(columns=names)
        else:
            return read_table(path, table)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError, ValueError) as exc:
        if isinstance(exc, DataError):
            raise
    raise DataError(
        f"{path.name}: the file cannot be read; see `workbench validate`.", file=path.name
    )


def _check_encoding(path: Path, head: bytes) -> None:
    """Refuse a file that mixes UTF-8 with GBK/GB18030 rows (never re-decode it silently).

    Called when the file is not valid UTF-8: if some row with Chinese text is valid UTF-8 (or
    the file starts with a UTF-8 byte-order mark), the rows that are not were pasted in from
    another encoding, and reading the whole file as GB18030 would garble the UTF-8 rows."""
    utf8_row = 1 if head.startswith(b"\xef\xbb\xbf") else None
    bad_row = None
    with open(path, "rb") as fh:
        for n, line in enumerate(fh, start=1):
            if line.isascii():
                continue
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                bad_row = bad_row or n
            else:
                utf8_row = utf8_row or (n if _CJK.search(text) else None)
            if bad_row and utf8_row:
                raise DataError(
                    f"{path.name} row {bad_row:,}: the text is not UTF-8 but row {utf8_row:,} "
                    "is (the file mixes encodings, e.g. a GBK cell pasted into a UTF-8 file; "
                    "expected one encoding for the whole file); retype the row's text and save "
                    "the file again as 'CSV UTF-8'.",
                    file=path.name,
                    row=bad_row,
                )


def _read_csv(path: Path, fast: bool = False) -> tuple[pd.DataFrame, list[str]]:
    name = path.name
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if not head.strip():
        raise DataError(
            f"{name}: the file is empty (expected a header row and data rows); export the table again.",
            file=name,
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError(
            f"{name}: the file is UTF-16 text (expected UTF-8 or GB18030); save it again as "
            "'CSV UTF-8'.",
            file=name,
        )
    if head.startswith(b"PK\x03\x04") or b"\x00" in head:
        raise DataError(
            f"{name}: the file is not text (expected a CSV table in UTF-8 or GB18030); "
            "if it is an Excel workbook, name it .xlsx.",
            file=name,
        )
    limits.check_header(path)
    for encoding in ("utf-8-sig", "gb18030"):
        if encoding == "gb18030":
            _check_encoding(path, head)
        try:
            frame = _arrow_frame(path) if fast and encoding == "utf-8-sig" else None
            frame = _csv_frame(path, encoding) if frame is None else frame
        except UnicodeDecodeError:
            continue
        repairs = []
        if head.startswith(b"\xef\xbb\xbf"):
            repairs.append(Repair("dq_repair_bom", file=name))
        if encoding == "gb18030":
            repairs.append(Repair("dq_repair_gb18030", file=name))
        return frame, repairs
    raise DataError(
        f"{name}: the text is neither UTF-8 nor GB18030/GBK (expected one of these encodings); "
        "save it again as 'CSV UTF-8'.",
        file=name,
    )


def _csv_frame(path: Path, encoding: str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(
            path,
            dtype=str,
            encoding=encoding,
            keep_default_na=False,
            na_values=NA_WORDS,
            skip_blank_lines=False,
        )
    except pd.errors.EmptyDataError:
        raise DataError(
            f"{path.name}: the file has no header row (expected column names in row 1); "
            "export the table again.",
            file=path.name,
        ) from None
    except pd.errors.ParserError as exc:
        raise _parser_error(path.name, str(exc)) from None
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    _check_repeated(frame, path.name)
    return frame


def _check_repeated(frame: pd.DataFrame, file: str) -> None:
    names = [str(c) for c in frame.columns]
    for name in names:
        m = re.fullmatch(r"(.*)\.(\d+)", name)
        if m and m[1] in names:  # pandas renames a repeated header "x" to "x.1"
            _repeated_header(file, m[1])


def _arrow_frame(path: Path) -> pd.DataFrame | None:
    """A well-formed UTF-8 CSV read by pyarrow (several times faster than pandas' parser), each
    column a Categorical of its text; None for anything else (then pandas reads it and names the
    problem). Same cells, NA words and row numbers as `_csv_frame`."""
    import pyarrow as pa
    from pyarrow import csv

    try:
        with csv.open_csv(path) as head:  # the header only (the first block is parsed)
            names = head.schema.names
        if len(set(names)) < len(names) or not names:
            return None  # a repeated header: pandas' reader reports it
        table = csv.read_csv(
            path,
            parse_options=csv.ParseOptions(ignore_empty_lines=False),
            convert_options=csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                null_values=NA_WORDS,
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowException, OSError):
        return None
    frame = pd.DataFrame({n: _categorical(table.column(i)) for i, n in enumerate(names)})
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    return frame


def _categorical(column) -> pd.Categorical:
    """An Arrow text column as a pandas Categorical (distinct values once; nulls → NaN).

    Built from the dictionary's codes directly: pyarrow's own conversion is about 3x slower on
    the 2.3 M distinct ids of a national dataset."""
    encoded = column.dictionary_encode().combine_chunks()
    codes = encoded.indices.fill_null(-1).to_numpy().astype(np.int64, copy=False)
    values = encoded.dictionary.to_numpy(zero_copy_only=False)
    return pd.Categorical.from_codes(codes, categories=pd.Index(values, dtype=object))


def _repeated_header(name: str, header: str) -> None:
    raise DataError(
        f"{name}: the header {header} appears more than once (expected each column name once); "
        "rename or delete the repeated column.",
        file=name,
        row=1,
        column=header,
    )


def _parser_error(name: str, text: str) -> DataError:
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if m is None:
        return DataError(
            f"{name}: the file is not a well-formed CSV table (expected comma-separated cells); "
            "export it again.",
            file=name,
        )
    expected, line, seen = (int(g) for g in m.groups())
    return DataError(
        f"{name} row {line:,}: the row has {seen} cells but the header has {expected} (expected "
        "one cell per column); remove the extra commas or quote text that contains commas.",
        file=name,
        row=line,
    )


def _read_xlsx(path: Path, table: str) -> tuple[pd.DataFrame, list[str]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    name = path.name
    limits.check_zip(path)
    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise DataError(
            f"{name}: the file is not a readable Excel workbook (expected .xlsx); "
            "open it in Excel and save it again as .xlsx.",
            file=name,
        ) from None
    sheet = book[_pick_sheet(book.sheetnames, table, name)]
    if sheet.max_column > limits.MAX_COLUMNS:
        raise limits.too_many_columns(name, sheet.max_column)
    rows = list(sheet.iter_rows(values_only=True))
    where = f"{name} sheet {sheet.title}"
    top = _header_row(rows)
    notes = [Repair("dq_repair_title_row", file=name)] if top == 2 else []
    for merged in sheet.merged_cells.ranges:
        if merged.min_row <= top <= merged.max_row:
            raise DataError(
                f"{where}: header cells {merged.coord} are merged (expected one header per "
                f"column in row {top}); unmerge them and give each column its own name.",
                file=name,
                row=top,
            )
    if not rows or all(v is None for v in rows[top - 1]):
        raise DataError(
            f"{where}: row 1 is empty (expected column names in row 1); put the header in the "
            "first row.",
            file=name,
            row=1,
        )
    return _sheet_frame(rows, top, where, name), notes


def _header_row(rows: list[tuple]) -> int:
    """2 when row 1 is a title (one filled cell, not a column name) above a header row, else 1."""
    filled = [[v for v in row if v is not None] for row in rows[:2]]
    if len(filled) < 2 or len(filled[0]) != 1 or len(filled[1]) < 2:
        return 1
    known = {h for table in schema.TABLES for h in schema.header_lookup(table)}
    return 1 if schema.normalise_header(filled[0][0]) in known else 2


def _sheet_frame(rows: list[tuple], top: int, where: str, name: str) -> pd.DataFrame:
    from openpyxl.utils import get_column_letter

    header = list(rows[top - 1])
    frame = pd.DataFrame(rows[top:], columns=range(len(header)), dtype=object)
    frame.index = pd.RangeIndex(top + 1, len(frame) + top + 1)
    keep = [i for i, h in enumerate(header) if h is not None or frame[i].notna().any()]
    for i in keep:
        if header[i] is None:
            raise DataError(
                f"{where}: column {get_column_letter(i + 1)} has data but no header (expected "
                f"a name in row {top}); name the column or delete it.",
                file=name,
                row=top,
            )
    frame = frame[keep]
    frame.columns = [str(header[i]).strip() for i in keep]
    repeated = frame.columns[frame.columns.duplicated()]
    if len(repeated):
        _repeated_header(name, repeated[0])
    return frame


def _pick_sheet(sheets: list[str], table: str, name: str) -> str:
    wanted = {table, *schema.TABLE_ALIASES.get(table, ())}
    matches = [s for s in sheets if s.strip().lower() in wanted]
    if matches:
        return matches[0]
    if len(sheets) == 1:
        return sheets[0]
    raise DataError(
        f"{name}: the workbook has sheets {', '.join(sheets)} and none is named {table} "
        f"(expected a sheet {table} or a single sheet); rename the sheet or delete the others.",
        file=name,
    )


def _read_parquet(path: Path, table: str) -> tuple[pd.DataFrame, list[str]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(path).names
        if len(names) > limits.MAX_COLUMNS:
            raise limits.too_many_columns(path.name, len(names))
        known = schema.header_lookup(table) if table in schema.SPECS else None
        wanted = [
            n
            for n in names
            if known is None
            or schema.normalise_header(n) in known
            or identifiers.header_kind(n) is not None
        ]
        frame = pq.read_table(path, columns=wanted).to_pandas()
    except (pa.ArrowException, OSError):
        raise DataError(
            f"{path.name}: the file is not a readable Parquet file (expected Apache Parquet); "
            "write it again.",
            file=path.name,
        ) from None
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    skipped = len(names) - len(wanted)
    notes = [Repair("dq_repair_ignored_columns", file=path.name, n=skipped)] if skipped else []
    return frame, notes


def sha256_of(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
