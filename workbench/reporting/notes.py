"""Technical notes for officials: our caveats in the report's language, library chatter summarised.

The analyses record every warning they raise (`analysis.record_warnings`). Our own caveats
(positivity, effective sample size, NPMLE convergence, too few relapses per model term, outcome
codes in the interventions table) are rewritten in Chinese or English with their numbers.
Messages from the numerical libraries (lifelines convergence hints, numpy floating-point
warnings) are written for programmers, in English, often with code and web links: the official
report says how many there were, and the analysts' executed notebook (internal) prints them in
full (`print_log`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from workbench.data import codes

ARM = {"treated": {"zh": "接受帮扶组", "en": "supported"},
       "untreated": {"zh": "未接受帮扶组", "en": "unsupported"}}  # fmt: skip


def _positivity(m: re.Match, lang: str) -> str:
    n, lo, hi = m.group(1), m.group(2), m.group(3)
    if lang == "zh":
        return (
            f"倾向性评分检查：在一项帮扶的比较中，{n}人获得该帮扶的估计概率低于{lo}或高于{hi}；"
            "部分人群几乎从不或总是获得该帮扶，加权比较依赖少数人。"
        )
    return (
        f"Positivity check: {n} people have an estimated probability of receiving a support below "
        f"{lo} or above {hi}; some groups (almost) never or always receive it, so the weighted "
        "comparison rests on few people."
    )


def _ess(m: re.Match, lang: str) -> str:
    arm, ess, n = ARM[m.group(1)][lang], m.group(2), m.group(3)
    if lang == "zh":
        return f"加权后{arm}的有效样本量为{ess}（共{n}人），少数高权重个体对结果影响较大。"
    return (
        f"After weighting, the {arm} group's effective sample size is {ess} of {n}: a few "
        "heavily weighted people drive the estimate."
    )


def _npmle(m: re.Match, lang: str) -> str:
    n_iter, kt = m.group(1), m.group(2)
    if lang == "zh":
        return (
            f"一条保持率曲线（Turnbull非参数最大似然估计）在{n_iter}次迭代后停止，"
            f"收敛条件偏差为{kt}，该曲线的数值精度可能不足。"
        )
    return (
        f"One retention curve (Turnbull NPMLE) stopped after {n_iter} iterations with a "
        f"convergence (Kuhn–Tucker) gap of {kt}; that curve may be imprecise."
    )


def _few_events(m: re.Match, lang: str) -> str:
    events, terms = m.group(1), m.group(2)
    if lang == "zh":
        return (
            f"复吸风险因素模型只有{events}例复吸、{terms}个参数（每个参数不足10例），"
            "风险比可能不稳定。"
        )
    return (
        f"The relapse-risk model has only {events} relapses for {terms} terms (fewer than 10 "
        "per term); its hazard ratios may be unstable."
    )


def _outcomes(m: re.Match, lang: str) -> str:
    found = [c.strip() for c in m.group(1).split(",")]
    if lang == "zh":
        names = "、".join(codes.label("outcome", c, "zh") for c in found)
        return f"帮扶记录中的{names}是结果（以保持操守为前提评定），未作为帮扶措施比较。"
    shown = ", ".join(codes.label("outcome", c, "en") for c in found)
    return (
        f"The interventions table holds {shown}: these are outcomes (given to people because they "
        "stayed abstinent), so they are not compared as supports."
    )


RULES: tuple[tuple[re.Pattern, Callable[[re.Match, str], str]], ...] = (
    (
        re.compile(
            r"positivity: ([\d,]+) people have a propensity below ([\d.e-]+) or above "
            r"([\d.e-]+)"
        ),
        _positivity,
    ),  # fmt: skip
    (
        re.compile(
            r"positivity: effective sample size of the (treated|untreated) arm is (\d+) "
            r"of ([\d,]+)"
        ),
        _ess,
    ),  # fmt: skip
    (
        re.compile(
            r"Turnbull NPMLE stopped after ([\d,]+) iterations with a Kuhn-Tucker "
            r"violation of ([\d.e+-]+)"
        ),
        _npmle,
    ),  # fmt: skip
    (re.compile(r"only (\d+) relapses for (\d+) terms"), _few_events),
    (re.compile(r"interventions table holds ([\w, ]+): outcomes"), _outcomes),
)

LIBRARY = {
    "zh": "另有{n}条来自统计软件包的数值计算提示（如模型收敛提示），完整内容见分析人员的内部笔记本。",
    "en": "{n} further numerical messages from the statistical libraries (e.g. about model "
    "convergence) are listed in full in the analysts' internal notebook.",
}


def translate(note: str, lang: str) -> str | None:
    """The note in `lang` when it is one of our caveats; None for a library message."""
    for pattern, render in RULES:
        m = pattern.search(note)
        if m:
            return render(m, lang)
    return None


def official_notes(notes: Iterable[str], lang: str) -> list[str]:
    """Our caveats in `lang` (each once), then one line counting the library messages."""
    out: list[str] = []
    n_library = 0
    for note in notes:
        text = translate(note, lang)
        if text is None:
            n_library += 1
        elif text not in out:
            out.append(text)
    if n_library:
        out.append(LIBRARY[lang].format(n=n_library))
    return out


def print_log(results) -> None:
    """Every recorded message and every reason a section is missing, verbatim (internal)."""
    for note in results.notes:
        print("note:", note)
    for section, why in results.missing.items():
        print(f"missing {section}:", why)


# Method labels of the tables (English, as the analyses record them) in Chinese, longest first.
METHOD_ZH = (
    (
        r"competing-risks NPMLE \(interval-censored relapse, exact death\)",
        "竞争风险非参数最大似然估计（复吸区间删失，死亡日期确切）",
    ),
    (
        r"Cox model on visit-dated times \(sensitivity\)",
        "按随访日期定复吸时间的Cox模型（敏感性分析）",
    ),
    (
        r"Aalen-Johansen on visit-dated times \(comparison\)",
        "按随访日期定复吸时间的Aalen–Johansen方法（对照）",
    ),
    (
        r"interval-censored proportional hazards \(monthly piecewise baseline\)",
        "区间删失比例风险模型（按月分段基线）",
    ),
    (r"time-varying piecewise-exponential PH", "时变分段指数比例风险模型"),
    (
        r"Cox PH \(Efron ties\), covariate-adjusted",
        "协变量调整的Cox比例风险模型（Efron法处理同时发生）",
    ),
    (r"Cox PH \(Efron ties\)", "Cox比例风险模型（Efron法处理同时发生）"),
    (r"unadjusted \(randomised arms\)", "未调整（随机分组）"),
    (r"covariate-adjusted HR", "协变量调整的风险比"),
    (r"stratified by ", "分层："),
    (
        r"difference of the arms' Kaplan-Meier RMST \(Greenwood-type SEs\)",
        "各组Kaplan–Meier曲线平均无事件天数之差（Greenwood型标准误）",
    ),
    (
        r"difference of the arms' Turnbull RMST \(bootstrap SEs\)",
        "各组Turnbull曲线平均无事件天数之差（自助法标准误）",
    ),
    (r"left-truncated NPMLE curves", "考虑延迟进入的非参数最大似然估计保持曲线"),
    (r"piecewise-exponential PH", "分段指数比例风险模型"),
    (r"\(logistic\)", "(逻辑回归)"),
    (r"ATE weights \(([^)]+)\)", r"倾向性评分加权（全体人群，\1模型）"),
    (r"ATT weights \(([^)]+)\)", r"倾向性评分加权（接受帮扶人群，\1模型）"),
    (r"overlap weights \(([^)]+)\)", r"倾向性评分重叠加权（\1模型）"),
    (r"landmark day (\d+)", r"第\1天界标分析"),
    (r"baseline exposure", "基线暴露比较"),
    (r"interval-censored", "区间删失"),
    (r"Turnbull NPMLE", "Turnbull非参数最大似然估计"),
    (r"Aalen-Johansen", "Aalen–Johansen方法"),
    (r"Cox \+ KM", "Cox模型与Kaplan–Meier曲线"),
    (r"IPTW HR", "逆概率加权风险比"),
    (r"overlap-weighted HR", "重叠加权风险比"),
    (r"ATT-weighted HR", "ATT加权风险比"),
    (r"balance not achieved, RMST withheld", "加权后两组未达到平衡，平均保持操守天数之差不予报告"),
    (r"bootstrap (\d+)", r"自助法\1次"),
    (r"^HR: ", "风险比："),
    (r"; RMST: ", "；平均保持操守天数之差（RMST）："),
    (r"; ", "；"),
    (r", ", "，"),
)


def method_text(method: str, lang: str) -> str:
    """A table's method label in the report's language (Chinese reports get Chinese terms)."""
    if lang != "zh":
        return method
    for pattern, replacement in METHOD_ZH:
        method = re.sub(pattern, replacement, method)
    return method
