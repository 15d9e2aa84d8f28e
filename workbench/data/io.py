"""Reading datasets (CSV, Excel, Parquet) into the data contract, and writing files atomically.

`load_dataset(folder)` finds the tables, reads them (`read_table`), conforms them to the contract
(`workbench.data.schema.conform`), checks the tables against each other and returns a `Dataset` whose
`repairs` say, in plain words with counts, every change made on the way. Anything that cannot be
repaired safely is a `DataError` naming file, row, column, value, what was expected and what to do.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.data import codes, schema, yamlsafe
from workbench.data.dataset import Dataset
from workbench.data.links import check_links, positions  # noqa: F401  (positions: re-exported)
from workbench.exceptions import DataError, ParameterError
from workbench.privacy import identifiers

EXTENSIONS = (".csv", ".xlsx", ".parquet")
NA_WORDS = ["", "NA", "N/A", "n/a", "NULL", "null", "NaN", "nan", "None"]
DATASET_KEYS = ("name", "cutoff", "description", "interventions", "status")
# dataset.yaml `status`: what the data are (reports on simulated or test data say so on every page)
DATA_STATUSES = ("real", "simulated", "test")
# Limits on a hostile or mistaken input file, checked before the file is parsed (one-line error):
MAX_FILE_BYTES = 4 << 30  # 4 GiB per table file (a national 2.3 M-release export is 0.7 GB)
MAX_HEADER_BYTES = 1 << 20  # the header row of a CSV
MAX_COLUMNS = 1_000
MAX_ROWS = 100_000_000
MAX_XLSX_BYTES = 1 << 30  # uncompressed size of all parts of an .xlsx (zip-bomb check)
_CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")


# ---------------------------------------------------------------------------------------------
# atomic writing


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


def sha256_of(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# reading one table


def read_table(path: str | os.PathLike, table: str | None = None) -> pd.DataFrame:
    """Read a CSV, .xlsx or Parquet file as raw cells (text for CSV), index = spreadsheet row.

    The header is row 1 and the first data row is row 2 in every format. Fully blank rows are
    dropped. Notes on what was repaired while reading are in ``frame.attrs["repairs"]``."""
    frame, repairs = _read(Path(path), table)
    frame.attrs["repairs"] = repairs
    return frame


def _read(path: Path, table: str | None, fast: bool = False) -> tuple[pd.DataFrame, list[str]]:
    if not path.is_file():
        raise DataError(f"{path}: no such file; check the path.", file=str(path))
    suffix = path.suffix.lower()
    _check_size(path)
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
    if len(frame) > MAX_ROWS:
        raise DataError(
            f"{path.name}: the table has {len(frame):,} rows (expected at most {MAX_ROWS:,}); "
            "split the export by year or prefecture.",
            file=path.name,
        )
    return frame, repairs


def read_head(path: str | os.PathLike, table: str, rows: int) -> pd.DataFrame:
    """The header and the first `rows` rows of a table file as raw cells (for the identifier
    guard of `workbench.privacy.guard`: cheap even for a national export)."""
    path = Path(path)
    _check_size(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            _check_header(path)
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
            if parquet.metadata.num_columns > MAX_COLUMNS:
                raise _too_many_columns(path.name, parquet.metadata.num_columns)
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


def _check_size(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise DataError(
            f"{path.name}: the file is {size / (1 << 30):.1f} GiB (expected at most "
            f"{MAX_FILE_BYTES >> 30} GiB per table); check that this is the right file, or "
            "split the export by year.",
            file=path.name,
        )


def _too_many_columns(name: str, n: int) -> DataError:
    return DataError(
        f"{name}: the header has {n:,} columns (expected at most {MAX_COLUMNS:,}); check that "
        "row 1 is the header and the file is comma-separated, and delete unused columns.",
        file=name,
        row=1,
    )


def _check_header(path: Path) -> None:
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
        raise _too_many_columns(path.name, line.count(b",") + 1)


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
    _check_header(path)
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
            repairs.append(f"{name}: removed the UTF-8 byte-order mark.")
        if encoding == "gb18030":
            repairs.append(f"{name}: read as GB18030 (Chinese Windows) text.")
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
    _check_zip(path)
    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise DataError(
            f"{name}: the file is not a readable Excel workbook (expected .xlsx); "
            "open it in Excel and save it again as .xlsx.",
            file=name,
        ) from None
    sheet = book[_pick_sheet(book.sheetnames, table, name)]
    if sheet.max_column > MAX_COLUMNS:
        raise _too_many_columns(name, sheet.max_column)
    rows = list(sheet.iter_rows(values_only=True))
    where = f"{name} sheet {sheet.title}"
    top = _header_row(rows)
    notes = [f"{name}: skipped the title row above the header."] if top == 2 else []
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


def _check_zip(path: Path) -> None:
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
        if len(names) > MAX_COLUMNS:
            raise _too_many_columns(path.name, len(names))
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
    notes = [f"{path.name}: ignored {skipped} columns not in the contract."] if skipped else []
    return frame, notes


# ---------------------------------------------------------------------------------------------
# a dataset folder


def find_tables(folder: Path) -> dict[str, Path]:
    """The file of each table in `folder` (releases, visits, interventions, optional events)."""
    found: dict[str, Path] = {}
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    for table in schema.TABLES:
        names = {table, *schema.TABLE_ALIASES[table]}
        hits = [p for p in files if p.stem.strip().lower() in names]
        old = [p for p in hits if p.suffix.lower() == ".xls"]
        if old:
            raise DataError(
                f"{old[0].name}: old-style Excel files cannot be read (expected .xlsx, .csv or "
                ".parquet); save it again as .xlsx.",
                file=old[0].name,
            )
        hits = [p for p in hits if p.suffix.lower() in EXTENSIONS]
        if len(hits) > 1:
            raise DataError(
                f"{folder.name}: {' and '.join(p.name for p in hits)} both hold {table} "
                "(expected one file per table); keep one of them.",
                file=hits[1].name,
            )
        if hits:
            found[table] = hits[0]
        elif table not in schema.OPTIONAL_TABLES:
            raise DataError(
                f"{folder}: no {table} table (expected {table}.csv, {table}.xlsx or "
                f"{table}.parquet); add the file or check the folder.",
                file=f"{table}.csv",
            )
    return found


def load_yaml(path: Path) -> object:
    """Parse a YAML file (dates stay text, no anchors or aliases); ParameterError when invalid."""
    return yamlsafe.load(path)


def read_meta(folder: Path) -> dict:
    """dataset.yaml of `folder` (name, cutoff, description, interventions), or {}."""
    path = folder / "dataset.yaml"
    if not path.is_file():
        return {}
    meta = load_yaml(path) or {}
    if not isinstance(meta, dict):
        raise ParameterError("dataset.yaml: expected a mapping of keys; write `key: value` lines.")
    unknown = sorted(set(map(str, meta)) - set(DATASET_KEYS))
    if unknown:
        raise ParameterError(
            f"dataset.yaml: unknown key {unknown[0]} (expected one of {', '.join(DATASET_KEYS)}); "
            "remove it or correct its spelling."
        )
    status = meta.get("status")
    if status is not None and str(status) not in DATA_STATUSES:
        raise ParameterError(
            f"dataset.yaml: status {schema.show(status)} is not one of "
            f"{', '.join(DATA_STATUSES)}; write `status: real` for programme data."
        )
    return meta


def data_status(path: str | os.PathLike) -> str | None:
    """What a dataset folder's data are (dataset.yaml `status`): real, simulated, test; or None
    when undeclared (a dataset spec or a folder without dataset.yaml)."""
    folder = Path(path)
    if folder.name == "dataset.yaml":
        folder = folder.parent
    if not folder.is_dir():
        return None
    status = read_meta(folder).get("status")
    return None if status is None else str(status)


def _extra_interventions(meta: Mapping) -> dict[str, dict[str, str]]:
    declared = meta.get("interventions") or {}
    if not isinstance(declared, dict):
        raise ParameterError(
            "dataset.yaml: interventions must map codes to labels, e.g. "
            "`interventions: {housing: {zh: 住房帮扶, en: housing support}}`; fix the entry."
        )
    lookup: dict[str, str] = {}
    for code, labels in declared.items():
        code = str(code)
        if not re.fullmatch(r"[a-z][a-z0-9_]*", code) or code in codes.OUTCOME_CODES:
            raise ParameterError(
                f"dataset.yaml: intervention code {code!r} is not allowed (expected lower-case "
                "letters, digits and _, and not an outcome code); rename it."
            )
        lookup[code] = code
        for word in (labels or {}).values() if isinstance(labels, dict) else ():
            lookup[str(word)] = code
    return {"intervention": lookup}


def _parse_cutoff(value: object, where: str) -> pd.Timestamp:
    if isinstance(value, pd.Timestamp) or hasattr(value, "year"):
        return pd.Timestamp(value).normalize()
    parsed = schema.parse_date_text(str(value).strip())
    if isinstance(parsed, str):
        raise ParameterError(
            f"{where}: cutoff {schema.show(value)} {parsed} (expected {schema.DATE_FORMS}); "
            "give the data cut-off date."
        )
    return parsed


def load_dataset(path: str | os.PathLike, cutoff: object = None) -> Dataset:
    """Read, repair and check a dataset folder; see data/README.md for the contract."""
    folder = Path(path)
    if not folder.is_dir():
        raise DataError(
            f"{folder}: not a folder (expected a dataset folder with releases, visits and "
            "interventions tables); check the path.",
            file=str(folder),
        )
    meta = read_meta(folder)
    files = find_tables(folder)
    frames, repairs = _read_tables(files, _extra_interventions(meta))
    names = {t: f.name for t, f in files.items()}
    names.setdefault("events", "events.csv")
    repairs += check_links(frames, names)
    when = _dataset_cutoff(cutoff, meta, frames)
    return Dataset(
        releases=_finish(frames["releases"], "releases"),
        visits=_finish(frames["visits"], "visits"),
        interventions=_finish(frames["interventions"], "interventions"),
        events=_finish(frames["events"], "events"),
        cutoff=when,
        source=str(meta.get("name") or folder.name),
        sha256=_hashes(folder, files),
        repairs=tuple(repairs),
        status=None if meta.get("status") is None else str(meta["status"]),
    )


def _hashes(folder: Path, files: Mapping[str, Path]) -> dict[str, str]:
    """SHA-256 of every input file: the tables and dataset.yaml when present."""
    inputs = list(files.values())
    if (folder / "dataset.yaml").is_file():
        inputs.append(folder / "dataset.yaml")
    return {f.name: sha256_of(f) for f in inputs}


def _read_tables(files: Mapping[str, Path], extra: Mapping) -> tuple[dict, list[str]]:
    """Each table read and conformed; optional tables and columns filled in. Also repairs."""
    frames: dict[str, pd.DataFrame] = {}
    repairs: list[str] = []
    for table, file in files.items():
        raw, notes = _read(file, table, fast=True)
        excel = file.suffix.lower() == ".xlsx"
        frames[table], more = schema.conform(raw, table, file.name, excel=excel, extra_codes=extra)
        repairs += notes + more
    releases, name = frames["releases"], files["releases"].name
    if releases.empty:
        raise DataError(
            f"{name}: the table has a header but no rows (expected one row per release); "
            "export the releases again.",
            file=name,
        )
    if "person_id" not in releases.columns:
        releases.insert(1, "person_id", releases["release_id"])
        repairs.append(f"{name}: no person_id column; used release_id.")
    _check_persons(releases, name)
    frames.setdefault("events", schema.empty_frame("events"))
    for table in ("interventions", "events"):
        for col in schema.SPECS[table]:
            if col.name not in frames[table].columns:
                frames[table][col.name] = schema.empty_frame(table)[col.name]
    return frames, repairs


def _check_persons(releases: pd.DataFrame, file: str) -> None:
    """One person (person_id) has one sex and one birth year in every release: two values mean
    one of the records is wrong (or two people share an id), and only the user can tell which."""
    for column in ("sex", "birth_year"):
        if column not in releases.columns:
            continue
        pairs = releases[["person_id", column]].astype({"person_id": object}).dropna()
        distinct = pairs.drop_duplicates()
        clash = distinct["person_id"].duplicated(keep=False).to_numpy()
        if not clash.any():
            continue
        rows = distinct.index[clash]
        people = distinct["person_id"][clash].nunique()
        raise DataError(
            f"{file} row {rows[0]:,}: person_id {schema.show(distinct['person_id'].iloc[0])} has "
            f"releases with different {column} (rows {rows[0]:,} and {rows[1]:,}; "
            f"{people:,} people in all; expected one {column} per person); correct the wrong "
            "record or give the two people different person_id.",
            file=file,
            row=int(rows[0]),
            column=column,
        )


def _finish(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    order = [c.name for c in schema.SPECS[table] if c.name in frame.columns]
    rest = [c for c in frame.columns if c not in order]
    out = frame[order + rest].reset_index(drop=True)
    for name in out.columns:
        if isinstance(out[name].dtype, pd.CategoricalDtype):
            out[name] = out[name].astype(object)
    return out


def _dataset_cutoff(cutoff: object, meta: Mapping, frames: Mapping) -> pd.Timestamp:
    if cutoff is not None:
        when = _parse_cutoff(cutoff, "cutoff argument")
    elif meta.get("cutoff") is not None:
        when = _parse_cutoff(meta["cutoff"], "dataset.yaml")
    else:
        dates = [
            frames["releases"]["release_date"].max(),
            frames["visits"]["visit_date"].max(),
            frames["interventions"]["start_date"].max(),
            frames["events"]["event_date"].max(),
        ]
        when = max(d for d in dates if pd.notna(d))
    first = frames["releases"]["release_date"].min()
    if pd.notna(first) and when < first:
        raise ParameterError(
            f"cutoff {when:%Y-%m-%d} is before every release (first release {first:%Y-%m-%d}; "
            "expected a cut-off after the releases); give the data cut-off date."
        )
    return when


def load_any(path: str | os.PathLike, cutoff: object = None):
    """A `Dataset` for a dataset folder, a `SpecDataset` for a dataset spec (.yaml/.yml).

    `cutoff` applies to a dataset folder only (a spec's times are already follow-up times)."""
    target = Path(path)
    if target.suffix.lower() in (".yaml", ".yml") and target.name != "dataset.yaml":
        from workbench.data.spec import load_spec

        return load_spec(target)
    if target.name == "dataset.yaml":
        target = target.parent
    return load_dataset(target, cutoff=cutoff)


__all__ = [
    "atomic_path",
    "atomic_write",
    "find_tables",
    "load_any",
    "load_dataset",
    "read_table",
    "sha256_of",
    "write_table",
]
