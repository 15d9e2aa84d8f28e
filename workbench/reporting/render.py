"""Executed notebook → HTML without code → A4 PDF (WeasyPrint).

The body is the code cells' rich outputs (inputs, prompts and streams removed): the report's
cells all display HTML (`markup.Section`), which is taken as it is, one ``<div>`` per output;
a notebook variant whose outputs include anything else (a plot as PNG, Markdown, a plain
DataFrame) goes through nbconvert's ``basic`` template instead, which renders every MIME type.
(nbconvert for the report itself cost 0.3-0.8 s CPU per report — compiling its Jinja
templates, then parsing and re-serialising the whole page with BeautifulSoup — for the same
outputs in wrappers nothing styles; issue 23.) The body is wrapped in our page with
``report.css``, and a table of contents is built from the section headings. WeasyPrint prints
it (``nbconvert --to pdf`` needs TeX and drops Chinese; ``--to webpdf`` wants a downloaded
Chromium: statistics.md trap 7).
"""

from __future__ import annotations

import copy
import html
import re
from importlib import resources
from pathlib import Path

import nbformat

from workbench.exceptions import ReportError
from workbench.fonts import font_css
from workbench.i18n import t
from workbench.reporting import pdf_split

TOC_MARK = "<!-- wb-toc -->"
_H2 = re.compile(r'<h2 id="(sec-[\w-]+)">(.*?)</h2>', re.S)


def report_css() -> str:
    """report.css with its Chinese caption numbering (`css_figure`, `css_table`) from the catalog."""
    css = resources.files("workbench.reporting").joinpath("report.css").read_text("utf-8")
    for key in ("css_figure", "css_table", "css_number_sep"):
        css = css.replace(f"@{key}@", t(key, "zh"))
    return css


def _outputs_only(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy keeping only rich display outputs of code cells (no streams, no markdown)."""
    nb = copy.deepcopy(nb)
    keep = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs = [
            o for o in cell.outputs if o.output_type in ("display_data", "execute_result")
        ]
        if cell.outputs:
            keep.append(cell)
    nb.cells = keep
    return nb


def notebook_body(nb: nbformat.NotebookNode) -> str:
    """The report's body HTML from an executed notebook, without code, prompts or logs: the
    HTML outputs as they are when every output has HTML, else nbconvert's rendering."""
    outputs = [o for c in _outputs_only(nb).cells for o in c.outputs]
    if all("text/html" in o.get("data", {}) for o in outputs):
        return "\n".join(
            f'<div class="wb-output">{_text(o.data["text/html"])}</div>' for o in outputs
        )
    return _nbconvert_body(nb)


def _text(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)


def _nbconvert_body(nb: nbformat.NotebookNode) -> str:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(_outputs_only(nb))
    return body


def toc_html(body: str, lang: str) -> str:
    items = "".join(
        f'<li><a href="#{anchor}">{title}</a></li>' for anchor, title in _H2.findall(body)
    )
    return f'<nav class="wb-toc"><h2>{html.escape(t("sec_toc", lang))}</h2><ol>{items}</ol></nav>'


def document(body: str, lang: str, title: str) -> str:
    """The complete HTML page (styles inline, so report.html stands alone)."""
    if TOC_MARK in body:
        body = body.replace(TOC_MARK, toc_html(body, lang), 1)
    css = font_css(lang) + report_css()
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{css}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def write_pdf(page: str, target: Path, base_url: str | None = None, jobs: int = 1) -> Path:
    """Print the HTML page to an A4 PDF at `target`. `jobs` >= 2 (the report's `n_jobs`):
    laid out in two processes when `pdf_split.usable` (the same pages), else in this one."""
    import weasyprint

    _png_passthrough()
    pdf_split.LAST.clear()
    try:
        if pdf_split.usable(jobs) and pdf_split.write(page, target, base_url):
            return target
    except Exception as err:  # the one-process path below prints it, or reports its error
        pdf_split.LAST.update(split=False, reason=f"{type(err).__name__}: {err}")
    try:
        weasyprint.HTML(string=page, base_url=base_url).write_pdf(str(target))
    except Exception as err:  # WeasyPrint raises many types; name the step
        raise ReportError(f"printing the PDF failed ({type(err).__name__}: {err})") from err
    return target


def png_idat(png: bytes) -> bytes | None:
    """The compressed pixel data (IDAT chunks) of an 8-bit RGB, non-interlaced PNG — what a PDF
    image with FlateDecode and PNG predictors holds —, None for any other PNG."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR" or png[24:26] != b"\x08\x02":
        return None
    if png[28] != 0:  # interlaced
        return None
    out, at = [], 8
    while at + 8 <= len(png):
        size, kind = int.from_bytes(png[at : at + 4], "big"), png[at + 4 : at + 8]
        if kind == b"IDAT":
            out.append(png[at + 8 : at + 8 + size])
        at += 12 + size
    return b"".join(out) or None


def _png_passthrough() -> None:
    """WeasyPrint 70 decodes every PNG and encodes it again to put its pixel data into the PDF
    (~0.2 s CPU for a report's figures, issue 23); for the report's figures (`figures.image`:
    8-bit RGB, not interlaced) that data is the PNG's own IDAT stream, taken as it is. Any other
    image, or a WeasyPrint without this method, goes the usual way."""
    from weasyprint.images import RasterImage

    encode = RasterImage.__dict__.get("_get_png_data")
    if not isinstance(encode, staticmethod) or getattr(encode.__func__, "_workbench", False):
        return
    original = encode.__func__

    def get_png_data(pillow_image):
        fp = getattr(pillow_image, "fp", None)
        if pillow_image.format == "PNG" and pillow_image.mode == "RGB" and hasattr(fp, "getvalue"):
            data = png_idat(fp.getvalue())
            if data is not None:
                return data
        return original(pillow_image)

    get_png_data._workbench = True
    RasterImage._get_png_data = staticmethod(get_png_data)
