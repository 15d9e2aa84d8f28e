"""Retention's words: the estimators' caveats (`caveat_<code>`, fields as the warning's) and
method labels (`method_*`), key -> (Chinese, English). Pure data.

The Turnbull caveat and the method labels are the report's existing wording, moved verbatim
from `workbench.reporting.notes` (its regex renderer `_npmle` and `METHOD_ZH`).
"""

ENTRIES: dict[str, tuple[str, str]] = {
    # caveats: StatisticalWarning(message, code=..., **fields)
    "caveat_npmle_not_converged": (
        "一条保持率曲线（Turnbull非参数最大似然估计）在{n_iter:,}次迭代后停止，"
        "收敛条件偏差为{kt:.1e}，该曲线的数值精度可能不足。",
        "One retention curve (Turnbull NPMLE) stopped after {n_iter:,} iterations with a "
        "convergence (Kuhn–Tucker) gap of {kt:.1e}; that curve may be imprecise.",
    ),
    "caveat_competing_npmle_not_converged": (  # new in #17: no report wording existed
        "一条累积发生率曲线（竞争风险非参数最大似然估计）在{n_iter:,}次迭代后停止，"
        "收敛条件偏差为{kt:.1e}，该曲线的数值精度可能不足。",
        "One cumulative incidence curve (competing-risks NPMLE) stopped after {n_iter:,} "
        "iterations with a convergence (Kuhn–Tucker) gap of {kt:.1e}; that curve may be "
        "imprecise.",
    ),
    # method labels: results carry `method_text` (tuple of Text) next to the English `method`;
    # the report joins the parts with "; ", so a ", "-joined label is ONE entry
    "method_competing_npmle": (
        "竞争风险非参数最大似然估计（复吸区间删失，死亡日期确切）",
        "competing-risks NPMLE (interval-censored relapse, exact death)",
    ),
    "method_aj_visit_dates": (
        "按随访日期定复吸时间的Aalen–Johansen方法（对照）",
        "Aalen-Johansen on visit-dated times (comparison)",
    ),
    "method_aalen_johansen": ("Aalen–Johansen方法", "Aalen-Johansen"),
    "method_left_truncated_curves": (
        "考虑延迟进入的非参数最大似然估计保持曲线",
        "left-truncated NPMLE curves",
    ),
    "method_turnbull": ("Turnbull非参数最大似然估计", "Turnbull NPMLE"),
    "method_bootstrap": ("自助法{n}次", "bootstrap {n}"),
    "method_turnbull_bootstrap": (  # "Turnbull NPMLE, bootstrap N" as METHOD_ZH renders it
        "Turnbull非参数最大似然估计，自助法{n}次",
        "Turnbull NPMLE, bootstrap {n}",
    ),
    # labels no report shows in Chinese today (METHOD_ZH left them in English): new in #17
    "method_kaplan_meier": ("Kaplan–Meier方法", "Kaplan-Meier"),
    "method_loglog_ci": ("log-log变换置信区间", "log-log CI"),
    "method_delayed_entry": ("考虑延迟进入", "delayed entry"),
    "method_turnbull_percentile_bootstrap": (
        "Turnbull非参数最大似然估计，百分位自助法（{n}次重复）",
        "Turnbull NPMLE, percentile bootstrap ({n} replicates)",
    ),
    "method_km_rmst": (
        "Kaplan–Meier方法，Greenwood型标准误（R summary(survfit, rmean=tau)）",
        "Kaplan-Meier, Greenwood-type SE (R summary(survfit, rmean=tau))",
    ),
    "method_ictest": (
        "广义对数秩检验（{scores}得分），基于合并的Turnbull非参数最大似然估计，"
        "置换中心极限定理方差（同interval::ictest的'pclt'方法）",
        "generalized log-rank test ({scores} scores) from the pooled Turnbull NPMLE, "
        "permutational central-limit variance (as interval::ictest, method 'pclt')",
    ),
    "scores_sun": ("Sun", "Sun's"),
    "scores_finkelstein": ("Finkelstein", "Finkelstein's"),
}
