"""The fair ranking of prefectures and facilities, its tile map and the study-planning command
(issue 19): section words, table headers, the map's legend and alt text, `workbench power`."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str]] = {
    "sec_ranking": ("市州公平排名", "Fair ranking of prefectures"),
    "rk_intro": (
        "排名比较的是风险调整后的12个月操守保持率：按全省人员构成（年龄、性别、毒品种类、"
        "既往戒治次数等）折算后，各市州的保持率。人数少的市州年度间波动大，因此估计值向各市州的"
        "平均水平作了收缩（经验贝叶斯/分层模型），人数越少收缩越多。名次区间表示我们有95%的把握"
        "该市州的真实名次落在其中；区间越宽，名次越不确定。",
        "The ranking compares risk-adjusted 12-month retention: each prefecture's retention "
        "recomputed for the province's mix of people (age, sex, drug, prior treatments, …). "
        "Small prefectures bounce around from year to year, so the estimates are shrunk towards "
        "the prefectures' average (a hierarchical, empirical-Bayes model): the fewer people, the "
        "more shrinkage. The rank interval is where we are 95% confident the prefecture's true "
        "rank lies; the wider it is, the less sure the rank.",
    ),
    "rk_same_as_funnel": (
        "上面的漏斗图比较的也是风险调整后的12个月操守保持率，由各市州自身的12个月保持率算得；"
        "排名则由随访期内全部复吸人数算得并作了收缩，因此两者的数值可能略有不同。",
        "The funnel plot above compares the same thing, risk-adjusted 12-month retention, from "
        "each prefecture's own 12-month retention; the ranking estimates it from all relapses "
        "during follow-up and shrinks it, so the two can differ a little.",
    ),
    "rk_col_rank": ("名次", "Rank"),
    "rk_col_estimate": ("风险调整后保持率（收缩后）", "Risk-adjusted retention (shrunk)"),
    "rk_col_interval": ("95%区间", "95% interval"),
    "rk_col_raw": ("收缩前", "Before shrinkage"),
    "rk_col_rank_interval": ("名次区间（95%，共{n}个）", "Rank interval (95%, of {n})"),
    "rk_col_p_below": ("低于全省水平的概率", "Chance below the province"),
    "rk_rank_range": ("{lo}–{hi}", "{lo}–{hi}"),
    # a rank is never a bare number (a table cell that is one is a count) nor "N名"/"N人"
    # (words that count people: the suppression checks read them so): 第N位 / No. N
    "rk_rank_one": ("第{lo}位", "No. {lo}"),
    "rk_rank_cell": ("第{r}位", "No. {r}"),
    "rk_rank_of": ("第{lo}–{hi}位（共{n}个）", "{lo}–{hi} of {n}"),
    "rk_p_low": ("<1%", "<1%"),
    "rk_p_high": (">99%", ">99%"),
    "rk_cap_table": (
        "各市州风险调整后12个月操守保持率的排名（收缩估计）",
        "Ranking of prefectures by risk-adjusted 12-month retention (shrunk estimates)",
    ),
    "rk_cap_facilities": (
        "各戒毒所风险调整后12个月操守保持率的排名（收缩估计）",
        "Ranking of facilities by risk-adjusted 12-month retention (shrunk estimates)",
    ),
    "rk_col_facility": ("戒毒所", "Facility"),
    "rk_facility_note": (
        "戒毒所的比较同样按人员构成调整，但未按市州调整：一所戒毒所的结果也反映其出所人员回到的市州。"
        "女子戒毒所只收女性，无法按性别调整，其结果包含女性与男性的差别。",
        "Facilities are adjusted for their people's mix in the same way, but not for prefecture: "
        "a facility's result also reflects the prefectures its people return to. The women's "
        "centre takes only women, so it cannot be adjusted for sex: its result includes how "
        "women differ from men.",
    ),
    "rk_province_note": (
        "全省水平：{prov}。名次1为保持率最高。人数、复吸人数或未复吸人数少于{k}的市州不参加排名，"
        "也不在图表中显示。",
        "Province level: {prov}. Rank 1 is the highest retention. A prefecture with fewer than "
        "{k} people, relapses or people without a relapse is not ranked and not shown.",
    ),
    "rk_not_ranked": (
        "未参加排名（人数太少）：{names}。",
        "Not ranked (too few people): {names}.",
    ),
    # the tile map
    "rk_cap_map": (
        "湖南省14个市州示意图（非真实边界）：颜色为风险调整后的12个月操守保持率（收缩后）",
        "Schematic map of Hunan's 14 prefectures (not true boundaries), coloured by "
        "risk-adjusted 12-month retention (shrunk)",
    ),
    "rk_map_legend": (
        "风险调整后12个月操守保持率（%），白色为全省水平",
        "Risk-adjusted 12-month retention (%); white is the province level",
    ),
    "rk_map_hatched": ("斜线：人数太少，不显示", "Hatched: too few people to show"),
    "rk_map_alt": (
        "湖南省市州示意图。保持率最高的是{best}（{best_value}），最低的是{worst}（{worst_value}）；"
        "全省水平为{prov}。{hatched}",
        "Schematic map of Hunan's prefectures. Highest retention: {best} ({best_value}); "
        "lowest: {worst} ({worst_value}); province level {prov}. {hatched}",
    ),
    "rk_map_alt_hatched": ("未显示（人数太少）：{names}。", "Not shown (too few people): {names}."),
    # where the province does better: plain sentences (official-statistics style)
    "rk_where_above": (
        "我们有95%的把握认为以下市州风险调整后的保持率高于全省水平：{names}。",
        "We are 95% confident that risk-adjusted retention is above the province level in: "
        "{names}.",
    ),
    "rk_where_below": (
        "我们有95%的把握认为以下市州风险调整后的保持率低于全省水平：{names}。",
        "We are 95% confident that risk-adjusted retention is below the province level in: "
        "{names}.",
    ),
    "rk_where_none": (
        "没有哪个市州的风险调整后保持率能有把握地说高于或低于全省水平。",
        "No prefecture's risk-adjusted retention is clearly above or below the province level.",
    ),
    "rk_where_rest": (
        "其余{n}个市州与全省水平的差别尚不确定。",
        "For the other {n} prefectures we cannot say whether they differ from the province level.",
    ),
    "rk_where_top": (
        "排名第一的{name}，其真实名次在第{lo}–{hi}位之间（95%名次区间）。",
        "The top-ranked prefecture, {name}, could truly rank anywhere from {lo} to {hi} (95% rank "
        "interval).",
    ),
    "rk_where_top_sure": (
        "我们有95%的把握认为{name}排名第一。",
        "We are 95% confident that {name} ranks first.",
    ),
    # a prefecture's own standing (prefecture reports)
    "rk_standing": (
        "在全省市州公平排名中，{name}排第{rank}位（95%名次区间：{ranks}）；风险调整后12个月操守保持率"
        "为{est}（95%区间{lo}–{hi}），全省水平为{prov}；低于全省水平的概率为{p}。",
        "In the province's fair ranking of prefectures, {name} ranks {rank} (95% rank interval: "
        "{ranks}); its risk-adjusted 12-month retention is {est} (95% interval {lo}–{hi}) against "
        "the province's {prov}; the chance that it is below the province level is {p}.",
    ),
    "rk_standing_none": (
        "{name}未参加全省的市州排名（人数太少或全省结果不可用）。",
        "{name} is not in the province's ranking of prefectures (too few people, or the "
        "province's results are not available).",
    ),
    "methods_ranking": (
        "市州和戒毒所排名：各地区相对全省的复吸风险比，来自含人员特征和地区的区间删失比例风险模型"
        "（按人聚类的稳健标准误），全省水平为按人员构成预期的复吸人数加权的平均；"
        "对数风险比用正态分层模型收缩（均值平坦先验、标准差均匀先验，网格积分；Gelman等，"
        "《贝叶斯数据分析》第3版5.4节），从后验抽样得到95%区间、名次区间和低于全省水平的概率；"
        "风险比按全省人员构成换算为12个月操守保持率。",
        "Prefecture and facility ranking: each area's relapse hazard ratio against the province "
        "from the interval-censored proportional-hazards model with the people's characteristics "
        "and the area (robust SEs by person; the province level weighted by the relapses each "
        "area's mix of people would give), the log ratios shrunk with a hierarchical normal model "
        "(flat prior on the mean, uniform on the standard deviation, integrated on a grid; Gelman "
        "et al., Bayesian Data Analysis, 3rd ed., section 5.4); 95% intervals, rank intervals and "
        "the chance of being below the province come from posterior draws; ratios are shown as "
        "12-month retention for the province's mix of people.",
    ),
}
