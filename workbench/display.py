"""How the research notebooks show things: tables whole (or paged) with the important columns
first and headers in the reader's language, codes as the programme's words, counts as whole
numbers, findings as full sentences, and figures with alternative text.

Notebook cells stay thin: they compute with the package and end with one of these calls.

Size: one module, so that a notebook imports one name for everything it shows (tables, their
words, prose, figures); the parts are small functions grouped by what they show.
Words come from the catalog (``workbench.i18n``: ``nbcol_<column>`` for table headers,
``nb_*`` for the notebooks' own sentences); a column without an entry keeps its name (a code or
a method name kept on purpose).
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from workbench.data import codes
from workbench.i18n import TEXT, Text, check_lang, join, listing, t

PAGE_ROWS = 100  # a longer table is shown page by page (`page=`), never cut silently
# columns whose values are codes of a kind (turned into the programme's words)
CODE_COLUMNS = {
    "prefecture": "prefecture",
    "facility": "facility",
    "primary_drug": "primary_drug",
    "sex": "sex",
    "education": "education",
    "result": "result",
    "intervention": "intervention",
    "support": "intervention",
    "code": "intervention",
    "censor_reason": "censor_reason",
    "event": "cohort_event",
    "cause": "event",
    "quantity": "quantity",
}
MONTHS_QUANTITY = re.compile(r"retention (\d+(?:\.\d+)?) months")


HEADER_KINDS = ("result", "intervention", "censor_reason", "prefecture")


def header(name: object, lang: str) -> str:
    """The column header for `name` in `lang`: catalog ``nbcol_<name>``, else the word for a
    code used as a column (a visit result, a support), else `name` itself."""
    entry = TEXT.get(f"nbcol_{name}")
    if entry:
        return entry[check_lang(lang)]
    for kind in HEADER_KINDS:
        if str(name) in codes.KINDS[kind]:
            return codes.label(kind, name, lang)
    return str(name)


WORDS = {"all": "nb_total", "unscheduled": "nb_unscheduled"}  # row labels of our own tables


def value(v: object, kind: str, lang: str) -> object:
    """A code of `kind` as the programme's word in `lang` (or, for a kind that is not a code
    list, e.g. 'est', its catalog entry ``nb_<kind>_<v>``); anything else unchanged."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return v
    if kind in codes.KINDS:
        return codes.label(kind, v, lang) if str(v) in codes.KINDS[kind] else v
    key = f"nb_{kind}_{v}"
    if key in TEXT:
        return t(key, lang)
    m = MONTHS_QUANTITY.fullmatch(str(v)) if kind == "quantity" else None
    return t("nb_quantity_retention_at", lang, m=float(m.group(1))) if m else v


def values(column: Iterable[object], kind: str, lang: str) -> list[object]:
    """Each code of `kind` in `column` as the programme's word in `lang` (a list, for a column)."""
    return [value(v, kind, lang) for v in column]


def words(values: Iterable[object], kind: str, lang: str) -> str:
    """Several codes of `kind` as one line of words: "female, male" / "女、男"."""
    return listing((value(v, kind, lang) for v in values), lang)


def counted(groups: Iterable[object], sizes: Iterable[int], kind: str, lang: str) -> str:
    """Groups (codes of `kind`) with their sizes, in the code list's order, as one line:
    "heroin (2,978), ketamine (785)" / "海洛因（2,978人）、氯胺酮（785人）"."""
    n = dict(zip(map(str, groups), sizes, strict=True))
    shown = (t("nb_counted", lang, group=value(g, kind, lang), n=int(n[g]))
             for g in codes.in_order(kind, n))  # fmt: skip
    return listing(shown, lang)


def code_order(frame: pd.DataFrame, column: str, kind: str) -> pd.DataFrame:
    """`frame`'s rows with `column` (codes of `kind`) in the code list's order (age groups
    youngest first, not "<30" after "50+" as text), otherwise in their order."""
    rank = {v: i for i, v in enumerate(codes.in_order(kind, frame[column].astype(str).unique()))}
    return frame.iloc[np.argsort([rank[str(v)] for v in frame[column]], kind="stable")]


def number(v: object, digits: int = 3, whole: bool = False) -> str:
    """A number as a reader wants it: counts (`whole`, or ints) with thousands separators (never
    3000.00000), other numbers to `digits` decimals without trailing zeros (tiny ones in
    scientific notation), dates as dates, missing as an en dash."""
    if v is None or (isinstance(v, float | np.floating) and not np.isfinite(v)):
        return "–" if v is None or np.isnan(v) else ("∞" if v > 0 else "−∞")
    if isinstance(v, bool | np.bool_):
        return str(v)
    if isinstance(v, str) and not v.strip():  # an empty word (e.g. balance of a trial): missing
        return "–"
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat() if v == v.normalize() else v.isoformat(sep=" ")
    if isinstance(v, int | np.integer):
        return f"{int(v):,}"
    if isinstance(v, float | np.floating):
        if whole:
            return f"{int(round(float(v))):,}"
        if abs(v) < 1e-12:  # rounding noise (a balanced SMD of -9.7e-17) reads as 0
            return "0"
        if abs(v) < 10**-digits:
            return f"{float(v):.1e}"
        text = f"{float(v):,.{digits}f}"
        text = text.rstrip("0").rstrip(".") if "." in text else text
        return "0" if text == "-0" else text
    return str(v)


def p_value(v: object) -> str:
    """A p-value as read: "<0.001" below 0.001 (never "0" or 3.2e-04), else 3 decimals."""
    if isinstance(v, float | np.floating | int | np.integer) and np.isfinite(v) and v < 0.001:
        return "<0.001"
    return number(v, 3)


def _whole(column: pd.Series) -> bool:
    """A float column of counts: every value whole, and some above 1 (not a share of 0 or 1)."""
    if column.dtype.kind != "f":
        return False
    finite = column[np.isfinite(column.to_numpy(float))]
    return bool(len(finite)) and bool((finite == finite.round()).all()) and finite.abs().max() > 1


def _ordered(frame: pd.DataFrame, first: Iterable[str]) -> pd.DataFrame:
    lead = [c for c in first if c in frame.columns]
    return frame[lead + [c for c in frame.columns if c not in lead]]


def method_words(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """`frame`'s `method` column in `lang`, from the catalog parts a result keeps in
    ``frame.attrs["method_text"]`` (by `code`, else by `group`: effects and milestone tables);
    a method without parts keeps its words."""
    texts = frame.attrs.get("method_text") or {}
    key = "code" if "code" in frame.columns else "group"
    if not texts or "method" not in frame.columns or key not in frame.columns:
        return frame
    out = frame.copy()
    shown = []
    for k, method in zip(out[key], out["method"], strict=True):
        parts = texts.get(k, texts.get(str(k)))
        sep = "; " if parts and join(parts, "en", "; ") == method else ", "
        shown.append(join(parts, lang, sep) if parts else method)
    out["method"] = shown
    return out


def _flag(v: object) -> bool | None:
    return bool(v) if isinstance(v, bool | np.bool_) else None


def milestone_words(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A milestone table's `note` and `reason` (retention.summary's rules) in `lang`, said again
    from the table's own columns: a milestone read at the last follow-up day, a retention not
    identified by the NPMLE (its range), a milestone beyond follow-up or with no event yet."""
    if not {"months", "day", "note"} <= set(frame.columns):
        return frame
    out = frame.copy()
    day = pd.to_numeric(out["day"], errors="coerce").to_numpy(float)
    months = pd.to_numeric(out["months"], errors="coerce").to_numpy(float)
    notes, reasons = [], []
    for i in range(len(out)):
        row, parts = out.iloc[i], []
        if np.isfinite(day[i]) and abs(day[i] - months[i] * codes.DAYS_PER_MONTH) > 1e-6:
            parts.append(Text("nb_note_read_at", {"m": months[i], "day": day[i]}))
        if _flag(row.get("identified")) is False:
            parts.append(Text("nb_note_not_identified", {"day": day[i], "low": row["range_low"],
                                                         "high": row["range_high"]}))  # fmt: skip
        notes.append(join(parts, lang) or None)
        reason = row.get("reason")
        if not isinstance(reason, str) or not reason:
            reasons.append(reason)
        else:
            key = "nb_reason_no_event" if np.isfinite(day[i]) else "nb_reason_beyond"
            reasons.append(t(key, lang, m=months[i], day=day[i]))
    out["note"] = notes
    if "reason" in out.columns:
        out["reason"] = reasons
    return out


# a column of codes that a `label` column says in words (a model's `term` or `variable`, e.g.
# "sex[m]"): left out of a shown table (the data keep it)
LABELLED_CODES = ("term", "variable")


def table_frame(
    frame: pd.DataFrame | pd.Series,
    lang: str,
    first: Iterable[str] = (),
    kinds: Mapping[str, str] | None = None,
    index: bool = False,
    headers: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """`frame` ready to read: important columns (`first`) first, code columns (`kinds`, by
    default CODE_COLUMNS) as words, headers in `lang` (`headers` maps a column to the catalog
    column it means here, e.g. coverage -> ci_coverage); a model's code column (`term`,
    `variable`) is left out when a `label` column says it in words. Values stay values
    (formatting is `table`'s job)."""
    check_lang(lang)
    if isinstance(frame, pd.Series):
        frame = frame.to_frame(frame.name if frame.name is not None else "value")
    frame = milestone_words(method_words(frame, lang), lang)
    out = frame.reset_index() if index else frame.copy()
    out.columns = [str(c) for c in out.columns]
    if "label" in out.columns:  # the words are shown; their codes are not
        out = out.drop(columns=[c for c in LABELLED_CODES if c in out.columns])
    out = _ordered(out, first)
    for col, kind in {**CODE_COLUMNS, **(kinds or {})}.items():
        if col in out.columns:
            out[col] = [value(v, kind, lang) for v in out[col].astype(object)]
    for col in out.columns:  # yes/no columns, also with missing values (object dtype)
        flags = [
            v for v in out[col] if v is not None and not (isinstance(v, float) and np.isnan(v))
        ]
        if flags and all(isinstance(v, bool | np.bool_) for v in flags):
            out[col] = [v if _flag(v) is None else t("flag_yes" if v else "flag_no", lang)
                        for v in out[col]]  # fmt: skip
    for col in out.columns[out.dtypes.eq(object)]:
        out[col] = [t(WORDS[v], lang) if isinstance(v, str) and v in WORDS else v for v in out[col]]
    p_values = [i for i, c in enumerate(out.columns) if c == "p" or c.startswith("p_")]
    out.columns = [header((headers or {}).get(c, c), lang) for c in out.columns]
    out.attrs = {"p_values": p_values}  # positions of p-value columns ("<0.001", never "0")
    return out


def _cell(text: str, numeric: bool) -> str:
    """One table cell: numbers right-aligned on one line; text left-aligned, short text on one
    line and long text (an explanation) wrapped at a readable width."""
    if numeric or len(text) <= 24:
        align = "right" if numeric else "left"
        style = f"text-align:{align};white-space:nowrap"
    else:
        style = "text-align:left;white-space:normal;min-width:22em;max-width:40em"
    return f'<td style="{style}">{html.escape(text)}</td>'


class Table:
    """A whole table (or one page of it) rendered as HTML for the notebook and as plain text for
    the console, with nothing truncated: every column, every row of the page, every character."""

    def __init__(self, frame: pd.DataFrame, caption: str = "", digits: int = 3):
        self.frame, self.caption, self.digits = frame, caption, digits

    def _cells(self) -> pd.DataFrame:
        p_values = set(self.frame.attrs.get("p_values", ()))
        return pd.DataFrame(
            {
                i: [
                    p_value(v) if i in p_values else number(v, self.digits, _whole(col))
                    for v in col
                ]
                for i, (_, col) in enumerate(self.frame.items())
            }
        ).set_axis(list(self.frame.columns), axis=1)

    def _repr_html_(self) -> str:
        cells = self._cells()
        numeric = [self.frame[c].dtype.kind in "iufb" for c in self.frame.columns]
        head = "".join(
            f'<th style="text-align:{"right" if n else "left"}">{html.escape(str(c))}</th>'
            for c, n in zip(cells.columns, numeric, strict=True)
        )
        rows = "".join(
            "<tr>" + "".join(_cell(v, n) for v, n in zip(row, numeric, strict=True)) + "</tr>"
            for row in cells.itertuples(index=False)
        )
        cap = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return (
            f'<table class="dataframe workbench-table">{cap}'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
        )

    def __repr__(self) -> str:
        with pd.option_context(
            "display.max_rows", None, "display.max_columns", None,
            "display.width", 10_000, "display.max_colwidth", None,
        ):  # fmt: skip
            text = self._cells().to_string(index=False)
        return f"{self.caption}\n{text}" if self.caption else text


def table(
    frame: pd.DataFrame | pd.Series,
    lang: str,
    first: Iterable[str] = (),
    kinds: Mapping[str, str] | None = None,
    index: bool = False,
    headers: Mapping[str, str] | None = None,
    page: int = 1,
    rows: int = PAGE_ROWS,
    digits: int = 3,
) -> Table:
    """`frame` shown whole: headers and codes in `lang`, `first` columns first, counts as whole
    numbers. Longer than `rows`: page `page` of it, with a caption saying which rows these are
    and how to see the next page."""
    shown = table_frame(frame, lang, first, kinds, index, headers)
    n_pages = max(1, -(-len(shown) // rows))
    page = min(max(1, int(page)), n_pages)
    caption = ""
    if n_pages > 1:
        start = (page - 1) * rows
        shown = shown.iloc[start : start + rows]
        caption = t("nb_page", lang, first=start + 1, last=start + len(shown),
                    n=len(frame), page=page, pages=n_pages)  # fmt: skip
    return Table(shown, caption, digits)


def record(row: pd.DataFrame | pd.Series, lang: str, first: Iterable[str] = (), digits: int = 3):
    """A one-row result shown as item / value lines (a wide row read top to bottom), items in
    `lang` and the `first` items first."""
    if isinstance(row, pd.DataFrame):
        row = method_words(row, lang).iloc[0]
    order = [c for c in first if c in row.index] + [c for c in row.index if c not in first]
    frame = pd.DataFrame({"item": [header(c, lang) for c in order],
                          "value": [row[c] for c in order]})  # fmt: skip
    frame["value"] = [
        value(v, CODE_COLUMNS.get(c, "word"), lang)
        for c, v in zip(order, frame["value"], strict=True)
    ]
    return table(frame, lang, digits=digits)


def prose(key: str, lang: str, **fields: object):
    """A notebook's narrative (heading and paragraphs) in `lang`: catalog entry `key`
    (``workbench.i18n.notebook_prose``) as Markdown, its fields filled from the data (`fields`;
    a list becomes words: "3, 6, 9" / "3、6、9"; the small-sample rules' thresholds are filled by
    default)."""
    from IPython.display import Markdown

    defaults = {"min_n": codes.SUPPRESSION_THRESHOLD, "min_events": codes.MIN_EXPOSED_RELAPSES}
    shown = {k: listing(v, lang) if isinstance(v, list | tuple) else v for k, v in fields.items()}
    return Markdown(t(key, lang, **{**defaults, **shown}))


def sentences(lines: Iterable[str]):
    """Sentences as a Markdown list, each whole (findings, validation notes), each starting
    with a capital letter (the catalog's names are lower case for use inside a sentence)."""
    from IPython.display import Markdown

    return Markdown("\n".join(f"- {line[:1].upper()}{line[1:]}" for line in lines))


def caveat(message: Warning, lang: str) -> str:
    """A caught StatisticalWarning in `lang`: its catalog entry ``caveat_<code>`` with its
    fields, else its own message."""
    from workbench.i18n import Text

    code = getattr(message, "code", None)
    if code and f"caveat_{code}" in TEXT:
        return Text(f"caveat_{code}", getattr(message, "fields", {})).render(lang)
    return str(message)


def quality_notes(report, lang: str) -> list[str]:
    """One sentence per contradiction count of a validation report (`workbench.data.validate`),
    saying what it means, so that a large count does not alarm without reason."""
    from workbench.data.validate import WINDOW_DAYS

    n_releases = max(int(report.counts.get("releases", 0)), 1)
    notes = []
    for key, n in report.contradictions.items():
        if not n:
            continue
        if key == "negative_after_relapse":
            notes.append(t("nb_dq_negative_after_relapse", lang, n=n, share=n / n_releases))
        else:
            notes.append(t("nb_dq_other", lang, what=t(f"dq_{key}", lang, days=WINDOW_DAYS), n=n))
    if report.n_due == 0 and report.by_prefecture:
        notes.append(t("nb_no_visits", lang))
    return notes or [t("nb_dq_clean", lang)]


def figure_texts(fig, draw: bool = True) -> list[str]:
    """Every visible text of a figure (drawn first unless `draw` is False: tick labels exist
    only after a draw): titles, axis labels, tick labels, legends, notes."""
    from matplotlib.text import Text

    if draw:
        fig.canvas.draw()
    out = []
    for artist in fig.findobj(Text):
        text = artist.get_text().strip()
        if text and artist.get_visible() and artist.get_figure() is not None:
            out.append(text)
    return out


def alt_text(fig, lang: str) -> str:
    """A description of `fig` from its own words: the title, the axes and the legend."""
    parts = []
    for ax in fig.axes:
        legend = ax.get_legend()
        entries = [x.get_text() for x in legend.get_texts()] if legend else []
        notes = [x.get_text() for x in ax.texts] if not ax.get_title() else []
        bits = [ax.get_title(), *notes, ax.get_xlabel(), ax.get_ylabel(), "; ".join(entries)]
        parts.append(" · ".join(b for b in bits if b))
    if getattr(fig, "_suptitle", None) is not None:
        parts.insert(0, fig._suptitle.get_text())
    return t("nb_alt", lang, what=" | ".join(p for p in parts if p))


def figure(ax_or_fig, lang: str, alt: str | None = None, dpi: int = 100):
    """Show a figure once, with alternative text (for screen readers and exported HTML), and
    close it so the notebook backend does not show it a second time. The output's metadata
    carries the figure's texts and layout problems (overlapping text, legends over data:
    `workbench.reporting.figures.layout_problems`) so that tests can read them."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    from workbench.reporting.figures import layout_problems

    fig = ax_or_fig.flat[0].figure if isinstance(ax_or_fig, np.ndarray) else ax_or_fig
    fig = getattr(fig, "figure", fig)
    description = alt or alt_text(fig, lang)
    problems = layout_problems(fig)  # draws the figure
    texts = figure_texts(fig, draw=False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    png = base64.b64encode(buf.getvalue()).decode("ascii")
    tag = f'<img src="data:image/png;base64,{png}" alt="{html.escape(description, quote=True)}">'
    meta = {"alt": description, "workbench": {"texts": texts, "layout_problems": problems}}
    display(
        {"image/png": png, "text/html": tag, "text/plain": description},
        raw=True,
        metadata={"image/png": meta},
    )
