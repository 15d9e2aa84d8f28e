"""The risk-factor models' words: covariate names, term labels, proportional-hazards advice and
the few-events caveat (``workbench.risk``), zh/en."""

ENTRIES = {
    # covariate names (risk tables, forest plots)
    "risk_var_sex": ("性别", "sex"),
    "risk_var_age": ("年龄（岁）", "age (years)"),
    "risk_var_age_group": ("年龄组", "age group"),
    "risk_var_primary_drug": ("主要滥用毒品", "primary drug"),
    "risk_var_prior_treatments": ("既往戒毒次数", "prior treatments"),
    "risk_var_years_using": ("吸毒年限（年）", "years using"),
    "risk_var_education": ("文化程度", "education"),
    "risk_var_employed_before": ("出所前就业", "employed before"),
    "risk_var_married": ("已婚", "married"),
    "risk_var_family_support": ("家庭支持", "family support"),
    "risk_var_motivation_score": ("戒毒动机评分", "motivation score"),
    "risk_var_prefecture": ("市州", "prefecture"),
    "risk_var_facility": ("强制隔离戒毒所", "facility"),
    "risk_var_release_year": ("出所年份", "release year"),
    # a category's term against its reference level
    "risk_term_level": ("{name}: {level}（对照：{reference}）", "{name}: {level} (vs {reference})"),
    # the GLOBAL row of the proportional-hazards test
    "risk_all_factors": ("所有因素合计", "all factors together"),
    # proportional-hazards advice
    "risk_ph_holds": (
        "没有发现哪个因素的作用随时间明显变化（所有 p ≥ {alpha:g}），风险比可按整个随访期理解。",
        "No factor's effect appears to change over time (all p ≥ {alpha:g}); the hazard "
        "ratios can be read for the whole follow-up.",
    ),
    "risk_ph_drifts": (
        "{label}的作用似乎随时间变化（p={p:.3g}）；其风险比应理解为整个随访期间的平均值。",
        "The effect of {label} appears to change over time (p={p:.3g}); read its hazard "
        "ratio as an average over follow-up.",
    ),
    # caveat (StatisticalWarning code "few_events")
    "caveat_few_events": (
        "复吸风险因素模型只有{events}例复吸、{terms}个参数（每个参数不足10例），风险比可能不稳定。",
        "The relapse-risk model has only {events} relapses for {terms} terms (fewer than 10 "
        "per term); its hazard ratios may be unstable.",
    ),
}
