"""The report's figures, drawn from the tables in `ReportResults` and embedded as PNG images.

Each figure has a ``draw_*`` function returning the matplotlib Figure (tests measure its text
boxes: `layout_problems`) and a wrapper returning the ``<img>`` the report embeds (`image`): a
PNG at `DPI` dots per inch inside the HTML, printed at the figure's own size. Chinese labels use
Noto Sans CJK SC, English labels DejaVu Sans (`workbench.fonts.use_font`), drawn by matplotlib's
Agg into the pixels, so the PDF engine needs no font for them. PNG rather than SVG (issue 23):
WeasyPrint drew the seven inline SVG figures of a province report (thousands of glyph paths) in
about as much time as it needed for all 27 pages of text and tables. Legends sit outside the
data; funnel labels are placed so they never collide.
"""

from __future__ import annotations

import base64
import html
import io
import itertools

import matplotlib
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from workbench.data import codes
from workbench.fonts import use_font
from workbench.i18n import t
from workbench.plots import step_band
from workbench.programme.regions import flag_categories

BLUE, LIGHT, RED, GREEN, GREY = "#1f5f8b", "#7fb3d5", "#b03a2e", "#1e8449", "#8c8c8c"
CATEGORY_COLOURS = {"better": GREEN, "as_expected": GREY, "worse": RED}
WIDTH = 6.4  # inches: the figures are printed at the text width of an A4 page
DPI = 200  # pixels per inch of the embedded PNGs: sharp in print and on a 2x screen at 100 %


def image(fig, alt: str = "") -> str:
    """The figure as an ``<img>`` with an embedded PNG of `DPI` pixels per inch, white, RGB (no
    alpha channel for the PDF engine to split off), cropped to its drawing (bbox tight) and
    sized in pt so it prints at the size it was drawn. `alt`: its text alternative; empty, the
    caption becomes it (`markup.figure_html`)."""
    rgb = _pixels(fig)
    out = io.BytesIO()
    rgb.save(out, format="PNG")
    width_pt = rgb.width / DPI * 72
    data = base64.b64encode(out.getvalue()).decode("ascii")
    return (
        f'<img class="wb-plot" alt="{html.escape(alt, quote=True)}" style="width:{width_pt:.1f}pt"'
        f' src="data:image/png;base64,{data}">'
    )


def _pixels(fig):
    """The figure drawn by Agg at `DPI`, bbox tight, as an RGB Pillow image: the raw RGBA
    buffer (its size is the renderer's that drew it), else through a PNG when that renderer
    does not match it — same pixels, the raw way skips a PNG encode and decode (~50 ms)."""
    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="raw", dpi=DPI, bbox_inches="tight", facecolor="white")
    drawn = getattr(fig.canvas, "renderer", None)
    size = (int(drawn.width), int(drawn.height)) if drawn is not None else (0, 0)
    raw = buf.getvalue()
    if size[0] * size[1] * 4 == len(raw) > 0:
        return Image.frombuffer("RGBA", size, raw, "raw", "RGBA", 0, 1).convert("RGB")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", facecolor="white",
                pil_kwargs={"compress_level": 1})  # fmt: skip
    buf.seek(0)
    with Image.open(buf) as png:
        return png.convert("RGB")


def _figure(lang: str, size=(WIDTH, 3.6)) -> Figure:
    use_font(lang)
    fig = Figure(figsize=size)  # no pyplot: the caller's backend and figure list stay as they are
    FigureCanvasAgg(fig)  # a renderer to measure text with
    return fig


def _axes(lang: str, size=(WIDTH, 3.6)):
    fig = _figure(lang, size)
    ax = fig.subplots()
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def short_name(code: str, lang: str) -> str:
    """A prefecture's short name for figure labels: without the city suffix (`city_suffix`);
    Xiangxi as `short_xiangxi`."""
    if code == "xiangxi":
        return t("short_xiangxi", lang)
    return codes.label("prefecture", code, lang).removesuffix(t("city_suffix", lang))


# --- retention curve --------------------------------------------------------------------------


def draw_retention_curve(
    curve: pd.DataFrame,
    milestones: pd.DataFrame | None,
    lang: str,
    ylabel: str | None = None,
    xlabel: str | None = None,
) -> Figure:
    fig, ax = _axes(lang)
    months = curve["time"].to_numpy(float) / codes.DAYS_PER_MONTH
    step_band(ax, months, curve["estimate"], curve["lower"], curve["upper"], color=BLUE, lw=1.8)
    if milestones is not None:
        for _, row in milestones.iterrows():
            if np.isfinite(row["estimate"]):
                ax.plot(row["months"], row["estimate"], "o", color=RED, ms=4)
                ax.annotate(
                    f"{row['estimate']:.1%}",
                    (row["months"], row["estimate"]),
                    textcoords="offset points",
                    xytext=(4, 6),
                    fontsize=8,
                )
    _share_axes(ax, min(codes.TRACKING_MONTHS, int(np.ceil(months.max()))), lang, ylabel, xlabel)
    ax.grid(alpha=0.3)
    return fig


def _share_axes(ax, end: int, lang: str, ylabel: str | None, xlabel: str | None) -> None:
    """Months 0..end (ticks every 6 months past a year) against a share in per cent."""
    ax.set_xlim(0, end)
    ax.set_xticks(range(0, end + 1, 6 if end > 12 else 1))
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(xlabel or t("ax_months", lang))
    ax.set_ylabel(ylabel or t("ax_retention", lang))


def retention_curve(curve, milestones, lang: str, ylabel=None, xlabel=None) -> str:
    return image(draw_retention_curve(curve, milestones, lang, ylabel, xlabel))


# --- programme tiers: one small panel per tier, linear scale, target marked --------------------


def draw_tiers(tiers: pd.DataFrame, lang: str, target: bool = True) -> Figure:
    """One panel per tier (each on its own linear scale): confirmed and projected bars with
    their numbers, the target as a red dashed line; the legend below the panels. `target`
    False (a prefecture's or centre's report): no target line, which is province-wide."""
    fig = _figure(lang, size=(WIDTH, 2.9))
    axes = fig.subplots(1, len(tiers), squeeze=False)[0]
    for ax, row in zip(axes, tiers.itertuples(index=False), strict=True):
        observed = float(row.observed)
        projected = float(row.projected) if np.isfinite(row.projected) else observed
        top = max(float(row.target) if target else 0.0, projected, observed, 1.0) * 1.22
        bars = ax.bar([0, 1], [observed, projected], color=[BLUE, LIGHT], width=0.6)
        for bar, value in zip(bars, (observed, projected), strict=True):
            shown = "–" if value <= 0 else f"{value:,.0f}"
            ax.annotate(shown, (bar.get_x() + bar.get_width() / 2, value), ha="center",
                        va="bottom", xytext=(0, 2), textcoords="offset points", fontsize=8)  # fmt: skip
        if target:
            ax.axhline(float(row.target), color=RED, lw=1.5, ls="--")
        ax.set_ylim(0, top)
        ax.set_xlim(-0.6, 1.6)
        ax.set_xticks([])
        ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(4, integer=True))
        ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.tick_params(axis="y", labelsize=7)
        ax.spines[["top", "right"]].set_visible(False)
        name = t(f"tier_short_{int(row.years)}", lang)
        goal = t("target_is", lang, f"{int(row.target):,}") if target else ""
        ax.set_title(f"{name}\n{goal}".strip(), fontsize=8.5)
    handles = [
        Patch(color=BLUE, label=t("col_observed", lang)),
        Patch(color=LIGHT, label=t("col_projected", lang)),
    ]
    if target:
        handles.append(Line2D([], [], color=RED, lw=1.5, ls="--", label=t("col_target", lang)))
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=8, frameon=False,
               bbox_to_anchor=(0.5, 0.0))  # fmt: skip
    fig.subplots_adjust(wspace=0.55, bottom=0.14, top=0.8)
    return fig


def draw_arm_curves(
    curves: pd.DataFrame, lang: str, ylabel: str | None = None, xlabel: str | None = None
) -> Figure:
    """Each arm's curve (arm, group 1/0, time in days, estimate, lower, upper) with its band;
    the legend below the axes, off the curves."""
    fig, ax = _axes(lang)
    colours = (BLUE, RED, "#2e7d32", "#6a1b9a")
    months_max = 0.0
    for i, ((arm, group), part) in enumerate(curves.groupby(["arm", "group"], sort=False)):
        months = part["time"].to_numpy(float) / codes.DAYS_PER_MONTH
        months_max = max(months_max, float(months.max()))
        label = t("arm_treated" if int(group) == 1 else "arm_control", lang, arm=arm)
        colour = colours[i % len(colours)]
        step_band(ax, months, part["estimate"], part["lower"], part["upper"], alpha=0.15,
                  color=colour, lw=1.8, label=label)  # fmt: skip
    _share_axes(ax, max(1, int(np.ceil(months_max))), lang, ylabel, xlabel)
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2)
    ax.grid(alpha=0.3)
    return fig


def arm_curves(curves: pd.DataFrame, lang: str, ylabel=None, xlabel=None) -> str:
    return image(draw_arm_curves(curves, lang, ylabel, xlabel))


def tiers_bars(tiers: pd.DataFrame, lang: str, target: bool = True) -> str:
    return image(draw_tiers(tiers, lang, target))


# --- funnel -------------------------------------------------------------------------------------


def draw_funnel(regions: pd.DataFrame, limits: pd.DataFrame, overall: float, lang: str) -> Figure:
    fig, ax = _axes(lang, size=(WIDTH, 4.6))
    ax.axhline(overall, color=GREY, lw=1)
    for level, style in (("95", "--"), ("998", ":")):
        ax.plot(limits["n"], limits[f"lower{level}"], style, color=GREY, lw=1)
        ax.plot(limits["n"], limits[f"upper{level}"], style, color=GREY, lw=1)
    cats = flag_categories(regions)
    for (cat, sure), group in regions.groupby([cats["category"], cats["sure"]]):
        colour = CATEGORY_COLOURS[cat]
        face = colour if (sure or cat == "as_expected") else "white"
        ax.scatter(group["n"], group["adjusted"], s=30, zorder=3, facecolors=face,
                   edgecolors=colour, linewidths=1.4)  # fmt: skip
    _fit_axes(ax, regions, limits)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(t("ax_n", lang))
    ax.set_ylabel(t("col_adjusted", lang))
    ax.grid(alpha=0.3)
    flagged = regions[cats["category"].ne("as_expected").to_numpy()]
    place_labels(
        ax,
        flagged["n"].to_numpy(float),
        flagged["adjusted"].to_numpy(float),
        [short_name(c, lang) for c in flagged["code"]],
    )
    ax.legend(handles=_funnel_legend(lang), loc="upper center", bbox_to_anchor=(0.5, -0.16),
              ncol=4, fontsize=7.5, frameon=False)  # fmt: skip
    return fig


def _fit_axes(ax, regions: pd.DataFrame, limits: pd.DataFrame) -> None:
    """Axes fitted to the points (and the limits over the points' range), not to 0–100 %."""
    n = regions["n"].to_numpy(float)
    span = limits[limits["n"] >= n.min() * 0.9]
    values = np.concatenate(
        [regions["adjusted"].to_numpy(float), span["lower998"], span["upper998"]]
    )
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    pad = max(0.02, (hi - lo) * 0.08)
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_xlim(0, n.max() * 1.08)


def _funnel_legend(lang: str) -> list[Line2D]:
    def dot(colour, face, label):
        return Line2D([], [], ls="", marker="o", ms=6, mfc=face, mec=colour, mew=1.4, label=label)

    return [
        dot(GREEN, GREEN, t("flag_better", lang)),
        dot(GREY, GREY, t("flag_as_expected", lang)),
        dot(RED, RED, t("flag_worse", lang)),
        dot("#333333", "white", t("legend_uncertain", lang)),
        Line2D([], [], color=GREY, lw=1, label=t("legend_benchmark", lang)),
        Line2D([], [], color=GREY, lw=1, ls="--", label=t("legend_95", lang)),
        Line2D([], [], color=GREY, lw=1, ls=":", label=t("legend_998", lang)),
    ]


def funnel(regions: pd.DataFrame, limits: pd.DataFrame, overall: float, lang: str) -> str:
    return image(draw_funnel(regions, limits, overall, lang))


# --- labels that never collide ------------------------------------------------------------------

OFFSETS = [(dx, dy) for r in (5, 12, 20) for dx, dy in
           ((r, r), (r, -r - 4), (-r, r), (-r, -r - 4), (r + 4, 0), (-r - 4, 0), (0, r + 2))]  # fmt: skip


def place_labels(ax, x: np.ndarray, y: np.ndarray, labels: list[str], fontsize: float = 7.5):
    """Label points with text that overlaps neither other labels, the points nor the axes' edge:
    each label tries offsets in turn and keeps the first free place (the last one otherwise)."""
    renderer = ax.figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    taken = [_point_box(ax, px, py) for px, py in zip(x, y, strict=True)]
    out = []
    for px, py, text in zip(x, y, labels, strict=True):
        own = _point_box(ax, px, py)
        for dx, dy in OFFSETS:
            ann = ax.annotate(text, (px, py), xytext=(dx, dy), textcoords="offset points",
                              fontsize=fontsize, ha="left" if dx >= 0 else "right",
                              va="bottom" if dy >= 0 else "top")  # fmt: skip
            box = ann.get_window_extent(renderer)
            inside = (
                frame.containsx(box.x0)
                and frame.containsx(box.x1)
                and (frame.containsy(box.y0) and frame.containsy(box.y1))
            )
            if inside and not any(box.overlaps(b) for b in taken if b is not own):
                break
            if (dx, dy) != OFFSETS[-1]:
                ann.remove()
        taken.append(box)
        out.append(ann)
    return out


def _point_box(ax, px: float, py: float, radius: float = 3.5):
    from matplotlib.transforms import Bbox

    cx, cy = ax.transData.transform((px, py))
    return Bbox.from_extents(cx - radius, cy - radius, cx + radius, cy + radius)


# --- checks the tests (and a reviewer) run on every figure ---------------------------------------


def layout_problems(fig: Figure) -> list[str]:
    """Overlapping text boxes, and legends covering data (points, bars, lines), as sentences."""
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    texts = [(x.get_text(), x.get_window_extent(renderer)) for x in _drawn_texts(fig)]
    problems = [
        f"text {a!r} overlaps {b!r}"
        for (a, ba), (b, bb) in itertools.combinations(texts, 2)
        if _area(ba, bb) > 1.0
    ]
    legends = [(ax, ax.get_legend()) for ax in fig.axes] + [(None, lg) for lg in fig.legends]
    for owner, legend in legends:
        if legend is None:
            continue
        box = legend.get_window_extent(renderer)
        for ax in [owner] if owner is not None else fig.axes:
            problems += [f"legend covers {what}" for what in _data_under(ax, box, renderer)]
    return problems


def _drawn_texts(fig: Figure) -> list:
    """Every piece of text the figure shows: titles, axis and tick labels in view, annotations,
    legend entries and figure texts."""
    out = list(fig.texts)
    for ax in fig.axes:
        out += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
        out += list(ax.texts)
        for axis, (lo, hi) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            lo, hi = min(lo, hi), max(lo, hi)
            tol = (hi - lo) * 1e-6
            out += [
                tick.label1
                for tick in axis.get_major_ticks()
                if lo - tol <= tick.get_loc() <= hi + tol
            ]
    for legend in [ax.get_legend() for ax in fig.axes] + list(fig.legends):
        if legend is not None:
            out += list(legend.get_texts())
    return [x for x in out if x.get_visible() and x.get_text().strip()]


def _area(a, b) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(w, 0) * max(h, 0)


def _data_under(ax, box, renderer) -> list[str]:
    """What data of `ax` (inside its frame: clipped data is not drawn) lies under `box`."""
    frame = ax.get_window_extent(renderer)

    def covered(pixels: np.ndarray) -> bool:
        return any(frame.contains(px, py) and box.contains(px, py) for px, py in pixels)

    found = []
    for coll in ax.collections:
        offsets = coll.get_offsets()
        if len(offsets) and covered(ax.transData.transform(offsets)):
            found.append("points")
    for patch in ax.patches:
        if patch.get_window_extent(renderer).overlaps(box):
            found.append("bars")
    for line in ax.lines:
        xy = line.get_xydata()
        if len(xy) > 1 and covered(ax.transData.transform(xy)):
            found.append("a line")
    return found
