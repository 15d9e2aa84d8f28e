"""The report's methods section, parameter appendix, caveats and method labels, figure words and
the small words between numbers: key -> (Chinese, English). Pure data; `workbench.i18n.t` renders.

Moved verbatim from reporting/closing.py, model_sections.py, summary.py, figures.py,
metrics.py, suppression.py, execute.py, text.py, notes.py, plots.py and evaluation/models.py.
"""

from __future__ import annotations

_METHODS = {
    "methods_interval": (
        "复吸只在回访或被查获时发现，因此每个人的复吸时间只知道落在“最后一次阴性回访”和“首次发现复吸”之间。"
        "我们使用专门处理这种区间数据的方法（Turnbull非参数最大似然估计），而不是把回访日期当作复吸日期，后者会使保持率偏高或偏低。",
        "Relapse is only found at return visits or when someone is re-admitted, so for each person "
        "we only know it happened between the last negative visit and the first evidence of "
        "relapse. We use a method made for such intervals (Turnbull's nonparametric maximum "
        "likelihood estimate) instead of treating visit dates as relapse dates, which would make "
        "retention look better or worse than it is.",
    ),
    "methods_bootstrap": (
        "置信区间通过对出所人员重复抽样（自助法）得到，随机种子固定，重复运行结果完全相同。",
        "Confidence intervals come from resampling the people released (bootstrap) with a fixed "
        "seed, so a rerun gives exactly the same numbers.",
    ),
    "methods_tiers": (
        "目标完成情况中，“已确认”只计算在第k年回访时仍为阴性的人；“预计”另外加上仍在跟踪期内、尚未到达k年的人按保持曲线推算的人数。"
        "死亡、迁出和失访的人不再推算；仍在跟踪的人今后也可能离开跟踪（按已观察到的死亡、迁出和失访速度扣除）。",
        "For the programme tiers, 'confirmed' counts only people negative at their k-year visit; "
        "'projected' adds people still in tracking who have not reached k years yet, weighted by "
        "their chance of getting there from the retention curve and of still being followed then "
        "(the observed rate of death, moving away and loss). People who died, moved away or "
        "were lost are not projected.",
    ),
    "methods_regions": (
        "地区比较已按各市州人员构成（年龄、性别、毒品种类、既往戒治次数、家庭支持、戒毒动机等）调整；"
        "调整只能考虑已记录的因素，未记录的差异（例如当地执法力度）仍可能影响结果。",
        "The regional comparison adjusts for each prefecture's mix of people (age, sex, drug, "
        "prior treatments, family support, motivation, …). It can only adjust for what was "
        "recorded; unrecorded differences (for example local policing) may still matter.",
    ),
    "methods_selection": (
        "帮扶措施不是随机分配的：工作人员往往优先帮扶动机强、适应能力好的人。简单比较“接受过帮扶”与“未接受帮扶”的人会高估帮扶效果；"
        "帮扶开始前的时间也不能算作帮扶的功劳（永生时间偏倚）。",
        "Support is not handed out at random: staff tend to choose motivated, well-adapted people. "
        "A plain comparison of 'received support' with 'did not' overstates its effect, and the "
        "time before support starts must not be credited to it (immortal-time bias).",
    ),
    "methods_awards": (
        "奖项和典型案例是保持操守的结果，不是原因，不能用来说明帮扶效果。",
        "Awards and typical cases are results of staying abstinent, not causes; they cannot show "
        "that support works.",
    ),
    "methods_privacy": (
        "为保护个人信息，报告不含任何个人记录，人数少于{k}人的数字一律不予显示；比例在其分子或"
        "分子以外部分少于{k}人时也不予显示；人数和比例加有微小的固定扰动（人数在±3以内），"
        "以免通过比较两份报告推断个人情况。",
        "To protect personal information the report holds no person-level records, every "
        "count below {k} is hidden, and so is a rate whose numerator or its complement is below "
        "{k}; counts and rates carry a small fixed perturbation (counts within ±3) so that two "
        "reports cannot be compared to learn about one person.",
    ),
    "methods_km": (
        "事件时间已确切记录，未发生事件的比例用Kaplan–Meier方法估计，置信区间用Greenwood方差（log-log变换）计算。",
        "Event times are recorded exactly, so the share without the event is the Kaplan–Meier "
        "estimate, with Greenwood (log-log) confidence intervals.",
    ),
    "evalue_column": ("E值（估计值/置信区间）", "E-value (estimate / CI)"),
    "evalue_note": (
        "E值：未测量的混杂因素须与帮扶和复吸都有多强的关联（风险比）才能完全解释所见效果；"
        "复吸常见，风险比先按平方根法换算为相对危险度（VanderWeele & Ding 2017）。",
        "E-value: how strongly (as a risk ratio) an unmeasured confounder would have to be "
        "associated with both the support and relapse to explain the effect away; relapse is "
        "common, so hazard ratios are first converted by the square-root method (VanderWeele & "
        "Ding 2017).",
    ),
    "balance_note": (
        "{}：加权后接受与未接受帮扶的两组在至少一项特征上仍有差别（标准化均值差≥0.1），"
        "两组不可比，因此不报告平均保持操守天数之差。",
        "{}: the difference in mean abstinent days is not shown, because after weighting "
        "the people who received the support and those who did not still differed on at least "
        "one characteristic (standardised mean difference 0.1 or more), so they were not "
        "comparable.",
    ),
}

_PARAMS = {
    "param_data": ("数据", "Data"),
    "param_name": ("报告名称", "Report name"),
    "param_title": ("标题", "Title"),
    "param_issuer": ("编制单位", "Issued by"),
    "param_lang": ("语言", "Language"),
    "param_prefecture": ("市州", "Prefecture"),
    "param_facility": ("强制隔离戒毒所", "Centre"),
    "param_release_start": ("出所时间起", "Released from"),
    "param_release_end": ("出所时间止", "Released to"),
    "param_cutoff": ("数据截止日期", "Data cut-off"),
    "param_milestones": ("时间点（月）", "Milestones (months)"),
    "param_landmark_day": ("界标分析日（出所后天数）", "Landmark day (days after release)"),
    "param_interventions": ("比较的帮扶措施", "Supports compared"),
    "param_n_bootstrap": ("自助法重复次数", "Bootstrap replicates"),
    "param_seed": ("随机种子", "Random seed"),
    "param_suppression_threshold": ("不予显示的人数界限", "Counts hidden below"),
    "param_n_jobs": ("并行进程数", "Parallel processes"),
    "param_internal_use": ("仅供内部使用", "Internal use only"),
    "language_name": ("中文", "English"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
}

# The small words between numbers and labels.
_GLUE = {
    "list_sep": ("、", ", "),
    "sentence_stop": ("。", "."),  # ends a sentence that has no stop of its own
    "label_sep": ("：", ": "),
    "range_to": ("{a}至{b}", "{a} to {b}"),
    "risk_value": ("{r}（{lo}至{hi}）", "{r} ({lo} to {hi})"),
    "short_xiangxi": ("湘西州", "Xiangxi"),
    "city_suffix": ("市", ""),
    # day 0 of the report's times, and the words that follow it ("after release", 出所后)
    "start_release": ("出所", "release"),
    "start_words": ("后|时", "after|since|at"),
    # words after a count of people in a free-text note (suppression.scrub_counts)
    "count_words": (
        "名|人",
        "people|persons?|releases?|relapses?|deaths?|exposed|rows?|records?|visits?",
    ),
    # the caption numbers of report.css ("Figure 1. ", 图1)
    "css_figure": ("图", "Figure "),
    "css_table": ("表", "Table "),
    "css_number_sep": ("\u3000", ". "),
    "internal_note": (
        "内部资料：仅供分析人员使用，不得对外提供。",
        "INTERNAL — analyst copy of an executed report (may show intermediate results). "
        "Not for distribution: officials receive report.pdf / report.html only.",
    ),
}

# metrics.json notes (keys stay paths)
_METRICS = {
    "mnote_suppressed": ("{what}：人数少于{k}，不予显示", "{what}: suppressed (fewer than {k})"),
    "mnote_missing": ("{what}：未作估计（{why}）", "{what}: not estimated ({why})"),
    "mnote_coverage": (
        "coverage：比例涉及的人数少于{k}，不予显示",
        "coverage: suppressed (a share of fewer than {k} people)",
    ),
}

# plain findings of the report's effects (evaluation/models.py)
_FINDINGS = {
    "trial_helps": (
        "{arm}组：{event}风险比对照组低{pct:.0f}%（风险比{hr:.2f}，95%置信区间{lo:.2f}–{hi:.2f}；随机分组比较）。",
        "Arm {arm}: {event} rate lower by {pct:.0f}% than in the comparison group "
        "(hazard ratio {hr:.2f}, 95% confidence interval {lo:.2f}–{hi:.2f}; randomised comparison).",
    ),
    "trial_may_harm": (
        "{arm}组：{event}风险比对照组高{pct:.0f}%（风险比{hr:.2f}，95%置信区间{lo:.2f}–{hi:.2f}；随机分组比较）。",
        "Arm {arm}: {event} rate higher by {pct:.0f}% than in the comparison group "
        "(hazard ratio {hr:.2f}, 95% confidence interval {lo:.2f}–{hi:.2f}; randomised comparison).",
    ),
    "trial_no_clear_effect": (
        "{arm}组：与对照组未见明确差别（风险比{hr:.2f}，95%置信区间{lo:.2f}–{hi:.2f}；随机分组比较）。",
        "Arm {arm}: no clear difference from the comparison group (hazard "
        "ratio {hr:.2f}, 95% confidence interval {lo:.2f}–{hi:.2f}; randomised comparison).",
    ),
    "trial_not_estimable": (
        "{arm}组：与对照组的比较无法估计（人数或事件太少）。",
        "Arm {arm}: the comparison with the other group is not estimable (too "
        "few people or events).",
    ),
    "eff_unstable": (
        "{}：本范围内人数或复吸事件太少，无法得到稳定的估计。",
        "{}: not estimable — too few people or relapses in this scope for a stable estimate.",
    ),
}

# the retention table's method when event times are exact (the Chinese report shows it in English)
_LABELS = {
    "method_km_exact": ("Kaplan-Meier (exact times)", "Kaplan-Meier (exact times)"),
}

# the library's warnings, counted in one line (reporting/notes.py)
_NOTES = {
    "library_messages": (
        "另有{n}条来自统计软件包的数值计算提示（如模型收敛提示），完整内容见分析人员的内部笔记本。",
        "{n} further numerical messages from the statistical libraries (e.g. about model "
        "convergence) are listed in full in the analysts' internal notebook.",
    ),
}

# figures for researchers and officials (workbench/plots.py)
_PLOTS = {
    "plot_retention_title": ("操守保持曲线", "Abstinence retention"),
    "plot_retention_y": ("操守保持率", "Share still abstinent"),
    "plot_months_x": ("出所后月数（月）", "Months since release (months)"),
    "plot_at_risk": ("在访人数", "Number at risk"),
    "plot_cif_title": ("复吸与死亡的累积发生率", "Cumulative incidence of relapse and death"),
    "plot_cif_y": ("累积发生率", "Cumulative incidence"),
    "plot_hr_title": ("风险比（95%置信区间）", "Hazard ratios (95% CI)"),
    "plot_hr_x": ("风险比（对数刻度）", "Hazard ratio (log scale)"),
    "plot_tr_title": ("时间比（95%置信区间）", "Time ratios (95% CI)"),
    "plot_tr_x": (
        "时间比（对数刻度，>1 表示复吸更晚）",
        "Time ratio (log scale; > 1 = later relapse)",
    ),
    "plot_estimate_ci": ("估计值及95%置信区间", "estimate and 95% CI"),
    "plot_no_effect": ("无差异", "no difference"),
    "plot_funnel_title": (
        "{months:g}个月操守保持率（风险调整）",
        "Risk-adjusted {months:g}-month retention",
    ),
    "plot_funnel_x": ("出所人数（人）", "People released (persons)"),
    "plot_funnel_y": ("调整后操守保持率", "Adjusted retention"),
    "plot_overall": ("全省平均", "Overall"),
    "plot_limit95": ("95%控制限", "95% limits"),
    "plot_limit998": ("99.8%控制限", "99.8% limits"),
    "plot_region": ("地区", "region"),
    "plot_tiers_title": ("\u201c百千万\u201d操守人数与目标", "Abstinence tiers against targets"),
    "plot_tiers_y": ("人数（人，对数刻度）", "People (persons, log scale)"),
    "plot_observed": ("已观察到", "observed"),
    "plot_projected": ("预测", "projected"),
    "plot_target": ("目标", "target"),
    "plot_ci_band": ("95%置信区间", "95% CI"),
}

ENTRIES = {
    **_METHODS,
    **_PARAMS,
    **_GLUE,
    **_METRICS,
    **_FINDINGS,
    **_LABELS,
    **_NOTES,
    **_PLOTS,
}
