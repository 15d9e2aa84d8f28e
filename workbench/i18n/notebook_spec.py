"""Notebook 05's words for any dataset spec (`workbench.cohort.spec_views`): what day 0 and the
event are, how the times are known, which sections run or are skipped, and the labels of tables
and figures that are not about the programme's releases. key -> (Chinese, English)."""

ENTRIES = {
    "nb_everyone": ("全部人员", "everyone"),
    "nb_everyone_title": ("全部人员的无事件比例", "Event-free share, everyone"),
    "nb_months_from_start": ("自第0天起的月数", "Months from day 0"),
    "nbcol_months_from_start": ("自第0天起月数", "months from day 0"),
    "nbcol_competing_day": ("竞争事件日（天）", "competing event day (day)"),  # a spec's death_day
    "nbcol_entry_day": ("进入观察日（天）", "entry day (day)"),  # delayed entry (`entry`)
    "nbcol_days_from_start": ("自第0天起天数", "days from day 0"),
    # the canonical table's codes in words (display kinds "spec_event" and "spec_censor"): the
    # spec's event, its competing event, censored; why a row is censored
    "nb_spec_event_relapse": ("事件", "event"),
    "nb_spec_event_death": ("竞争事件", "competing event"),
    "nb_spec_event_censored": ("删失", "censored"),
    "nb_spec_censor_end_of_follow_up": ("随访结束", "end of follow-up"),
    "nbs_start_event": (
        "第0天是{start}；事件是 `{event}`。",
        "Day 0 is {start}; the event is `{event}`.",
    ),
    "nbs_exact": (
        "每个事件的时间都是确切的：用Kaplan–Meier曲线和Cox模型。",
        "Every event time is exact: Kaplan–Meier curves and the Cox model.",
    ),
    "nbs_interval": (
        "事件时间只知道落在区间 (L, R] 内（区间删失）：用Turnbull NPMLE和区间删失比例风险模型，"
        "不把事件日假定为区间的某一端。",
        "Event times are known only within intervals (L, R] (interval-censored): the Turnbull "
        "NPMLE and the interval-censored proportional-hazards model, with no event dated at an "
        "end of its interval.",
    ),
    "nbs_competing": (
        "竞争事件（`{competing}`）在其发生日删失所关心的事件：下面的曲线、模型和天数都是特定原因的"
        "（没有该竞争事件时的情形），不是累积发生率。",
        "A competing event (`{competing}`) censors the event on its day: the curves, models and "
        "days below are cause-specific (as if it could not happen), not cumulative incidence.",
    ),
    "nbs_arms": (
        "比较的分组列（{k}个）：{arms}；第2节和第4节逐一分析每一列。",
        "Arms compared ({k}): {arms}; sections 2 and 4 analyse each of them.",
    ),
    "nbs_no_arms": (
        "说明文件没有列出分组（`arms` 或 `interventions`），所以不作分组比较：第2节只给全部人员的"
        "无事件比例，第3节的风险因素模型只含协变量，第4节（分组的效果）跳过。",
        "The spec lists no arms (`arms` or `interventions`), so nothing is compared between "
        "arms: section 2 shows everyone's event-free share, section 3's risk model has the "
        "covariates only, and section 4 (the effect of an arm) is skipped.",
    ),
    "nbs_few_events": (
        "风险因素模型只有{events:,}例事件、{terms}个参数（每个参数不足10例），风险比可能不稳定。",
        "The risk-factor model has only {events:,} events for {terms} terms (fewer than 10 per "
        "term); the hazard ratios may be unstable.",
    ),
    "nbs_ph_entry": (
        "有延迟进入（`entry`）时没有比例风险检验：R的 `cox.zph` 的变换只适用于从第0天起随访的数据。",
        "There is no proportional-hazards test with delayed entry (`entry`): R's `cox.zph` "
        "transform is for data followed from day 0.",
    ),
    "nbs_no_terms": (
        "说明文件既没有分组也没有协变量，所以没有风险因素模型。",
        "The spec lists neither arms nor covariates, so there is no risk-factor model.",
    ),
}
