"""The report's PDF from two processes (`pdf_split`, issue 23) shows the same pages as the
one-process PDF: every page's pixels (pdftoppm, 60 dpi, PNG bytes) and text (pdftotext), the
contents' links (rectangle, target page and point) and the outline (level, title, page, point);
a failing, dying or hanging second process gives the one-process PDF; no split in a batch
worker or with one job.

The document is a small report built from the report's own parts (cover with the data-status
banner and the title that every page's header repeats, the contents with its page numbers,
sections of headings, numbered tables and figures, notes) and report.css, in both languages: a
real report takes minutes to build, and these are the features the split has to carry across
(named strings, `@page :first`, `target-counter`, `counter(page)` / `counter(pages)`, CSS
counters for the figure and table numbers, links, bookmarks)."""

from __future__ import annotations

import io
import os
import subprocess
import time

import numpy as np
import pandas as pd
import pypdf
import pytest
from PIL import Image

from workbench.i18n import t
from workbench.reporting import pdf_split
from workbench.reporting.execute import PARENT_ENV
from workbench.reporting.markup import Section, esc, figure_html, heading, table_html
from workbench.reporting.render import TOC_MARK, document, write_pdf

SECTIONS = ("sec_summary", "sec_coverage", "sec_retention", "sec_risk", "sec_effects",
            "sec_regions", "sec_competing", "sec_methods")  # fmt: skip


def _figure(seed: int) -> str:
    rng = np.random.default_rng(seed)
    pixels = np.repeat(rng.integers(0, 255, size=(30, 40, 3), dtype=np.uint8), 4, axis=0)
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, format="PNG")
    import base64

    data = base64.b64encode(out.getvalue()).decode("ascii")
    return f'<img class="wb-plot" alt="" style="width:200pt" src="data:image/png;base64,{data}">'


def small_report(lang: str) -> str:
    """A report page of ~12 A4 pages: cover, contents, eight sections of unequal length."""
    cover = (
        f'<section class="wb-cover"><p class="wb-status">{esc(t("status_simulated", lang))}</p>'
        f'<h1 class="wb-title">{esc(t("default_title", lang))}</h1>'
        f'<p class="wb-privacy">{esc(t("not_official", lang, 10))}</p></section>{TOC_MARK}'
    )
    outputs = [Section("cover", cover)]
    rng = np.random.default_rng(3)
    for n, key in enumerate(SECTIONS):
        parts = [heading(key, lang)]
        for block in range(1 + n % 3):
            parts.append(f"<h3>{esc(t(SECTIONS[(n + block) % len(SECTIONS)], lang))}</h3>")
            parts.append(f"<p>{esc(' '.join([t('status_warning_simulated', lang)] * 4))}</p>")
            frame = pd.DataFrame({
                t("sec_regions", lang): [t(s, lang) for s in SECTIONS[: 4 + block]],
                "n": rng.integers(10, 5000, 4 + block),
                "%": [f"{v:.1%}" for v in rng.random(4 + block)],
            })  # fmt: skip
            parts.append(table_html(frame, t(key, lang), lang, note=t("not_official", lang, 10)))
            parts.append(figure_html(_figure(10 * n + block), t(key, lang)))
        outputs.append(Section(key.removeprefix("sec_"), "".join(parts)))
    body = "\n".join(f'<div class="wb-output">{s._repr_html_()}</div>' for s in outputs)
    return document(body, lang, t("default_title", lang))


def pages_of(pdf, png_dir) -> dict:
    """Per page: PNG bytes at 60 dpi and text; the links and the outline."""
    png_dir.mkdir()
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(png_dir / "p")], check=True)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip
    reader = pypdf.PdfReader(str(pdf))
    return {
        "pixels": [p.read_bytes() for p in sorted(png_dir.glob("p-*.png"))],
        "text": text.split("\f"),
        "links": _links(reader),
        "outline": _outline(reader, reader.outline, 1),
        "title": reader.metadata.title,
    }


def _point(reader, dest) -> tuple:
    # 0.01 pt: the coordinates are written with pydyf's precision in both PDFs; equal, not close
    return (reader.get_destination_page_number(dest), round(float(dest.left), 2),
            round(float(dest.top), 2))  # fmt: skip


def _links(reader) -> list:
    named = reader.named_destinations
    found = []
    for i, page in enumerate(reader.pages):
        for annot in page.get("/Annots", []):
            a = annot.get_object()
            rect = tuple(round(float(v), 2) for v in a["/Rect"])
            found.append((i, rect, _point(reader, named[str(a["/Dest"])])))
    return found


def _outline(reader, items, level) -> list:
    found = []
    for item in items:
        if isinstance(item, list):
            found.extend(_outline(reader, item, level + 1))
        else:
            found.append((level, item.title, *_point(reader, item)))
    return found


def _one_process(tmp_path, page, name="one.pdf"):
    return pages_of(write_pdf(page, tmp_path / name, jobs=1), tmp_path / f"png_{name}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_two_processes_print_the_one_process_pages(tmp_path, lang, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)  # a one-core CI machine would not split
    monkeypatch.delenv(pdf_split.BATCH_ENV, raising=False)
    monkeypatch.setattr(pdf_split, "CHECK_FREE_CORE", False)  # make test keeps both cores busy
    page = small_report(lang)
    one = _one_process(tmp_path, page)
    two = pages_of(write_pdf(page, tmp_path / "two.pdf", jobs=2), tmp_path / "png_two")
    assert pdf_split.LAST["split"] is True
    k, b = pdf_split.LAST["pages"]
    assert k >= 3 and b >= 2  # the cover, the contents and sections on each side
    assert len(one["pixels"]) == len(two["pixels"]) == k + b
    # pixel for pixel: each part embeds its own subset of each font; the glyphs are the same
    for i, (x, y) in enumerate(zip(one["pixels"], two["pixels"], strict=True)):
        assert x == y, f"page {i + 1} differs"
    assert one["text"] == two["text"]  # the footers' "N / total" and the contents' numbers too
    assert f"{k + 1} / {k + b}" in two["text"][k]  # B's first page numbered after A's
    # each contents line is a few link rectangles (text, leader, number), one target a section
    assert len({to for _, _, to in one["links"]}) == len(SECTIONS)
    assert one["links"] == two["links"]
    assert any(to[0] >= k for _, _, to in two["links"])  # links into B's part
    assert len(one["outline"]) > len(SECTIONS) and one["outline"] == two["outline"]
    assert one["title"] == two["title"]


def _die(channel, build, root):
    os._exit(3)


def _fail(channel, build, root):
    raise RuntimeError("no layout here")


def _hang(channel, build, root):
    time.sleep(60)


@pytest.mark.parametrize("part_b", [_die, _fail, _hang])
def test_a_failing_second_process_gives_the_one_process_pdf(tmp_path, monkeypatch, part_b):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.delenv(pdf_split.BATCH_ENV, raising=False)
    monkeypatch.setattr(pdf_split, "CHECK_FREE_CORE", False)  # make test keeps both cores busy
    monkeypatch.setattr(pdf_split, "_part_b", part_b)  # the forked child runs this
    monkeypatch.setattr(pdf_split, "TIMEOUT_S", 1.0)  # a hung child: given up after ~1-4 s
    page = small_report("en")
    t0 = time.perf_counter()
    two = pages_of(write_pdf(page, tmp_path / "two.pdf", jobs=2), tmp_path / "png_two")
    assert time.perf_counter() - t0 < 45  # the hanging child sleeps 60 s: it was killed
    assert pdf_split.LAST["split"] is False and pdf_split.LAST["reason"]
    one = _one_process(tmp_path, page)
    assert one["pixels"] == two["pixels"] and one["text"] == two["text"]
    assert one["links"] == two["links"] and one["outline"] == two["outline"]


def test_a_failing_split_decision_gives_the_one_process_pdf(tmp_path, monkeypatch):
    def broken(jobs):
        raise AttributeError("module has no attribute 'worker_fits'")  # as a rename once did

    monkeypatch.setattr(pdf_split, "usable", broken)
    page = small_report("en")
    two = pages_of(write_pdf(page, tmp_path / "two.pdf", jobs=2), tmp_path / "png_two")
    assert pdf_split.LAST["split"] is False and "worker_fits" in pdf_split.LAST["reason"]
    assert two["pixels"] == _one_process(tmp_path, page)["pixels"]


def test_page_numbers_in_the_last_sections_text_keep_one_process(tmp_path, monkeypatch):
    """Part B cannot number `counter(page)` in its content (its pages start at 1): such a page
    is printed in one process, with the numbers right."""
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.delenv(pdf_split.BATCH_ENV, raising=False)
    monkeypatch.setattr(pdf_split, "CHECK_FREE_CORE", False)  # make test keeps both cores busy
    late = '<style>.wb-here::after { content: counter(page) }</style><p class="wb-here"></p>'
    page = small_report("en").replace("</body>", f'<div class="wb-output">{late}</div></body>')
    two = pages_of(write_pdf(page, tmp_path / "two.pdf", jobs=2), tmp_path / "png_two")
    assert pdf_split.LAST["split"] is False
    assert pdf_split.LAST["reason"].endswith("page counters or cross-references in part B")
    one = _one_process(tmp_path, page)
    assert one["pixels"] == two["pixels"] and one["text"] == two["text"]
    last = [line.strip() for line in two["text"][len(two["pixels"]) - 1].splitlines()]
    assert str(len(two["pixels"])) in last  # the paragraph's page number: the last page's


def test_a_free_core_is_one_fewer_running_task_than_cores(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    loadavg = tmp_path / "loadavg"
    monkeypatch.setattr(pdf_split, "LOADAVG", str(loadavg))
    loadavg.write_text("3.10 2.50 2.00 1/200 12345\n")  # only this process runs
    assert pdf_split.free_core()
    loadavg.write_text("3.10 2.50 2.00 2/200 12345\n")  # and one other task
    assert not pdf_split.free_core()
    monkeypatch.delenv(pdf_split.BATCH_ENV, raising=False)
    monkeypatch.setattr(pdf_split, "CHECK_FREE_CORE", True)
    assert not pdf_split.usable(2)  # a busy machine: one process
    loadavg.write_text("0.10 0.20 0.30 1/200 12345\n")
    assert pdf_split.usable(2)


def test_one_process_with_one_job_or_in_a_batch_worker(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.delenv(pdf_split.BATCH_ENV, raising=False)
    monkeypatch.setattr(pdf_split, "CHECK_FREE_CORE", False)  # make test keeps both cores busy
    assert pdf_split.usable(2) and not pdf_split.usable(1)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert not pdf_split.usable(2)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setenv(pdf_split.BATCH_ENV, "12345")  # set by `workbench batch` for its reports
    assert not pdf_split.usable(2)
    assert pdf_split.BATCH_ENV == PARENT_ENV
