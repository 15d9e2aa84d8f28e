"""The report's fair ranking (issue 19): the province report's ranking table of prefectures with
the tile map and the facilities' table; a prefecture report's own standing in the province's
ranking (from the province benchmark); and `where_lines`, the summary's plain answer to "where do
we do better?".

The words follow the 95 % intervals the tables print: a prefecture is "above" (or "below") the
province level when its whole 95 % interval is, i.e. when the chance of being below the province
level is at most 2.5 % (or at least 97.5 %).
"""

from __future__ import annotations

import pandas as pd

from workbench.data import codes
from workbench.evaluation.results import ReportResults
from workbench.i18n import t
from workbench.params.report import ReportParams
from workbench.reporting.figure_cache import tile_map
from workbench.reporting.markup import (
    Section,
    esc,
    figure_html,
    heading,
    paragraph,
    pct,
    table_html,
)
from workbench.reporting.tile_map import TILES

SURE = 0.025  # one tail of the 95 % interval


def ranking(results: ReportResults, params: ReportParams) -> Section | None:
    """The ranking section: the province's table and map, or a scoped report's own standing;
    None when there is nothing to show."""
    if params.prefecture or params.facility:
        return _standing_section(params)
    if not results.ranking or "prefecture" not in results.ranking:
        return None
    lang, k = params.lang, params.suppression_threshold
    pref = results.ranking["prefecture"]
    body = paragraph(t("rk_intro", lang))
    if results.regions is not None:
        body += paragraph(t("rk_same_as_funnel", lang))
    body += figure_html(tile_map(pref, lang), t("rk_cap_map", lang))
    note = t("rk_province_note", lang, prov=pct(pref["province"].iloc[0]), k=k)
    hidden = [c for c in TILES if c not in set(pref["code"])]
    if hidden:
        names = t("list_sep", lang).join(codes.label("prefecture", c, lang) for c in hidden)
        note += " " + t("rk_not_ranked", lang, names=names)
    body += table_html(ranking_table(pref, "prefecture", lang), t("rk_cap_table", lang), lang, note)
    fac = results.ranking.get("facility")
    if fac is not None and len(fac):
        body += table_html(ranking_table(fac, "facility", lang), t("rk_cap_facilities", lang),
                           lang, t("rk_facility_note", lang))  # fmt: skip
    return Section("ranking", heading("sec_ranking", lang) + body)


def ranking_table(table: pd.DataFrame, by: str, lang: str) -> pd.DataFrame:
    """The published ranking as the report prints it (rank 1: highest retention)."""
    rows = table.sort_values(["rank", "code"])
    name = t("col_group" if by == "prefecture" else "rk_col_facility", lang)
    return pd.DataFrame(
        {
            t("rk_col_rank", lang): [t("rk_rank_cell", lang, r=int(r)) for r in rows["rank"]],
            name: [codes.label(by, c, lang) for c in rows["code"]],
            t("col_n", lang): [f"{int(n):,}" for n in rows["n"]],
            t("rk_col_estimate", lang): [pct(x) for x in rows["estimate"]],
            t("rk_col_interval", lang): [
                f"{pct(lo)}–{pct(hi)}" for lo, hi in zip(rows["lower"], rows["upper"], strict=True)
            ],
            t("rk_col_raw", lang): [pct(x) for x in rows["raw_estimate"]],
            t("rk_col_rank_interval", lang, n=int(rows["n_ranked"].iloc[0])): [
                rank_words(r, lang) for _, r in rows.iterrows()
            ],
            t("rk_col_p_below", lang): [chance(p, lang) for p in rows["p_below"]],
        }
    )


def rank_words(row: pd.Series, lang: str, of: bool = False) -> str:
    """A rank interval as a table cell ("2–5"), or with `of` as words ("2–5 of 14")."""
    lo, hi, n = int(row["rank_lower"]), int(row["rank_upper"]), int(row["n_ranked"])
    if of:
        return t("rk_rank_of", lang, lo=lo, hi=hi, n=n)
    return t("rk_rank_one" if lo == hi else "rk_rank_range", lang, lo=lo, hi=hi)


def chance(p: float, lang: str) -> str:
    """A probability as a whole percentage; below 1 % and above 99 % as bounds (the draws
    cannot tell 0 from 0.01 %)."""
    if p < 0.01:
        return t("rk_p_low", lang)
    if p > 0.99:
        return t("rk_p_high", lang)
    return f"{p:.0%}"


def where_lines(results: ReportResults, lang: str) -> list[str]:
    """Where the province does better (and worse), in plain words, from the prefecture ranking:
    the prefectures whose 95 % interval lies above / below the province level, how many cannot
    be told apart, and how sure the top rank is. Empty when the report has no ranking."""
    pref = (results.ranking or {}).get("prefecture")
    if pref is None or not len(pref):
        return []
    sep = t("list_sep", lang)
    out = []
    above = pref[pref["p_below"] <= SURE].sort_values("rank")
    below = pref[pref["p_below"] >= 1 - SURE].sort_values("rank")
    for key, rows in (("rk_where_above", above), ("rk_where_below", below)):
        if len(rows):
            out.append(t(key, lang, names=sep.join(codes.label("prefecture", c, lang)
                                                  for c in rows["code"])))  # fmt: skip
    rest = len(pref) - len(above) - len(below)
    if not out:
        out.append(t("rk_where_none", lang))
    elif rest:
        out.append(t("rk_where_rest", lang, n=rest))
    top = pref.sort_values("rank").iloc[0]
    lo, hi = int(top["rank_lower"]), int(top["rank_upper"])
    key = "rk_where_top_sure" if lo == hi == 1 else "rk_where_top"
    out.append(t(key, lang, name=codes.label("prefecture", top["code"], lang), lo=lo, hi=hi))
    return out


def standing_line(table: pd.DataFrame | None, prefecture: str, lang: str) -> str:
    """One prefecture's standing in the province's ranking, as a sentence."""
    name = codes.label("prefecture", prefecture, lang)
    if table is None or not (table["code"] == prefecture).any():
        return t("rk_standing_none", lang, name=name)
    row = table.loc[table["code"] == prefecture].iloc[0]
    return t(
        "rk_standing",
        lang,
        name=name,
        rank=int(row["rank"]),
        ranks=rank_words(row, lang, of=True),
        est=pct(row["estimate"]),
        lo=pct(row["lower"]),
        hi=pct(row["upper"]),
        prov=pct(row["province"]),
        p=chance(float(row["p_below"]), lang),
    )


def _standing_section(params: ReportParams) -> Section | None:
    """A prefecture report's standing, from the province benchmark (None when unavailable)."""
    if not params.prefecture:
        return None
    from workbench.reporting.benchmark import province_benchmark

    bench = province_benchmark(params)
    if bench is None or not bench.available:
        return None
    table = (bench.ranking or {}).get("prefecture")
    lang = params.lang
    body = f"<p>{esc(standing_line(table, params.prefecture, lang))}</p>"
    return Section("ranking", heading("sec_ranking", lang) + body + paragraph(t("rk_intro", lang)))
