"""The report's PDF laid out in two processes (issue 23: WeasyPrint's layout is one core's work,
three quarters of a warm report).

This process parses the page and forks. Each process lays out one part of the body, cut where
a section starts (every section's heading starts a new page, so no page spans the cut), and
computes styles and boxes for its own elements only (`_prune_a`, `_prune_b`): this process the
cover, the contents and the first sections (part A), the forked one the cover again (the named
strings of every page's header come from it, and it keeps `@page :first` on the first page) and
the last sections (part B), its figure and table numbers continuing from A's (`counter-reset`).
After the first pass B sends its page count and its anchors' pages; A puts B's section numbers
into the contents page (`target-counter`; empty elements carry those anchors in A) and makes
that page again, then sends its page count, and both number their pages (`counter(page)`,
`counter(pages)`) as the whole document's before making the margin boxes. A writes the whole
document with B's pages present but empty (`pdf_layout.Elsewhere`: their anchors, links and
bookmarks), so its outline, the contents' links and the named destinations are those of the
one-process PDF; B writes its pages without its cover, and their contents and resources replace
the empty pages' (pypdf). Each part embeds its own subset of each font, so a font used on both
sides is embedded twice (a larger file); every page shows the same pixels and text as the
one-process PDF (tests/reporting/test_pdf_split.py; bench/pdf.py --check on the reports).

`write` returns False, writing nothing, whenever the split cannot be used or fails (no section
to split at, another WeasyPrint, the child dying, timing out or disagreeing); `render.write_pdf`
then prints the PDF in one process as before.
"""

from __future__ import annotations

import os
import time
from io import BytesIO
from pathlib import Path
from typing import Any

from workbench.reporting.pdf_child import Channel, Child, SplitFailed

TIMEOUT_S = 20.0  # at least this long for the other part, or 4x what this part took
MIN_WEIGHT = 0.25  # each part at least this share of the body: else one process is as quick
LAYOUT_MB = 200  # a part's layout, at most (zh 23 k report: one process +128 MB, B's peak 209 MB)
B_SHARE = 0.5  # the body's share laid out by the child (it has no contents page to redo)
COUNTERS = {"figure": ("figure", "wb-figure"), "table": ("table", "wb-table")}  # report.css
LOADAVG = "/proc/loadavg"
CHECK_FREE_CORE = True  # bench/pdf.py --always-split turns it off (a loaded machine's CPU)
BATCH_ENV = "WORKBENCH_PARENT_PID"  # execute.PARENT_ENV: a batch worker (both cores busy)
LAST: dict[str, Any] = {}  # how the last `write` went (bench, tests): split, pages, reason


def usable(jobs: int) -> bool:
    """Whether a second process may lay out part of the PDF: the report may use two cores
    (`n_jobs` >= 2), the machine has them, this is not a batch worker (the batch's workers keep
    both cores busy), processes can be forked, WeasyPrint is the version `pdf_layout` follows,
    a forked copy of this process fits the report's memory budget (not at 2.3 M releases:
    `memory.lasting_child_fits`, its worst case a private copy of all this process holds), and a core
    is free now (`free_core`: on a machine busy with other work two processes only add CPU)."""
    if (
        jobs < 2
        or (os.cpu_count() or 1) < 2
        or os.environ.get(BATCH_ENV)
        or not hasattr(os, "fork")
        or (CHECK_FREE_CORE and not free_core())
    ):
        return False
    import weasyprint

    from workbench.evaluation import memory  # a report process has imported it already
    from workbench.reporting import pdf_layout

    return weasyprint.__version__ == pdf_layout.VERSION and memory.lasting_child_fits(
        LAYOUT_MB, LAYOUT_MB
    )


def free_core(looks: int = 3) -> bool:
    """Whether fewer tasks are running than the machine has cores, besides this one: the
    kernel's count of running tasks now (/proc/loadavg's fourth field, this process included),
    in any of `looks` looks 5 ms apart; True where there is no /proc."""
    cores = os.cpu_count() or 1
    for look in range(looks):
        try:
            running = int(Path(LOADAVG).read_text().split()[3].split("/")[0])
        except (OSError, ValueError, IndexError):
            return True
        if running < cores:
            return True
        if look + 1 < looks:
            time.sleep(0.005)
    return False


def write(page: str, target: Path, base_url: str | None = None) -> bool:
    """The PDF of `page` at `target` from two processes; False (nothing written) when it
    cannot be made so."""
    try:
        data = _two_parts(page, base_url)
    except SplitFailed as why:
        LAST.update(split=False, reason=str(why))
        return False
    target.write_bytes(data)
    LAST.update(split=True)
    return True


def _two_parts(page: str, base_url: str | None) -> bytes:
    from weasyprint import HTML

    LAST.update(t0=time.perf_counter(), c0=time.process_time())
    html = HTML(string=page, base_url=base_url)
    body = html.etree_element.find("body")
    cut = choose_cut(body)
    if cut is None:
        raise SplitFailed("no section to split at")
    _mark("parsed")
    with Child(lambda channel: _part_b(channel, html, body, cut)) as child:
        return _part_a(child, html, body, cut)


def choose_cut(body: Any) -> int | None:
    """The body's child (a section) where part B starts: the one nearest to leaving `B_SHARE`
    of the body's weight (`_weight`) to B, at least `MIN_WEIGHT` on each side. None when the
    body is not a report's (a cover first, then sections) or too short."""
    kids = list(body) if body is not None else []
    if len(kids) < 3 or not any(_has_class(e, "wb-cover") for e in kids[0].iter()):
        return None
    weights = [_weight(k) for k in kids]
    total, best, cut = sum(weights), None, None
    for at in range(2, len(kids)):
        if not _opens_section(kids[at]):
            continue
        share = sum(weights[at:]) / total
        if min(share, 1 - share) < MIN_WEIGHT:
            continue
        if best is None or abs(share - B_SHARE) < best:
            best, cut = abs(share - B_SHARE), at
    return cut


def _has_class(element: Any, name: str) -> bool:
    return name in (element.get("class") or "").split()


def _opens_section(element: Any) -> bool:
    """Whether the element's first descendants lead to a section's heading (an h2: report.css
    starts a page there; part B checks it on its boxes, `_starts_page`)."""
    while len(element):
        element = element[0]
        if element.tag == "h2":
            return True
    return False


def _weight(element: Any) -> int:
    """The layout work a body child makes, roughly: its text's characters and its elements."""
    return sum(len(t) for t in element.itertext()) + 8 * sum(1 for _ in element.iter())


def _build(html: Any) -> tuple[tuple, Any]:
    """WeasyPrint's styles and box tree of `html`'s (pruned) elements, as `Document._render`
    makes them: ((html, context, fonts, options), root box)."""
    import cssselect2
    from weasyprint import DEFAULT_OPTIONS
    from weasyprint.css.counters import CounterStyle
    from weasyprint.document import Document
    from weasyprint.formatting_structure.build import build_formatting_structure
    from weasyprint.text.fonts import FontConfiguration

    html.wrapper_element = cssselect2.ElementWrapper.from_html_root(
        html.etree_element, content_language=None
    )  # as HTML() makes it, from the pruned tree
    options = dict(DEFAULT_OPTIONS)
    fonts, counter_style = FontConfiguration(), CounterStyle()
    context = Document._build_layout_context(html, fonts, counter_style, {}, options)
    root = build_formatting_structure(
        html.etree_element, context.style_for, context.get_image_from_uri, html.base_url,
        context.target_collector, counter_style, context.footnotes,
    )  # fmt: skip
    return (html, context, fonts, options), root


def _page_based(context: Any, part_b: bool) -> bool:
    """Whether this part's content (not its margin boxes) uses page counters it cannot number
    alone: in part A `counter(pages)` (its pages are the document's first, so `counter(page)`
    and the contents' `target-counter` are right), in part B any page counter or
    `target-counter` (it has neither A's pages nor A's anchors)."""
    items = context.target_collector.counter_lookup_items.values()
    if part_b:
        return any(i.missing_counters or i.missing_target_counters for i in items)
    return any("pages" in i.missing_counters for i in items)


def _body_box(root: Any) -> tuple[int, Any]:
    at = next(i for i, c in enumerate(root.children) if c.element_tag == "body")
    return at, root.children[at]


def _starts_page(box: Any) -> bool:
    """Whether the box's first descendants start with a forced page break (a section's h2)."""
    while True:
        if box.style["break_before"] in ("page", "left", "right", "recto", "verso"):
            return True
        children = getattr(box, "children", None)
        if not children or box.element_tag in ("table", "img"):
            return False
        box = children[0]


def _prune_a(body: Any, cut: int) -> None:
    """Part A's elements: the cover, the contents and the sections before `cut`, and an empty
    element for each anchor of the later sections that the contents point to (so that their
    page numbers can be set: `target-counter`; they make no page: `_part_a` drops them)."""
    from xml.etree.ElementTree import SubElement

    kids = list(body)
    wanted = {h[1:] for a in body.iter("a") if (h := a.get("href", "")).startswith("#")}
    names = [e.get("id") for kid in kids[cut:] for e in kid.iter() if e.get("id") in wanted]
    for kid in kids[cut:]:
        body.remove(kid)
    for name in names:
        SubElement(body, "div", {"id": name})


def _prune_b(body: Any, cut: int) -> None:
    """Part B's elements: the cover without the contents, and the sections from `cut`; the
    figure and table numbers continue from part A's (`counter-reset` on the body)."""
    kids = list(body)
    counted = {
        counter: sum(1 for kid in kids[1:cut] for e in kid.iter(tag) if _has_class(e, name))
        for counter, (tag, name) in COUNTERS.items()
    }
    for kid in kids[1:cut]:
        body.remove(kid)
    for parent in list(kids[0].iter()):
        for child in list(parent):
            if _has_class(child, "wb-toc"):
                parent.remove(child)
    resets = " ".join(f"{counter} {n}" for counter, n in counted.items())
    body.set("style", f"{body.get('style') or ''};counter-reset: {resets}".lstrip(";"))


def _part_a(child: Channel, html: Any, body: Any, cut: int) -> bytes:
    """This process's part: lay out, learn B's pages, number, write the whole document with
    B's pages empty, and put B's pages in."""
    from workbench.reporting import pdf_layout

    _prune_a(body, cut)
    build, root = _build(html)
    at, body_box = _body_box(root)
    root.children[at] = body_box.copy_with_children(body_box.children[:cut])  # no stub pages
    _mark("built")
    html, context, fonts, options = build
    if _page_based(context, part_b=False):
        raise SplitFailed("counter(pages) in part A's content")
    t0 = time.perf_counter()
    known: dict = {}

    def with_b_anchors(pages: list) -> None:
        _mark("a_paginated")
        import pypdf  # noqa: F401  (for `merge`: imported while B may still be at work)

        got = child.receive(max(TIMEOUT_S, 4 * (time.perf_counter() - t0)))
        _mark("b_paginated")
        known.update(got, k=len(pages))
        LAST["b_cpu"] = {"paginate": round(got["cpu_s"], 3)}
        page_maker = context.page_maker
        for name, counters in got["anchors"].items():
            counters["page"] = [len(pages) + counters["page"][0] - 1]
            context.target_collector.cache_target_page_counters(
                name, counters, len(page_maker) - 1, page_maker
            )

    pages = pdf_layout.paginate(html, root, context, with_b_anchors)
    k = known["k"]
    if len(pages) != k:  # the contents page grew: B's numbers were set for another count
        raise SplitFailed(f"part A went from {k} to {len(pages)} pages")
    total = k + known["pages"] - 1
    child.send({"k": k, "total": total})
    pages = pdf_layout.finish(context, pages, 0, total)
    _mark("a_finished")
    got = child.receive(max(TIMEOUT_S, 4 * (time.perf_counter() - t0)))
    doc = _document(build, [_page(p) for p in pages])
    doc.pages.extend(pdf_layout.Elsewhere(d) for d in got["pages"])
    a_pdf = doc.write_pdf(**options)
    _mark("a_written")
    LAST["b_cpu"]["finish_write"] = round(child.receive(TIMEOUT_S)["cpu_s"], 3)
    b_pdf = child.receive_bytes(max(TIMEOUT_S, 4 * (time.perf_counter() - t0)))
    _mark("b_written")
    LAST.update(pages=(k, total - k))
    merged = merge(a_pdf, b_pdf, k)
    _mark("merged")
    return merged


def _mark(step: str) -> None:
    """Wall seconds since `write` started at `step`, and this process's CPU seconds then
    (LAST["at"], LAST["cpu"]: bench/pdf.py prints them)."""
    LAST.setdefault("at", {})[step] = round(time.perf_counter() - LAST["t0"], 3)
    LAST.setdefault("cpu", {})[step] = round(time.process_time() - LAST["c0"], 3)


def _part_b(channel: Channel, html: Any, body: Any, cut: int) -> None:
    """The forked process's part: lay out the cover and the last sections, tell A its pages
    and anchors, number its pages after A's, send its pages' description and PDF."""
    from workbench.reporting import pdf_layout

    cpu = time.process_time()
    _prune_b(body, cut)
    build, root = _build(html)
    html, context, fonts, options = build
    if not _starts_page(_body_box(root)[1].children[1]):
        raise SplitFailed("part B's first section does not start a page")
    if _page_based(context, part_b=True):
        raise SplitFailed("page counters or cross-references in part B")
    pages = pdf_layout.paginate(html, root, context)
    anchors = {
        name: item.cached_page_counter_values
        for name, item in context.target_collector.target_lookup_items.items()
        if item.page_maker_index is not None and item.page_maker_index >= 1
    }
    c0 = time.process_time()
    channel.send({"pages": len(pages), "anchors": anchors, "cpu_s": c0 - cpu})
    told = channel.receive(None)
    pages = pdf_layout.finish(context, pages, told["k"] - 1, told["total"])
    doc = _document(build, [_page(p) for p in pages[1:]])  # without the cover
    channel.send({"pages": [pdf_layout.describe(p) for p in doc.pages]})
    for p in doc.pages:  # A writes the links, anchors and outline
        p.links, p.anchors, p.bookmarks = [], {}, []
    data = doc.write_pdf(**options)
    channel.send({"cpu_s": time.process_time() - c0})
    channel.send_bytes(data)


def _page(box: Any) -> Any:
    from weasyprint.document import Page

    return Page(box)


def _document(build: tuple, pages: list) -> Any:
    from weasyprint.document import Document
    from weasyprint.html import get_html_metadata
    from weasyprint.pdf.metadata import DocumentMetadata

    html, _, fonts, options = build
    doc = Document(
        pages, DocumentMetadata(**get_html_metadata(html)), html.url_fetcher, fonts, {},
        options["output_intent"],
    )  # fmt: skip
    doc._html = html  # as Document._render sets it
    return doc


def merge(a_pdf: bytes, b_pdf: bytes, k: int) -> bytes:
    """A's PDF with its pages from `k` on (empty) given B's pages' contents and resources."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    a, b = PdfReader(BytesIO(a_pdf)), PdfReader(BytesIO(b_pdf))
    if len(a.pages) != k + len(b.pages):
        raise SplitFailed(f"{len(a.pages)} pages, expected {k} + {len(b.pages)}")
    out = PdfWriter(clone_from=a)
    for i, b_page in enumerate(b.pages):
        page = out.pages[k + i]
        for key in ("/Contents", "/Resources"):
            page[NameObject(key)] = b_page.raw_get(key).clone(out)
    buffer = BytesIO()
    out.write(buffer)
    return buffer.getvalue()
