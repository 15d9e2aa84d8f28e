"""The programme's codes with their Chinese and English labels (shared/docs/glossary.md).

Every table, figure and sentence takes its labels from here, so the same thing has the same
word everywhere. `label(kind, code, lang)` is the one way to turn a code into words.
"""

from __future__ import annotations

from types import MappingProxyType

from workbench.i18n import check_lang

# Time on the follow-up clock. Days since release; months are average calendar months.
DAYS_PER_MONTH = 365.25 / 12
TRACKING_MONTHS = 36
TRACKING_DAYS = TRACKING_MONTHS * DAYS_PER_MONTH  # 1095.75: end of the 3-year tracking
SCHEDULED_MONTHS = (6, 12, 18, 24, 30, 36)
MILESTONE_MONTHS = (12, 24, 36)
# Programme targets: people abstinent for at least 1, 2, 3 years.
TIER_TARGETS = MappingProxyType({1: 10_000, 2: 1_000, 3: 100})
SUPPRESSION_THRESHOLD = 10
# Small-sample rule of the support effects (bench/README.md, "Small samples"): an effect is
# estimated only when at least this many relapses were seen among the people who received the
# support (primary model: after the exposure counts; landmark comparison: in the exposed arm).
# Below it a log-HR is mostly the chance count of a handful of relapses (simulation study at
# 1,000-3,000 releases: -0.42 off the truth, MC SE 0.04, SE 0.39; from 10 on within 0.04).
MIN_EXPOSED_RELAPSES = 10


def _labels(rows: dict[str, tuple[str, str]]) -> MappingProxyType:
    return MappingProxyType({code: {"zh": zh, "en": en} for code, (zh, en) in rows.items()})


PREFECTURES = _labels(
    {
        "changsha": ("长沙市", "Changsha"),
        "zhuzhou": ("株洲市", "Zhuzhou"),
        "xiangtan": ("湘潭市", "Xiangtan"),
        "hengyang": ("衡阳市", "Hengyang"),
        "shaoyang": ("邵阳市", "Shaoyang"),
        "yueyang": ("岳阳市", "Yueyang"),
        "changde": ("常德市", "Changde"),
        "zhangjiajie": ("张家界市", "Zhangjiajie"),
        "yiyang": ("益阳市", "Yiyang"),
        "chenzhou": ("郴州市", "Chenzhou"),
        "yongzhou": ("永州市", "Yongzhou"),
        "huaihua": ("怀化市", "Huaihua"),
        "loudi": ("娄底市", "Loudi"),
        "xiangxi": ("湘西土家族苗族自治州", "Xiangxi Tujia and Miao Autonomous Prefecture"),
    }
)

FACILITIES = _labels(
    {
        "xinkaipu": ("湖南省新开铺强制隔离戒毒所", "Xinkaipu centre (provincial)"),
        "women": ("湖南省女子强制隔离戒毒所", "Provincial women's centre"),
        "hengyang_centre": ("衡阳市强制隔离戒毒所", "Hengyang municipal centre"),
        "changde_centre": ("常德市强制隔离戒毒所", "Changde municipal centre"),
        "zhuzhou_centre": ("株洲市强制隔离戒毒所", "Zhuzhou municipal centre"),
        "yueyang_centre": ("岳阳市强制隔离戒毒所", "Yueyang municipal centre"),
    }
)

DRUGS = _labels(
    {
        "heroin": ("海洛因", "heroin"),
        "methamphetamine": ("甲基苯丙胺（冰毒）", "methamphetamine"),
        "ketamine": ("氯胺酮", "ketamine"),
        "polydrug": ("多药滥用", "polydrug use"),
        "other": ("其他", "other"),
    }
)

SEXES = _labels({"male": ("男", "male"), "female": ("女", "female")})

# the cohort's age groups at release (cohort.build.AGE_GROUPS), youngest first: the order in
# which tables, tests and legends list them (as text "<30" would sort after "50+")
AGE_GROUPS = _labels(
    {
        "<30": ("30岁以下", "under 30"),
        "30-39": ("30–39岁", "30–39"),
        "40-49": ("40–49岁", "40–49"),
        "50+": ("50岁及以上", "50 and over"),
    }
)

EDUCATION = _labels(
    {
        "none": ("未上学", "no schooling"),
        "primary": ("小学", "primary"),
        "junior": ("初中", "junior secondary"),
        "senior": ("高中/中专", "senior secondary"),
        "college": ("大专及以上", "college or above"),
    }
)

VISIT_RESULTS = _labels(
    {
        "negative": ("阴性（保持操守）", "negative (abstinent)"),
        "positive": ("阳性（复吸）", "positive (relapse)"),
        "missed": ("未按期回访", "missed"),
        "died": ("死亡", "died"),
        "detained": ("再次被查获吸毒", "re-admitted for drug use"),
        "transferred": ("迁出", "transferred out"),
    }
)

INTERVENTIONS = _labels(
    {
        "employment_311": ('"311"就业服务', '"311" employment service'),
        "vocational_training": ("职业技能培训", "vocational training"),
        "job_placement": ("就业安置基地安置就业", "job placement at an employment base"),
        "peer_education": ("同伴教育", "peer education"),
        "financial_aid": ("帮扶资金", "financial aid"),
        "precise_support": ("一人一策精准帮扶", "one-person-one-plan precise support"),
    }
)

# Recognition follows abstinence: these are outcomes and can never be exposures.
OUTCOME_CODES = _labels(
    {
        "award_gold": ("金奖", "gold award"),
        "award_silver": ("银奖", "silver award"),
        "award_bronze": ("铜奖", "bronze award"),
        "typical_case": ("戒毒典型", "typical case"),
        "abstinence_team": ("戒毒操守团队", "abstinence team"),
        "successful_case": ("成功戒毒案例", "successful case"),
    }
)

EVENTS = _labels(
    {"relapse": ("复吸", "relapse"), "death": ("死亡", "death"), "transfer": ("迁出", "transfer")}
)

COHORT_EVENTS = _labels(
    {"relapse": ("复吸", "relapse"), "death": ("死亡", "death"), "censored": ("删失", "censored")}
)

CENSOR_REASONS = _labels(
    {
        "end_of_tracking": ("三年跟踪期满", "end of 3-year tracking"),
        "cutoff": ("数据截止", "data cut-off"),
        "transferred": ("迁出", "transferred out"),
        "lost": ("失访", "lost to follow-up"),
    }
)

TIERS = _labels(
    {
        "1": ("戒毒操守团队（保持操守1年以上）", "abstinence team (≥ 1 year)"),
        "2": ("戒毒典型（保持操守2年以上）", "typical case (≥ 2 years)"),
        "3": ("成功戒毒案例（保持操守3年以上）", "successful case (≥ 3 years)"),
    }
)

KINDS = MappingProxyType(
    {
        "prefecture": PREFECTURES,
        "facility": FACILITIES,
        "primary_drug": DRUGS,
        "sex": SEXES,
        "age_group": AGE_GROUPS,
        "education": EDUCATION,
        "result": VISIT_RESULTS,
        "intervention": INTERVENTIONS,
        "event": EVENTS,
        "cohort_event": COHORT_EVENTS,
        "censor_reason": CENSOR_REASONS,
        "tier": TIERS,
        "outcome": OUTCOME_CODES,
    }
)


def in_order(kind: str, values) -> list:
    """`values` (codes of `kind`) in the code list's own order (age groups youngest first,
    education from none to college), unknown codes after them in text order; a kind without a
    code list: text order."""
    order = {code: i for i, code in enumerate(KINDS.get(kind, {}))}
    return sorted(values, key=lambda v: (order.get(str(v), len(order)), str(v)))


def label(kind: str, code: object, lang: str = "en") -> str:
    """The programme's word for `code` of `kind` in `lang` ('zh' or 'en').

    An unknown code is returned as it is (a dataset may declare its own codes).

    >>> label("result", "negative", "en"), label("result", "own_code", "en")
    ('negative (abstinent)', 'own_code')
    """
    check_lang(lang)
    table = KINDS[kind]
    entry = table.get(str(code))
    return entry[lang] if entry else str(code)
