"""The guard `report`, `validate` and `batch` run first: identifiers stay out of analyses.

`guard(data)` scans the headers and the first `GUARD_ROWS` rows of each table, and data holding
identifier columns are refused (or, with --allow-identifiers, a warning is printed). Which columns
identify people is decided in `workbench.privacy.identifiers`; `workbench pseudonymize`
(`workbench.privacy.pseudonymize`) removes them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from workbench.data import yamlsafe
from workbench.data.io import find_tables
from workbench.data.read import read_head
from workbench.exceptions import DataError, WorkbenchError
from workbench.privacy.identifiers import GUARD_ROWS, column_findings

ALLOW_ENV = "WORKBENCH_ALLOW_IDENTIFIERS"  # set by --allow-identifiers (read by batch runs too)


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
