"""Planning the next study (`workbench power`, notebook 04's planning section): the design in
words, the table's headers and the notes on what the formula and the simulation assume."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str]] = {
    "pw_design": (
        "研究设计：获得帮扶的比例{uptake}，复吸风险比{hr}{from_rd}；入组{accrual}年，最后一人出所后"
        "再随访{follow}年；每年失访{loss}；每{visits}个月回访一次；双侧检验水平{alpha}。",
        "Study design: {uptake} receive the support, hazard ratio of relapse {hr}{from_rd}; "
        "releases over {accrual} year(s), followed {follow} year(s) after the last release; "
        "{loss} lost to follow-up a year; return visits every {visits} months; two-sided "
        "alpha {alpha}.",
    ),
    "pw_from_rd": (
        "（由{months}个月操守保持率变化{rd}个百分点折算）",
        " (from a change of {rd} percentage points in {months}-month retention)",
    ),
    "pw_event_share": (
        "预计研究期内观察到复吸的出所人员比例：{share}。",
        "Share of releases whose relapse is observed during the study (expected): {share}.",
    ),
    "pw_col_power": ("检验效能", "Power"),
    "pw_col_events": ("所需复吸人数", "Relapses needed"),
    "pw_col_releases": ("所需出所人数（公式）", "Releases needed (formula)"),
    "pw_col_sim_exact": ("模拟效能（确切日期）", "Simulated power (exact dates)"),
    "pw_col_sim_visits": ("模拟效能（6个月回访）", "Simulated power (6-monthly visits)"),
    "pw_col_releases_visits": (
        "所需出所人数（模拟，回访）",
        "Releases needed (simulation, visits)",
    ),
    "pw_note_formula": (
        "公式：Schoenfeld（1983）所需复吸人数除以预计观察到复吸的比例；假定比例风险、复吸日期确切。",
        "Formula: Schoenfeld's (1983) relapses needed, divided by the share of releases whose "
        "relapse is observed; it assumes proportional hazards and exact relapse dates.",
    ),
    "pw_note_simulation": (
        "模拟：用本工具的模拟器按上述设计重复{reps}次研究（随机分配帮扶，其他帮扶关闭），每次用对数秩检验；"
        "“确切日期”检验公式本身，“6个月回访”为按回访记录（复吸所在区间的中点）分析时的效能。"
        "公式假定除帮扶外每个人的复吸风险相同；在人员构成各异的实际人群中，不加调整的比较会损失一些效能，"
        "模拟效能显示损失多少。括号内为模拟误差（标准误）。",
        "Simulation: {reps} studies simulated with the workbench's simulator under this design "
        "(support given at random, every other support off), each tested with the log-rank "
        "test; 'exact dates' checks the formula itself, '6-monthly visits' is the power when "
        "the analysis sees what the visits record (the midpoint of the interval in which relapse "
        "is first seen). The formula assumes that, apart from the support, everyone has the same "
        "risk; in the programme's varied population an unadjusted comparison loses some power, "
        "and the simulated powers show how much. Simulation error (standard error) in brackets.",
    ),
}
