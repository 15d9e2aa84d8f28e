"""The closing sections: methods and caveats in plain words, and provenance."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from workbench.evaluation.analysis import ReportResults
from workbench.params import ReportParams
from workbench.reporting import provenance as prov
from workbench.reporting.notes import official_notes
from workbench.reporting.sections import Section, _p, heading, table_html
from workbench.reporting.suppression import scrub_counts
from workbench.reporting.text import t

METHODS = {
    "zh": (
        "复吸只在回访或被查获时发现，因此每个人的复吸时间只知道落在“最后一次阴性回访”和“首次发现复吸”之间。"
        "我们使用专门处理这种区间数据的方法（Turnbull非参数最大似然估计），而不是把回访日期当作复吸日期，后者会使保持率偏高或偏低。",
        "置信区间通过对出所人员重复抽样（自助法）得到，随机种子固定，重复运行结果完全相同。",
        "目标完成情况中，“已确认”只计算在第k年回访时仍为阴性的人；“预计”另外加上仍在跟踪期内、尚未到达k年的人按保持曲线推算的人数。"
        "死亡、迁出和失访的人不再推算。",
        "地区比较已按各市州人员构成（年龄、性别、毒品种类、既往戒治次数、家庭支持、戒毒动机等）调整；"
        "调整只能考虑已记录的因素，未记录的差异（例如当地执法力度）仍可能影响结果。",
        "帮扶措施不是随机分配的：工作人员往往优先帮扶动机强、适应能力好的人。简单比较“接受过帮扶”与“未接受帮扶”的人会高估帮扶效果；"
        "帮扶开始前的时间也不能算作帮扶的功劳（永生时间偏倚）。",
        "奖项和典型案例是保持操守的结果，不是原因，不能用来说明帮扶效果。",
        "为保护个人信息，报告不含任何个人记录，人数少于{k}人的数字一律不予显示。",
    ),
    "en": (
        "Relapse is only found at return visits or when someone is re-admitted, so for each person "
        "we only know it happened between the last negative visit and the first evidence of "
        "relapse. We use a method made for such intervals (Turnbull's nonparametric maximum "
        "likelihood estimate) instead of treating visit dates as relapse dates, which would make "
        "retention look better or worse than it is.",
        "Confidence intervals come from resampling the people released (bootstrap) with a fixed "
        "seed, so a rerun gives exactly the same numbers.",
        "For the programme tiers, 'confirmed' counts only people negative at their k-year visit; "
        "'projected' adds people still in tracking who have not reached k years yet, weighted by "
        "their chance of getting there from the retention curve. People who died, moved away or "
        "were lost are not projected.",
        "The regional comparison adjusts for each prefecture's mix of people (age, sex, drug, "
        "prior treatments, family support, motivation, …). It can only adjust for what was "
        "recorded; unrecorded differences (for example local policing) may still matter.",
        "Support is not handed out at random: staff tend to choose motivated, well-adapted people. "
        "A plain comparison of 'received support' with 'did not' overstates its effect, and the "
        "time before support starts must not be credited to it (immortal-time bias).",
        "Awards and typical cases are results of staying abstinent, not causes; they cannot show "
        "that support works.",
        "To protect personal information the report holds no person-level records, and every "
        "count below {k} is hidden.",
    ),
}


KM_METHOD = {
    "zh": "事件时间已确切记录，未发生事件的比例用Kaplan–Meier方法估计，置信区间用Greenwood方差（log-log变换）计算。",
    "en": "Event times are recorded exactly, so the share without the event is the Kaplan–Meier "
    "estimate, with Greenwood (log-log) confidence intervals.",
}


def methods(results: ReportResults, params: ReportParams) -> Section:
    lang = params.lang
    items = list(METHODS[lang])
    if results.kind == "spec":
        randomised = getattr(results, "design", "observational") == "randomised"
        items = [KM_METHOD[lang], t("trial_method", lang) if randomised else items[4], items[6]]
    items = [x.format(k=params.suppression_threshold) for x in items]
    k = params.suppression_threshold
    notes = [scrub_counts(n, k, lang) for n in official_notes(results.notes, lang)]
    body = "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in items) + "</ul>"
    if notes:
        body += (
            "<ul class='wb-notes'>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>"
        )
    return Section("methods", heading("sec_methods", lang) + body)


def provenance(results: ReportResults, params: ReportParams, started_at: str) -> Section:
    lang = params.lang
    key, val = t("col_item", lang), t("col_value", lang)
    inputs = pd.DataFrame({key: list(results.sha256), "SHA-256": list(results.sha256.values())})
    shown = {**params.to_mapping(), "data": Path(params.data).name}  # a name, not where it lives
    parameters = pd.DataFrame({key: list(shown), val: [_plain(v) for v in shown.values()]})
    runinfo = {t("run_at", lang): started_at, t("git_commit", lang): prov.git_commit() or "–"}
    versions = pd.DataFrame(
        {
            key: [*runinfo, *prov.package_versions()],
            val: [*runinfo.values(), *prov.package_versions().values()],
        }
    )
    body = (
        _p(t("prov_intro", lang))
        + table_html(inputs, t("cap_inputs", lang), lang)
        + table_html(parameters, t("cap_params", lang), lang)
        + table_html(versions, t("cap_versions", lang), lang)
    )
    return Section("provenance", heading("sec_provenance", lang) + body)


def _plain(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)
