"""The support-effect analyses' words (``workbench.effects``): findings sentences, the landmark
plot's labels and the propensity caveats, zh/en."""

ENTRIES = {
    # findings: one sentence per support (effects.findings)
    "effects_ci": (
        "风险比{hr:.2f}，95%置信区间{lower:.2f}–{upper:.2f}",
        "hazard ratio {hr:.2f}, 95% confidence interval {lower:.2f}–{upper:.2f}",
    ),
    "effects_evalue_clause": (
        "；未测量的混杂因素须与帮扶和复吸都有至少{evalue:.1f}倍的关联才能完全解释这一结果（E值）",
        "; an unmeasured confounder would need a risk ratio of at least {evalue:.1f} with both "
        "the support and relapse to explain it away (E-value)",
    ),
    "effects_not_estimable": (
        "{name}：接受帮扶人数少于{threshold}人，不予估计。",
        "{name}: not estimable — fewer than {threshold} people received it.",
    ),
    "effects_too_few_relapses": (  # enough received it, too few of them relapsed afterwards
        "{name}：接受帮扶者中此后观察到的复吸太少，不予估计。",
        "{name}: not estimable — too few relapses were seen among the people who received it.",
    ),
    "effects_helps": (  # an association: the notebook says what the design supports
        "{name}：接受者的复吸风险降低{pct:.0f}%（{ci}）{e}。",
        "{name}: relapse risk lower by {pct:.0f}% among those who received it ({ci}){e}.",
    ),
    "effects_no_clear_effect": (
        "{name}：未见明确效果（{ci}）。",
        "{name}: no clear effect ({ci}).",
    ),
    "effects_may_harm": (
        "{name}：接受者的复吸风险升高{pct:.0f}%（{ci}）{e}，需进一步核查。",
        "{name}: relapse risk higher by {pct:.0f}% among those who received it ({ci}){e}; "
        "check further.",
    ),
    # the landmark comparison's retention plot (effects.landmark)
    "effects_arm_exposed": ("接受帮扶", "exposed"),
    "effects_arm_unexposed": ("未接受帮扶", "not exposed"),
    "effects_days_since_release": ("出所后天数", "days since release"),
    "effects_retention": ("操守保持率", "retention"),
    # caveats (StatisticalWarning codes "positivity", "low_ess"; effects.propensity)
    "caveat_positivity": (
        "倾向性评分检查：在一项帮扶的比较中，{n:,}人获得该帮扶的估计概率低于{lo:g}或高于{hi:g}；"
        "部分人群几乎从不或总是获得该帮扶，加权比较依赖少数人。",
        "Positivity check: {n:,} people have an estimated probability of receiving a support "
        "below {lo:g} or above {hi:g}; some groups (almost) never or always receive it, so the "
        "weighted comparison rests on few people.",
    ),
    "caveat_support_positivity": (
        "倾向性评分检查（{intervention}）：{n:,}人获得该帮扶的估计概率低于{lo:g}或高于{hi:g}；"
        "部分人群几乎从不或总是获得该帮扶，这项帮扶的加权比较依赖少数人，其结果只作参考。",
        "Positivity check ({intervention}): {n:,} people have an estimated probability of "
        "receiving it below {lo:g} or above {hi:g}; some groups (almost) never or always receive "
        "it, so this support's weighted comparison rests on few people: read it as indicative only.",
    ),
    "caveat_support_low_ess": (
        "{intervention}：加权后{arm}的有效样本量为{ess:.0f}（共{n:,}人），少数高权重个体对结果影响较大。",
        "{intervention}: after weighting, the {arm} group's effective sample size is {ess:.0f} of "
        "{n:,}: a few heavily weighted people drive the estimate.",
    ),
    "caveat_low_ess": (
        "加权后{arm}的有效样本量为{ess:.0f}（共{n:,}人），少数高权重个体对结果影响较大。",
        "After weighting, the {arm} group's effective sample size is {ess:.0f} of {n:,}: a few "
        "heavily weighted people drive the estimate.",
    ),
    "arm_group_treated": ("接受帮扶组", "supported"),
    "arm_group_untreated": ("未接受帮扶组", "unsupported"),
}
