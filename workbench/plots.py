"""Figures for researchers and officials, labelled in Chinese ('zh') or English ('en').

Every function takes ``ax=None`` (a new figure when absent) and returns the axes. Words come from
the glossary (shared/docs/glossary.md) and `workbench.data.codes`; Chinese labels are drawn with Noto
Sans CJK SC, registered by path (`workbench.fonts.use_font`, statistics.md trap 6). Counts below
the suppression threshold are printed as "<10", never as numbers.

Size: the report's and the notebooks' shared figure vocabulary (curves with bands, legends
outside the data, ratio ticks, at-risk tables, funnel and tiers) in one place, so that every
figure draws a band, a legend or a tick the same way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import transforms

from workbench.data import codes
from workbench.exceptions import ParameterError
from workbench.i18n import TEXT, check_lang

FLAG_COLOURS = {"better": "tab:green", "worse": "tab:red", "watch": "tab:orange", "": "tab:blue"}
MONTH_TICKS = np.arange(0, 37, 6)
AT_RISK_STEP = 0.07  # axes heights between lines of the number-at-risk table
AT_RISK_TOP = -0.2


def word(key: str, lang: str) -> str:
    """The glossary word for `key` in `lang` (catalog entry ``plot_<key>``)."""
    return TEXT["plot_" + key][check_lang(lang)]


def suppress(n: float, threshold: int = codes.SUPPRESSION_THRESHOLD) -> str:
    """A count as text, or "<10" when it is below the suppression threshold."""
    if not np.isfinite(n):
        return "–"
    return f"<{threshold}" if n < threshold else f"{int(round(n)):,}"


def _axes(ax, lang: str, size=(7.0, 4.5), bottom: float = 0.12, top: float = 0.9):
    import matplotlib.pyplot as plt

    check_lang(lang)
    if lang == "zh":
        from workbench.fonts import use_font

        use_font("zh")
    if ax is None:
        fig, ax = plt.subplots(figsize=size)
        fig.subplots_adjust(bottom=bottom, top=top)
    return ax


def _curve_frame(curves: pd.DataFrame | list[pd.DataFrame]) -> pd.DataFrame:
    frame = pd.concat(curves, ignore_index=True) if isinstance(curves, list) else curves.copy()
    if "time" not in frame.columns and "day" in frame.columns:
        frame = frame.rename(columns={"day": "time"})
    missing = [c for c in ("time", "estimate") if c not in frame.columns]
    if missing:
        raise ParameterError(
            f"curves lack column(s) {', '.join(missing)}; expected time (days), estimate, "
            "lower, upper, label"
        )
    if "label" not in frame.columns:
        frame["label"] = ""
    return frame


def step_band(ax, x, estimate, lower=None, upper=None, *, alpha=0.2, edge=True, **line):
    """One step curve (`line`: matplotlib Line2D properties) and, with `lower` and `upper`,
    its confidence band in the line's colour; `edge` False draws the band without an outline.
    Every survival-type curve of the workbench (plots and the report's figures) is drawn here."""
    (drawn,) = ax.step(x, estimate, where="post", **line)
    if lower is not None and upper is not None:
        outline = {} if edge else {"linewidth": 0}
        ax.fill_between(
            x, lower, upper, step="post", alpha=alpha, color=drawn.get_color(), **outline
        )
    return drawn


def _draw_curves(ax, frame: pd.DataFrame, lang: str) -> bool:
    """Draw every label's curve (and band); True when at least one band was drawn. More curves
    than the default cycle has colours get one distinct colour each (tab20)."""
    labels = frame["label"].unique()
    colours = _colours(len(labels))
    banded = False
    for i, (label, g) in enumerate(frame.groupby("label", sort=False)):
        g = g.sort_values("time", kind="stable")
        months = g["time"].to_numpy(float) / codes.DAYS_PER_MONTH
        band = {"lower", "upper"} <= set(g.columns) and g["lower"].notna().any()
        banded |= bool(band)
        step_band(
            ax,
            months,
            g["estimate"],
            g["lower"] if band else None,
            g["upper"] if band else None,
            edge=False,
            label=str(label) or None,
            **({"color": colours[i]} if colours else {}),
        )
    return banded


def _colours(n: int) -> list | None:
    """None (matplotlib's 10-colour cycle) for up to 10 curves, else n distinct tab20 colours."""
    if n <= 10:
        return None
    import matplotlib

    cmap = matplotlib.colormaps["tab20"]
    return [cmap(i % 20) for i in range(n)]


def retention_curves(
    curves,
    ax=None,
    lang: str = "en",
    at_risk: bool = True,
    title: str | None = None,
    kind: str | None = None,
):
    """Retention curves (time in days, estimate, lower, upper, label[, n_risk]) with CI bands and,
    when `n_risk` is given, a number-at-risk table under the axis at 0, 6, ..., 36 months.
    With `kind` (e.g. 'primary_drug', or 'est' for estimator names) the labels are turned into
    words in `lang` (`label_word`)."""
    frame = _curve_frame(curves)
    if kind is not None:
        frame["label"] = [label_word(kind, v, lang) for v in frame["label"]]
    n_rows = frame["label"].nunique() if at_risk and "n_risk" in frame.columns else 0
    # axes 3.2 in tall; below it the x label and, when drawn, one table line per curve
    below = 0.6 + (AT_RISK_STEP * (n_rows + 1) * 3.2 + 0.2 if n_rows else 0.0)
    height = 0.45 + 3.2 + below
    created = ax is None
    ax = _axes(ax, lang, size=(7.5, height), bottom=below / height, top=1 - 0.45 / height)
    banded = _draw_curves(ax, frame, lang)
    ax.set_xlim(0, 36.5)
    ax.set_xticks(MONTH_TICKS)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(word("months", lang))
    ax.set_ylabel(word("retention_y", lang))
    ax.set_title(title or word("retention_title", lang))
    ax.grid(alpha=0.3)
    _legend(ax, lang, banded)
    if n_rows:
        _at_risk_table(ax, frame, lang)
        if created:  # room on the left for the table's row labels
            width = max(_text_width(str(v)) for v in [word("at_risk", lang), *frame["label"]])
            ax.figure.subplots_adjust(left=min(0.4, max(0.125, (0.55 + width) / 7.5)))
    return ax


def label_word(kind: str, value: object, lang: str) -> str:
    """A curve label in `lang`: a code of `kind` (codes.KINDS), or a catalog entry
    ``nb_<kind>_<value>`` (e.g. kind 'est': an estimator's name), else the value as it is."""
    if kind in codes.KINDS:
        return codes.label(kind, value, lang)
    entry = TEXT.get(f"nb_{kind}_{value}")
    return entry[check_lang(lang)] if entry else str(value)


def _text_width(text: str) -> float:
    """Rough width in inches of `text` at 8 pt (CJK characters count double)."""
    return sum(0.11 if ord(ch) > 0x2E80 else 0.065 for ch in text)


def _legend(ax, lang: str, band: bool = True) -> None:
    """The legend outside the axes on the right (never over the curves); the "95% CI" entry only
    when a band was drawn."""
    from matplotlib.patches import Patch

    handles, labels = ax.get_legend_handles_labels()
    if band:
        handles.append(Patch(facecolor="grey", alpha=0.2))
        labels.append(word("ci_band", lang))
    if handles:
        outside(ax, handles, labels)


def outside(ax, handles=None, labels=None, **kwargs):
    """Put `ax`'s legend outside the axes, on the right, so that it covers no data."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    style = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "borderaxespad": 0.0,
             "frameon": False, "fontsize": "small"}  # fmt: skip
    return ax.legend(handles, labels, **{**style, **kwargs})


def at_risk_counts(frame: pd.DataFrame, months=MONTH_TICKS) -> pd.DataFrame:
    """Number at risk per label at each month: n_risk at the first curve time at or after it."""
    out = {}
    for label, g in frame.groupby("label", sort=False):
        g = g.sort_values("time", kind="stable")
        t, n = g["time"].to_numpy(float), g["n_risk"].to_numpy(float)
        pos = np.searchsorted(
            t, np.asarray(months, float) * codes.DAYS_PER_MONTH - 1e-9, side="left"
        )
        out[str(label)] = np.where(pos < len(t), n[np.clip(pos, 0, len(t) - 1)], 0.0)
    return pd.DataFrame(out, index=pd.Index(months, name="months")).T


def _at_risk_table(ax, frame: pd.DataFrame, lang: str) -> None:
    counts = at_risk_counts(frame)
    trans = transforms.blended_transform_factory(ax.transData, ax.transAxes)
    left = {"transform": ax.transAxes, "ha": "right", "va": "center", "fontsize": 8}
    ax.text(-0.06, AT_RISK_TOP, word("at_risk", lang), fontweight="bold", gid="at_risk_title",
            **left)  # fmt: skip
    for i, (label, row) in enumerate(counts.iterrows(), start=1):
        y = AT_RISK_TOP - AT_RISK_STEP * i
        ax.text(-0.06, y, label, gid="at_risk_label", **left)
        for m, n in row.items():
            ax.text(m, y, suppress(n), transform=trans, ha="center", va="center", fontsize=8,
                    gid="at_risk")  # fmt: skip


def cif_plot(curves, ax=None, lang: str = "en", title: str | None = None):
    """Cumulative incidence curves (time, estimate, lower, upper, label[, cause]) in months."""
    frame = _curve_frame(curves)
    if "cause" in frame.columns:
        frame["label"] = [
            codes.label("event", c, lang)
            if lbl in (c, "")
            else f"{lbl.split(':')[0]}: {codes.label('event', c, lang)}"
            for lbl, c in zip(frame["label"].astype(str), frame["cause"], strict=True)
        ]
    ax = _axes(ax, lang)
    banded = _draw_curves(ax, frame, lang)
    ax.set_xlim(0, 36.5)
    ax.set_xticks(MONTH_TICKS)
    top = float(np.nanmax(frame.get("upper", frame["estimate"]).to_numpy(float)))
    ax.set_ylim(0, min(1.0, max(0.1, top * 1.1)))
    ax.set_xlabel(word("months", lang))
    ax.set_ylabel(word("cif_y", lang))
    ax.set_title(title or word("cif_title", lang))
    ax.grid(alpha=0.3)
    _legend(ax, lang, banded)
    return ax


def forest_plot(table: pd.DataFrame, ax=None, lang: str = "en", title: str | None = None):
    """Hazard ratios (column `hr`) or time ratios (`time_ratio`) with CIs, by `label`."""
    effect = (
        "hr" if "hr" in table.columns else "time_ratio" if "time_ratio" in table.columns else None
    )
    if effect is None or not {"label", "lower", "upper"} <= set(table.columns):
        raise ParameterError(
            "the forest plot needs columns label, hr (or time_ratio), lower, upper"
        )
    k = len(table)
    created = ax is None
    label_width = max(_text_width(str(v)) * 10 / 8 for v in table["label"])  # 10 pt tick labels
    ax = _axes(ax, lang, size=(4.5 + label_width, 1.4 + 0.4 * k), bottom=0.9 / (1.4 + 0.4 * k))
    if created:
        ax.figure.subplots_adjust(left=(label_width + 0.3) / (4.5 + label_width), right=0.95)
    y = np.arange(k)[::-1]
    est = table[effect].to_numpy(float)
    err = np.vstack([est - table["lower"].to_numpy(float), table["upper"].to_numpy(float) - est])
    ax.errorbar(
        est,
        y,
        xerr=err,
        fmt="s",
        color="black",
        ecolor="black",
        capsize=3,
        label=word("estimate_ci", lang),
    )
    ax.axvline(1.0, color="grey", linestyle="--", linewidth=1, label=word("no_effect", lang))
    ax.set_xscale("log")
    ratio_ticks(ax, table["lower"].to_numpy(float), table["upper"].to_numpy(float))
    ax.set_yticks(y)
    ax.set_yticklabels(table["label"].astype(str))
    ax.set_ylim(-0.7, k - 0.3)
    keys = ("hr_title", "hr_x") if effect == "hr" else ("tr_title", "tr_x")
    ax.set_title(title or word(keys[0], lang))
    ax.set_xlabel(word(keys[1], lang))
    ax.grid(axis="x", alpha=0.3, which="both")
    outside(ax, fontsize=8)
    return ax


NICE_RATIOS = (0.05, 0.1, 0.2, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 10, 20)


def ratio_ticks(ax, lower, upper) -> None:
    """Plain-number ticks (0.5, 1, 2, ...) on the log-scale ratio axis."""
    from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator, StrMethodFormatter

    finite = np.r_[lower[np.isfinite(lower)], upper[np.isfinite(upper)], 1.0]
    lo, hi = max(float(finite.min()), 1e-3), float(finite.max())
    ticks = [t for t in NICE_RATIOS if lo / 1.2 <= t <= hi * 1.2] or [1.0]
    ax.set_xlim(min(lo, min(ticks)) / 1.1, max(hi, max(ticks)) * 1.1)
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())


def funnel_plot(
    comparison,
    ax=None,
    lang: str = "en",
    overall: float | None = None,
    kind: str = "prefecture",
    months: float = 12,
    title: str | None = None,
):
    """Funnel plot of risk-adjusted retention per region against the number released, with 95 %
    and 99.8 % binomial limits around the overall retention.

    `comparison` is a `workbench.programme.regions.RegionComparison` or a table with code, n and adjusted
    (then give `overall`); `flag` ('better', 'worse', 'watch') colours the points."""
    table = comparison.table if hasattr(comparison, "table") else comparison
    p0 = comparison.overall if hasattr(comparison, "overall") else overall
    months = getattr(comparison, "months", months)
    if p0 is None or not {"code", "n", "adjusted"} <= set(table.columns):
        raise ParameterError(
            "the funnel plot needs a table with code, n, adjusted and the overall retention"
        )
    ax = _axes(ax, lang)
    _funnel_limits(ax, p0, float(table["n"].max()) * 1.1, lang)
    ax.axhline(p0, color="black", linewidth=1, label=word("overall", lang))
    flags = (
        table["flag"].fillna("") if "flag" in table.columns else pd.Series("", index=table.index)
    )
    ax.scatter(
        table["n"],
        table["adjusted"],
        c=[FLAG_COLOURS.get(f, "tab:blue") for f in flags],
        zorder=3,
        label=word("region", lang),
    )
    for row, f in zip(table.itertuples(index=False), flags, strict=True):
        if f:
            ax.annotate(
                codes.label(kind, row.code, lang) if kind in codes.KINDS else str(row.code),
                (row.n, row.adjusted),
                textcoords="offset points",
                xytext=(4, 4),
                fontsize=8,
            )
    ax.set_xlabel(word("funnel_x", lang))
    ax.set_ylabel(word("funnel_y", lang))
    ax.set_title(title or word("funnel_title", lang).format(months=months))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", frameon=False, fontsize=8)
    return ax


def _funnel_limits(ax, p0: float, n_max: float, lang: str) -> None:
    """95 % and 99.8 % binomial limits around p0 as curves over n (as workbench.programme.regions)."""
    from scipy import stats

    n = np.linspace(max(5.0, n_max / 200), n_max, 200)
    se = np.sqrt(p0 * (1 - p0) / n)
    for level, style, key in ((0.95, "--", "limit95"), (0.998, ":", "limit998")):
        z = stats.norm.ppf(0.5 + level / 2)
        ax.plot(n, np.clip(p0 + z * se, 0, 1), style, color="grey", label=word(key, lang))
        ax.plot(n, np.clip(p0 - z * se, 0, 1), style, color="grey")


def tiers_plot(
    tiers: pd.DataFrame, ax=None, lang: str = "en", group: str = "all", title: str | None = None
):
    """Observed and projected numbers abstinent for >= 1, 2, 3 years against the 10,000 / 1,000 /
    100 targets (rows of `workbench.programme.tiers.tier_counts`; the `group` rows are drawn)."""
    if not {"years", "observed"} <= set(tiers.columns):
        raise ParameterError("the tiers plot needs columns years, observed (and projected, target)")
    rows = tiers[tiers["group"].astype(str) == group] if "group" in tiers.columns else tiers
    if rows.empty:
        raise ParameterError(f"no tier rows for group {group!r}")
    rows = rows.sort_values("years")
    ax = _axes(ax, lang, size=(7.5, 4.5))
    x = np.arange(len(rows))
    obs = rows["observed"].to_numpy(float)
    proj = (
        rows["projected"].to_numpy(float)
        if "projected" in rows.columns
        else np.full(len(rows), np.nan)
    )
    targets = (
        rows["target"].to_numpy(float)
        if "target" in rows.columns
        else np.array([codes.TIER_TARGETS.get(int(y), np.nan) for y in rows["years"]])
    )
    _tier_bars(ax, obs, proj, targets, lang)
    ax.set_yscale("log")
    ax.set_xticks(x)
    ax.set_xticklabels([codes.label("tier", str(int(y)), lang) for y in rows["years"]], fontsize=8)
    ax.set_ylabel(word("tiers_y", lang))
    ax.set_title(title or word("tiers_title", lang))
    ax.legend(loc="upper right", frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return ax


def _tier_bars(ax, obs, proj, targets, lang: str) -> None:
    """Observed and projected bars, target marks and counts. A count below the suppression
    threshold gets no bar (its height would reveal it), only the text "<10" at the bottom."""
    x = np.arange(len(obs))
    series = [(obs, -0.2, {"label": word("observed", lang)})]
    if np.isfinite(proj).any():
        extra = {"label": word("projected", lang), "alpha": 0.45, "hatch": "//"}
        series.append((proj, 0.2, extra))
    for values, dx, style in series:
        shown = np.isfinite(values) & (values >= codes.SUPPRESSION_THRESHOLD)
        ax.bar(x[shown] + dx, values[shown], width=0.4, color="tab:blue", **style)
        for i in np.flatnonzero(np.isfinite(values)):
            ax.annotate(
                suppress(values[i]),
                (i + dx, values[i] if shown[i] else 1.0),
                ha="center",
                va="bottom",
                fontsize=8,
                xytext=(0, 2),
                textcoords="offset points",
            )
    for i, t in enumerate(targets):
        ax.hlines(
            t,
            i - 0.45,
            i + 0.45,
            colors="tab:red",
            linewidth=2,
            label=word("target", lang) if i == 0 else None,
        )
    ax.set_yscale("log")
    ax.set_ylim(bottom=1.0)
