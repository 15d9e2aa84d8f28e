"""The report's HTML building blocks: a `Section`, headings, numbered tables, figures and
paragraphs, every text escaped. The section modules (`sections`, `model_sections`, `summary`,
`closing`) compose these; nothing here knows a section."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.i18n import t
from workbench.params.report import ReportParams


@dataclass(frozen=True)
class Section:
    """A block of report HTML; ``suppressed`` counts the table cells hidden by disclosure control."""

    name: str
    html: str
    suppressed: int = 0

    def _repr_html_(self) -> str:
        return f'<div class="wb-section" data-section="{self.name}">{self.html}</div>'


def esc(text: str) -> str:
    """`text` escaped for HTML (quotes too)."""
    return html.escape(text, quote=True)


def heading(key: str, lang: str) -> str:
    return f'<h2 id="sec-{key.removeprefix("sec_")}">{esc(t(key, lang))}</h2>'


def pct(x: object) -> str:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    return f"{v:.1%}" if np.isfinite(v) else "–"


NUMERIC = re.compile(r"^[<>+\-−–]?\s?[\d.,]+|^[–-]$")


def first_upper(text: str, lang: str) -> str:
    """English labels start with a capital in cells and bullets ("Financial aid", "Relapse")."""
    return text[:1].upper() + text[1:] if lang == "en" and text[:1].islower() else text


def _cell(i: int, value: object, lang: str) -> str:
    text = str(value)
    if i == 0:
        return f"<td>{esc(text)}</td>"
    kind = "wb-num" if NUMERIC.match(text) else "wb-word"
    return f'<td class="{kind}">{esc(text)}</td>'


def table_html(
    frame: pd.DataFrame, caption: str, lang: str, note: str | None = None, labels: bool = True
) -> str:
    """A numbered table with its caption and note kept together on one page (CSS
    `.wb-block`); numeric cells never wrap and align right (`td.wb-num`), words align left.
    `labels`: the cells are labels (English ones start with a capital), not file names."""
    head = "".join(f"<th>{esc(str(c))}</th>" for c in frame.columns)
    cap = (lambda v: first_upper(str(v), lang)) if labels else str
    rows = "".join(
        "<tr>" + "".join(_cell(i, cap(v), lang) for i, v in enumerate(row)) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    foot = f'<p class="wb-note">{esc(note)}</p>' if note else ""
    return (
        f'<div class="wb-block"><table class="wb-table" lang="{lang}"><caption>{esc(caption)}'
        f"</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{foot}</div>"
    )


def figure_html(img: str, caption: str) -> str:
    """A numbered figure: `img` (`figures.image`) above its caption, which is also the image's
    alt text when it has none of its own."""
    img = img.replace(' alt=""', f' alt="{esc(caption)}"', 1)
    return f'<figure class="wb-figure">{img}<figcaption>{esc(caption)}</figcaption></figure>'


def paragraph(text: str) -> str:
    """`text` as an escaped HTML paragraph."""
    return f"<p>{esc(text)}</p>"


def suppress_note(n: int, params: ReportParams) -> str | None:
    """The note under a table that hides `n` cells (none when nothing is hidden)."""
    return t("suppressed_note", params.lang, params.suppression_threshold) if n else None
