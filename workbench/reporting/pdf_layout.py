"""WeasyPrint 70's `layout_document` in two steps, so that two processes can each lay out a part
of one report and number their pages as one document (`pdf_split`, issue 23).

`paginate` is WeasyPrint's pagination loop (pages made again until page-based content is
stable) with a call after the first pass: there the first part's process learns the other
part's anchors and puts their page numbers into the contents page before it is made again.
`finish` is the rest of `layout_document` (named strings, bookmarks, margin boxes) with the
page counters shifted by the pages before this part and `counter(pages)` the whole document's
count. `Elsewhere` is a page laid out in the other process: its size, anchors, links and
bookmarks but no content, so that this process writes the whole document's outline, links and
named destinations; `pdf_split` then puts the other process's page contents into those pages.
Everything here follows WeasyPrint 70.0 (`weasyprint/layout/__init__.py`); `pdf_split` checks
the version before using it.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from weasyprint.document import Page
from weasyprint.layout import initialize_page_maker, layout_fixed_boxes
from weasyprint.layout.background import layout_backgrounds
from weasyprint.layout.page import make_all_pages, make_margin_boxes

VERSION = "70.0"


def paginate(
    html: Any, root_box: Any, context: Any, between: Callable[[list], None] | None = None
) -> list:
    """The laid-out pages of `root_box` without margin boxes (WeasyPrint 70's loop, at most 8
    passes); `between(pages)` runs once after the first pass."""
    initialize_page_maker(context, root_box)
    pages: list = []
    original_footnotes: list = []
    total = 0
    for loop in range(8):
        if loop > 0:
            context.footnotes = original_footnotes.copy()
        before = total
        if loop == 0:
            original_footnotes = context.footnotes.copy()
        pages = list(make_all_pages(context, root_box, html, pages))
        total = len(pages)
        if loop == 0 and between is not None:
            between(pages)
        again_content = again_pages = False
        for _, _, _, page_state, remake_state in context.page_maker:
            page_state[1]["pages"] = [total]
            if remake_state["content_changed"]:
                again_content = True
            if remake_state["pages_wanted"]:
                again_pages = before != total
        if not again_content and not again_pages:
            break
    return pages


def finish(context: Any, pages: list, offset: int = 0, total: int | None = None) -> list:
    """The pages with named strings, bookmarks and margin boxes (WeasyPrint 70's end of
    `layout_document`), page `i` numbered `i + offset` and `counter(pages)` = `total`."""
    for _, _, _, page_state, _ in context.page_maker:
        counters = page_state[1]
        if offset and "page" in counters:
            counters["page"] = [value + offset for value in counters["page"]]
        if total is not None:
            counters["pages"] = [total]
    _strings_and_bookmarks(context, pages)
    for i, page in enumerate(pages):
        root, footnote_area, note_area = page.children
        root.children = [
            *layout_fixed_boxes(context, pages[:i], page),
            *root.children,
            *layout_fixed_boxes(context, pages[i + 1 :], page),
        ]
        context.current_page = i + 1
        children = [root]
        if footnote_area.children:
            children.append(footnote_area)
        if note_area.children:
            children.append(note_area)
        children.extend(make_margin_boxes(context, page, context.page_maker[i + 1][3]))
        page.children = tuple(children)
        layout_backgrounds(page, context.get_image_from_uri)
    return pages


def _strings_and_bookmarks(context: Any, pages: list) -> None:
    """Named strings (string-set) collected per page, one bookmark per element, page-based
    counters in them resolved (WeasyPrint 70)."""
    seen: dict[str, list] = {"::before": [], "::after": [], "": []}
    for i, page in enumerate(pages):
        counters = context.page_maker[i + 1][3][1]
        for child in page.descendants():
            if child.bookmark_label:
                tag = child.element_tag
                kind = next((k for k in ("::before", "::after") if tag.endswith(k)), "")
                if child.element in seen[kind]:
                    child.bookmark_label = ""
                else:
                    seen[kind].append(child.element)
            if child.missing_link:
                _resolve_missing(context, child, counters)
            if child.string_set and child.string_set != "none":
                for name, text in child.string_set:
                    context.string_set[name][i + 1].append(text)


def _resolve_missing(context: Any, child: Any, counters: dict) -> None:
    for (box, token), item in context.target_collector.counter_lookup_items.items():
        if child.missing_link == box and token != "content":
            if token == "bookmark-label" and not child.bookmark_label:
                continue
            item.parse_again(counters)
            if token == "bookmark-label":
                child.bookmark_label = box.bookmark_label


class Elsewhere(Page):
    """A page laid out by the other process: what `Page` knows of it (`described`), painted
    empty here."""

    def __init__(self, described: dict) -> None:  # no super().__init__: there is no page box
        self.width = described["width"]
        self.height = described["height"]
        self.bleed = described["bleed"]
        self.anchors = described["anchors"]
        self.links = [(kind, to, rect, SimpleNamespace()) for kind, to, rect in described["links"]]
        self.bookmarks = described["bookmarks"]
        self.forms = {None: []}

    def paint(self, stream: Any, scale: float = 1) -> None:
        pass


def describe(page: Page) -> dict:
    """What `Elsewhere` needs of a laid-out page (JSON)."""
    return {
        "width": page.width,
        "height": page.height,
        "bleed": page.bleed,
        "anchors": page.anchors,
        "links": [(kind, to, rect) for kind, to, rect, _ in page.links],
        "bookmarks": page.bookmarks,
    }
