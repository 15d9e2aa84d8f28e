"""A schematic tile map of Hunan's 14 prefectures (no boundary data): one square per prefecture,
placed roughly where it lies, coloured by its shrunk risk-adjusted 12-month retention on a
diverging scale centred on the province level (blue above, red below). A prefecture that is not
in the ranking (too few people to show) is hatched and shows no number. The image carries an alt
text saying what the map shows in words. matplotlib is imported by the drawing functions only
(the ranking section reads `TILES`; a cached figure needs no drawing: `figure_cache`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.data import codes
from workbench.fonts import use_font
from workbench.i18n import t
from workbench.reporting.markup import pct

# (row, column) from the north-west corner: Changde/Zhangjiajie north-west, Yueyang north-east,
# Changsha centre-north, Xiangxi west, Yiyang/Loudi centre, Xiangtan/Zhuzhou east-centre,
# Huaihua south-west, Shaoyang/Yongzhou south-west/south, Hengyang centre-south, Chenzhou
# south-east.
TILES = {
    "zhangjiajie": (0, 1),
    "changde": (0, 2),
    "yueyang": (0, 4),
    "xiangxi": (1, 0),
    "yiyang": (1, 2),
    "changsha": (1, 3),
    "huaihua": (2, 0),
    "loudi": (2, 2),
    "xiangtan": (2, 3),
    "zhuzhou": (2, 4),
    "shaoyang": (3, 1),
    "hengyang": (3, 3),
    "yongzhou": (4, 2),
    "chenzhou": (4, 4),
}
CMAP = "RdBu"


def draw_tile_map(ranking: pd.DataFrame, lang: str):
    """The map of a prefecture ranking table (code, estimate, province): a matplotlib Figure."""
    import matplotlib
    import matplotlib.cm
    import matplotlib.ticker
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch, Rectangle

    from workbench.reporting.figures import WIDTH, short_name

    use_font(lang)
    fig = Figure(figsize=(WIDTH, 5.0))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.02, 0.14, 0.96, 0.84))
    cax = fig.add_axes((0.25, 0.07, 0.5, 0.025))
    values = ranking.set_index("code")["estimate"].astype(float)
    province = float(ranking["province"].iloc[0])
    half = max(float(np.nanmax(np.abs(values - province))), 0.01)
    norm = TwoSlopeNorm(province, province - half, province + half)
    cmap = matplotlib.colormaps[CMAP]
    for code, (row, col) in TILES.items():
        x, y = col, -row
        shown = code in values.index and np.isfinite(values.get(code, np.nan))
        if shown:
            colour = cmap(norm(values[code]))
            ax.add_patch(Rectangle((x, y), 0.94, 0.94, facecolor=colour, edgecolor="white"))
            dark = abs(norm(values[code]) - 0.5) > 0.3
            ink = "white" if dark else "#222222"
            label = f"{short_name(code, lang)}\n{pct(values[code])}"
        else:
            ax.add_patch(Rectangle((x, y), 0.94, 0.94, facecolor="white", edgecolor="#8c8c8c",
                                   hatch="///", linewidth=1.0))  # fmt: skip
            ink, label = "#444444", short_name(code, lang)
        ax.text(x + 0.47, y + 0.47, label, ha="center", va="center", fontsize=8.5, color=ink,
                bbox=None if shown else {"facecolor": "white", "edgecolor": "none", "pad": 1})  # fmt: skip
    ax.set_xlim(-0.1, 5.0)
    ax.set_ylim(-4.1, 1.0)
    ax.set_aspect("equal")
    ax.axis("off")
    bar = fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), cax=cax,
                       orientation="horizontal")  # fmt: skip
    bar.ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    bar.ax.tick_params(labelsize=7.5)
    bar.set_label(t("rk_map_legend", lang), fontsize=8)
    if len(values) < len(TILES):
        ax.legend(handles=[Patch(facecolor="white", edgecolor="#8c8c8c", hatch="///",
                                 label=t("rk_map_hatched", lang))],
                  loc="lower left", bbox_to_anchor=(0.0, 0.0), fontsize=7.5, frameon=False)  # fmt: skip
    return fig


def alt_text(ranking: pd.DataFrame, lang: str) -> str:
    """The map in words: the highest and lowest prefecture, the province level, the hatched."""
    rows = ranking.sort_values("estimate", ascending=False)
    sep = t("list_sep", lang)
    hidden = [c for c in TILES if c not in set(ranking["code"])]
    hatched = (
        t(
            "rk_map_alt_hatched",
            lang,
            names=sep.join(codes.label("prefecture", c, lang) for c in hidden),
        )  # fmt: skip
        if hidden
        else ""
    )
    best, worst = rows.iloc[0], rows.iloc[-1]
    return t(
        "rk_map_alt",
        lang,
        best=codes.label("prefecture", best["code"], lang),
        best_value=pct(best["estimate"]),
        worst=codes.label("prefecture", worst["code"], lang),
        worst_value=pct(worst["estimate"]),
        prov=pct(ranking["province"].iloc[0]),
        hatched=hatched,
    ).strip()


def tile_map(ranking: pd.DataFrame, lang: str) -> str:
    """The map as an embedded image with its alt text."""
    from workbench.reporting.figures import image

    return image(draw_tile_map(ranking, lang), alt_text(ranking, lang))
