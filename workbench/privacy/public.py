"""What an official output may say about a failure, and CSV cells no spreadsheet will execute.

Failure messages reach official outputs (a batch's summary.csv and index.html). The console shows
the whole message to the analyst; an official output shows only `public_message(err)`, built by
allow-list:

- only our own errors (`WorkbenchError`) are shown, as our message templates word them; anything
  else (a traceback, a third-party exception, a line the process printed) becomes `GENERIC`;
- in them, the data value the error is about (`DataError.value`), every quoted value ('...'),
  anything that looks like an identifier (resident-ID, mobile and long numbers, e-mail addresses)
  and the value after ``release_id``/``person_id`` are replaced by `PLACEHOLDER`;
- absolute paths are cut to the file name; control characters are removed and the message is
  cut to `MAX_CHARS`.

What remains is our wording with file names, row numbers and column names, which is what a reader
of the index needs to find the problem with `workbench validate` on the console.

`neutral_csv(frame)` prefixes text cells that start with =, +, -, @, a tab or a carriage return
with an apostrophe, so a spreadsheet shows them as text instead of running them as formulas
(OWASP's advice against CSV injection).
"""

from __future__ import annotations

import re

import pandas as pd

from workbench.data.values import show
from workbench.exceptions import WorkbenchError
from workbench.privacy import identifiers

PLACEHOLDER = "[value]"
MAX_CHARS = 300
GENERIC = "the report failed; the console (or the run's log) shows why"
ENV = "WORKBENCH_PUBLIC_ERROR"  # a file where `workbench report` writes its public message
# quoted words of our own templates, kept as they are
TEMPLATE_QUOTES = frozenset({"CSV UTF-8", "key: value", "Save as"})
_QUOTED = re.compile(r"'([^'\n]{0,200})'|\"([^\"\n]{0,200})\"")
_ABS_PATH = re.compile(r"(?<![\w.~])(?:[A-Za-z]:)?[/\\](?:[^\s/\\:;,'\"()]+[/\\])+")
_DIGITS = re.compile(r"(?<![0-9])[0-9Xx]?[0-9]{7,}[0-9Xx]?(?![0-9])")
# the value after release_id/person_id, when it has a digit or a non-ASCII letter (not a word of ours)
_ID_VALUE = re.compile(
    r"\b((?:release_id|person_id) )(?!\[)(?=[^\s,;:)]*[0-9\u0080-\uffff])([^\s,;:)]{1,60})"
)
_ID_BEFORE = re.compile(r"(: (?:release_id|person_id) )(?!is )(.{1,40}?)(?= is | appears )")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _quoted(match: re.Match) -> str:
    inner = match.group(1) if match.group(1) is not None else match.group(2)
    return match.group(0) if inner in TEMPLATE_QUOTES else f"'{PLACEHOLDER}'"


def scrub(text: str, value: object = None) -> str:
    """`text` (one of our messages) with values, identifiers and directories taken out."""
    text = " ".join(_CONTROL.sub(" ", str(text)).split())
    if value is not None and not (isinstance(value, float) and value != value):
        for shown in {show(value), str(value).strip()}:
            if shown and shown != "(empty)":
                text = re.sub(rf"(?<!\w){re.escape(shown)}(?!\w)", PLACEHOLDER, text)
    text = _QUOTED.sub(_quoted, text)
    text = _ABS_PATH.sub("", text)
    for pattern in identifiers.VALUE_PATTERNS.values():
        text = pattern.sub(PLACEHOLDER, text)
    text = _DIGITS.sub(PLACEHOLDER, text)
    text = _ID_BEFORE.sub(rf"\1{PLACEHOLDER}", text)
    text = _ID_VALUE.sub(rf"\1{PLACEHOLDER}", text)
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 3] + "..."


def public_message(err: BaseException) -> str:
    """What an official output may say about `err` (see the module docstring)."""
    if not isinstance(err, WorkbenchError):
        return GENERIC
    return scrub(str(err), getattr(err, "value", None))


def neutral_cell(value: object) -> object:
    """A text cell a spreadsheet will show, not run: formula prefixes get an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutral_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells cannot start a spreadsheet formula."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if series.dtype == object or isinstance(series.dtype, pd.StringDtype | pd.CategoricalDtype):
            out[column] = series.astype(object).map(neutral_cell)
    out.columns = [neutral_cell(str(c)) for c in out.columns]
    return out
