"""The research notebooks' narrative (headings and paragraphs, Markdown), zh/en: key ->
(Chinese, English). Pure data; `workbench.display.prose` renders one entry as Markdown in the
reader's language, so the prose follows the notebook's `lang` like every table and figure.

Keys are ``nbp<notebook>_<section>`` (``nbp03_landmark``: notebook 03's landmark section). Words
follow glossary.md (the same term for the same thing in both languages and in the report); a
`column` in backticks is a parameter or a code name, kept as written. Braces are format fields
filled from the data by `display.prose` (so that no sentence is only true for the simulator).

Size: a catalog of prose, not code — every paragraph of five notebooks in two languages, kept in
one file so that a translator reviews the notebooks' narrative in one place.
"""

from __future__ import annotations

_NB01 = {
    "nbp01_intro": (
        "本笔记本在做任何生存分析之前先看项目的原始数据表：数据是否可靠，谁在什么时候被回访，"
        "人们如何离开随访，以及一个人的多次回访如何变成后面每个笔记本都使用的那一行分析数据。\n\n"
        "**用于自己的数据：** 把 `data` 设为一个数据集文件夹（`releases`、`visits`、`interventions`，"
        "可选 `events`；见 `data/README.md`）。若保持为 `None`，则模拟一个已知真值的队列"
        "（`workbench simulate`），可以把数据所显示的与真实发生的情况相比较。",
        "This notebook looks at the raw tables of the aftercare programme before any survival "
        "analysis: is the data sound, who was seen when, how people leave follow-up, and how a "
        "person's visits are turned into the single analysis row that every later notebook "
        "uses.\n\n"
        "**Run it on your data:** set `data` to a dataset folder (`releases`, `visits`, "
        "`interventions`, optional `events`; see `data/README.md`). Left as `None`, it simulates "
        "a cohort whose truth is known (`workbench simulate`), so you can compare what the data "
        "show with what really happened.",
    ),
    "nbp01_load": (
        "## 1. 载入数据表\n\n"
        "跟踪系统提供三张表：每次**出所**一行（谁、从哪个强制隔离戒毒所出所、基线评估），每次**回访**一行"
        "（每半年一次的回访，以及计划外的联系），每次**帮扶**一行。载入时按数据约定逐行检查，"
        "发现问题即停止，并指出是哪个文件、哪一行、哪一列。",
        "## 1. Load the tables\n\n"
        "Three tables arrive from the tracking system: one row per **release** (who, from where, "
        "baseline assessment), one row per **visit** (each 6-monthly return visit, plus "
        "unscheduled contacts), and one row per **support** episode. Loading checks every row "
        "against the data contract and stops with a message naming the file, row and column when "
        "something is wrong.",
    ),
    "nbp01_quality": (
        "## 2. 数据质量\n\n"
        "估计任何结果之前，先检查读者会担心的问题：计划回访中有多少实际完成（照管覆盖率），"
        "有多少人失访，记录之间是否互相矛盾（例如死亡之后还有回访）。报告下面对每个看起来令人担心的"
        "数字都用一句话说明。",
        "## 2. Data quality\n\n"
        "Before estimating anything, check what a reader of the results would worry about: how "
        "many of the scheduled visits were attended (tracking coverage), how many people were "
        "lost to follow-up, and whether records contradict each other (e.g. a visit after a "
        "recorded death). Each count that looks alarming is explained in a sentence under the "
        "report.",
    ),
    "nbp01_interval": (
        "## 3. 从原始回访到每次出所一行：区间 (L, R]\n\n"
        "复吸只能**在回访时发现**。如果某人第6个月检测阴性、第12个月检测阳性，复吸发生在这之间某个"
        "未知的日子：我们知道的是一个*区间* (L, R]，L 是最后一次确知未复吸的日子，R 是第一次出现复吸"
        "证据的日子。把 R（回访日）当作复吸日，会把每次复吸都记晚；把区间当作闭区间 [L, R]，"
        "会把复吸放到其他人已被删失的日子上。这就是**区间删失**，工作台的每个操守保持率估计都照此处理。"
        "当公安或医院登记给出确切日期时，L = R：像 (57, 57] 这样的区间并不是空的，它表示确知就是"
        "第57天。\n\n"
        "队列构建按 `data/README.md` 中的规则（缺访、缺访后的阳性、两次回访之间的死亡、公安或医院登记的"
        "确切日期）处理，得到每次出所一行。下面的例子展示各种情形；每个例子的标签、说明和图都来自同一条"
        "记录，记录全文列在图下。",
        "## 3. From raw visits to one row per release: the (L, R] interval\n\n"
        "Relapse is only **seen at visits**. If someone tested negative at month 6 and positive "
        "at month 12, the relapse happened at some unknown day in between: we know an *interval* "
        "(L, R], with L the last day known relapse-free and R the first evidence of relapse. "
        "Treating R (the visit date) as the relapse day would date every relapse too late; "
        "treating the interval as closed [L, R] puts relapses on days where other people were "
        "censored. This is **interval censoring**, and every retention estimate in the workbench "
        "respects it. When a police or hospital register gives the exact day, L = R: an interval "
        "written like (57, 57] is then not empty, it says that day 57 itself is known.\n\n"
        "The cohort builder applies the rules in `data/README.md` (missed visits, a positive "
        "after a missed visit, deaths between visits, exact dates from police or hospital "
        "registers) and returns one row per release. The examples below show each kind of "
        "history; each example's label, sentence and picture are made from the same record, "
        "shown in full under the picture.",
    ),
    "nbp01_raw_record": (
        "第一个例子背后的原始记录（出所后天数；登记记录来自 `events` 表，并注明来源）：",
        "The raw record behind the first example (days since release; register rows come from "
        "the `events` table and name their source):",
    ),
    "nbp01_flow": (
        "## 4. 出所人员在随访中的去向\n\n"
        "出所后的每个月，每个人要么仍在照管中且保持操守，要么已离开随访：发现复吸、死亡、迁出、"
        "失访（此后只有缺访），或因数据截止而尚未到期。死亡或迁出*不是*操守失败；因数据截止而未观察到的人"
        "只是尚未观察到。后面的笔记本对每种结局分别处理（删失或竞争事件）。",
        "## 4. The flow of releases through follow-up\n\n"
        "At every month after release each person is either still followed and relapse-free, or "
        "has left follow-up: relapse seen, died, transferred out, lost to follow-up (only missed "
        "visits since), or not yet due because the data were cut off. People who die or transfer "
        "are *not* failures of abstinence, and people cut off by the data date are simply not yet "
        "observed: later notebooks treat each ending accordingly (censoring or competing event).",
    ),
    "nbp01_visits": (
        "## 5. 每次计划回访的结果\n"
        "每个计划回访月份各种回访结果的人数，以及应回访中实到（检测阴性或阳性）的比例。"
        "计划外的联系单独列出。",
        "## 5. What each scheduled visit found\n"
        "Counts of each visit result at each scheduled month, and the share of due visits "
        "attended (negative or positive test). Unscheduled contacts are listed separately.",
    ),
    "nbp01_timing": (
        "## 6. 回访时间与计划的偏差\n\n"
        "回访计划每6个月一次，但实际会提前或推后若干天。因此 (L, R] 区间按实际回访日构建，而不是按计划："
        "两个人的第12个月回访并不在同一天。每个计划回访一个小图，画的是密度（该次回访每天实到人数占"
        "该次回访实到总数的比例），这样回访较少的月份也不会被掩盖。",
        "## 6. Visit timing against the schedule\n\n"
        "Visits are planned every 6 months, but happen some days early or late. That is why "
        "(L, R] intervals are built from the actual visit days, not from the schedule: two "
        "people's month-12 visits are not on the same day. One panel per scheduled visit, as a "
        "density (the share of that visit's attendances per day), so that months with fewer "
        "visits are not hidden.",
    ),
    "nbp01_coverage": (
        "## 7. 各市州和各强制隔离戒毒所的照管覆盖率\n"
        "照管覆盖率 = 已完成的计划回访 / 截至数据截止日应回访次数；失访比例是失访人员占出所人数的比例。"
        "覆盖率低意味着区间更宽、删失更多。最后一行（合计）是全省，在图中画为虚线；"
        "“–”表示没有应回访的次数，例如没有回访记录的数据。",
        "## 7. Tracking coverage by prefecture and by facility\n"
        "Tracking coverage = scheduled visits attended / visits due by the data cut-off; the share "
        "lost is the share of releases lost to follow-up. Low coverage means wide intervals and "
        "more censoring. The last row (all) is the whole province, drawn as a dashed line in "
        "the figure; a dash (–) means no visits were due, e.g. for data without visit records.",
    ),
    "nbp01_next": (
        "## 下一步\n"
        "`02_retention_and_relapse` 用这些 (L, R] 行估计人们能保持操守多久；`03_support_effects` "
        "研究哪些帮扶与较少复吸相关。",
        "## What next\n"
        "`02_retention_and_relapse` estimates how long people stay abstinent from these (L, R] "
        "rows; `03_support_effects` asks which support goes with fewer relapses.",
    ),
}

_NB02 = {
    "nbp02_intro": (
        "这里的操守保持是指*仍未复吸*：S(t) = 出所 t 天后尚未复吸的出所人员所占比例（操守保持率）。"
        "本笔记本针对回访数据正确地估计它，比较各组，区分复吸与死亡，分析风险因素，并把显而易见的"
        "“回访日 = 复吸日”分析放在旁边，说明它为什么会误导。\n\n"
        "`data = None` 时模拟一个已知真值的队列，真值画在比较图上。",
        "Retention here means *still relapse-free*: S(t) = the share of released people who have "
        "not relapsed t days after release (the abstinence retention rate). This notebook "
        "estimates it correctly for visit data, compares groups, separates relapse from death, "
        'looks at risk factors, and shows side by side why the obvious "visit date = relapse '
        'date" analysis misleads.\n\n'
        "`data = None` simulates a cohort with a known truth, drawn on the comparison plot.",
    ),
    "nbp02_npmle": (
        "## 1. 为什么用区间删失估计方法\n\n"
        "复吸只在回访时发现，所以每次复吸只知道落在区间 (L, R] 内（见笔记本01）。"
        "**Turnbull NPMLE**（非参数最大似然估计）找出使这些区间出现可能性最大的操守保持曲线，"
        "而不假装知道复吸日。其置信带来自自助法（对出所人员重复抽样）。死亡、迁出、失访和数据截止"
        "结束了随访但没有复吸：它们在最后一次确知未复吸的日子右删失。",
        "## 1. Why an interval-censored estimator\n\n"
        "A relapse is only seen at a visit, so each relapse is known to lie in an interval (L, R] "
        "(see notebook 01). The **Turnbull NPMLE** (non-parametric maximum likelihood) finds the "
        "retention curve that makes these intervals most likely, without pretending to know the "
        "relapse day. Its confidence band comes from the bootstrap (resampling releases). Deaths, "
        "transfers, losses to follow-up and the data cut-off end follow-up without a relapse: "
        "they are right-censored at the last day known relapse-free.",
    ),
    "nbp02_median_rmst": (
        "**中位时间与36个月内平均保持操守时间。** 复吸时间中位数是曲线降到50%的那一天（曲线始终不低于"
        "50%时无定义）。36个月内平均保持操守时间（限制性平均生存时间，RMST）是前三年中平均未复吸的天数"
        "（曲线下面积）：一个用到整条曲线、又容易解释的数字（“前1,096天中平均有X天保持操守”）。",
        "**Median and RMST.** The median time to relapse is the day the curve crosses 50 % "
        "(undefined if it never does). The restricted mean abstinent time (RMST) to 36 months is "
        "the average number of relapse-free days in the first three years (the area under the "
        'curve): a single number that uses the whole curve and is easy to explain ("on average X '
        'of the first 1,096 days relapse-free").',
    ),
    "nbp02_groups": (
        "## 2. 分组的操守保持率，以及尊重区间的检验\n\n"
        "普通log-rank检验需要确切的事件日。**广义log-rank检验**（Sun 1996；与R的 `interval::ictest` "
        "相同）在合并的NPMLE下给每个人的区间打分，再比较各组得分之和：它适用于 (L, R] 数据。"
        "各组的里程碑表与全部人员一样给出NPMLE的自助法95%置信区间（`n_bootstrap` 为0时不给出）；"
        "正式的比较是检验，两组区间重叠与否不是检验。组很多时（例如14个市州），"
        "每条曲线有自己的颜色，图例放在图旁；请看检验和里程碑表，而不是交叉的曲线。",
        "## 2. Retention by group, and a test that respects the intervals\n\n"
        "The ordinary log-rank test needs exact event days. The **generalized log-rank test** "
        "(Sun 1996; as R's `interval::ictest`) scores each person's interval under the pooled "
        "NPMLE and compares the groups' score sums: it is valid for (L, R] data. Milestone tables "
        "per group carry the NPMLE's bootstrap 95% confidence intervals, as for everyone (none "
        "when `n_bootstrap` is 0); the test is the formal comparison, not whether two intervals "
        "overlap. With many groups (e.g. 14 prefectures) each curve has its own colour "
        "and the legend sits beside the plot; read the test and the milestone table rather than "
        "the crossing curves.",
    ),
    "nbp02_naive": (
        "## 3. 为什么按回访日期的简单分析会误导\n\n"
        "一个诱人的捷径是把复吸日记为发现复吸的那次回访，再用Kaplan–Meier。这会把每次复吸推后"
        "（最多6个月），所以早期操守保持率被**高估**；把复吸日记为区间中点好一些，但仍是权宜之计，"
        "两者都给不出诚实的不确定性。下表和图把它们与NPMLE（以及模拟数据的真值）放在一起。",
        "## 3. Why the naive visit-date analysis misleads\n\n"
        "A tempting shortcut dates each relapse at the visit that found it and runs "
        "Kaplan–Meier. That moves every relapse later (up to 6 months), so early retention is "
        "**overestimated**; dating it at the interval midpoint is better but still ad hoc, and "
        "neither gives honest uncertainty. The table and plot put them next to the NPMLE (and, "
        "for simulated data, the truth).",
    ),
    "nbp02_competing": (
        "## 4. 竞争风险：复吸与死亡\n\n"
        "死亡结束随访，也使之后不可能再复吸。从删失死亡的曲线算出的“1 − 操守保持率”描述的是一个没有"
        "死亡的世界；**累积发生率**给出到每个月实际复吸（或死亡）的人所占比例。复吸仍只知道落在 (L, R] 内，"
        "而死亡日期确切，所以我们用**区间删失数据的竞争风险NPMLE**（Hudgens、Satten和Longini 2001）："
        "复吸的概率质量放在复吸区间的最内区间上，死亡的放在死亡日上，拟合到满足Kuhn–Tucker条件为止，"
        "并给出自助法置信带。当每次复吸都有确切日期时，它就是Aalen–Johansen估计。",
        "## 4. Competing risks: relapse and death\n\n"
        'Death ends follow-up and prevents a later relapse. "1 − retention" from a curve that '
        "censors deaths describes a world without death; the **cumulative incidence** gives the "
        "share who actually relapsed (or died) by each month. Relapse is still only known to lie "
        "in (L, R], while deaths are dated exactly, so we use the **competing-risks NPMLE for "
        "interval-censored data** (Hudgens, Satten & Longini 2001): relapse masses on the "
        "innermost intervals of the relapse intervals, death masses on the death days, fitted "
        "until the Kuhn–Tucker conditions hold, with a bootstrap band. With every relapse dated "
        "exactly it is the Aalen–Johansen estimator.",
    ),
    "nbp02_visit_dates": (
        "**作为对照的回访日期捷径。** 基于“最佳可得时间”的Aalen–Johansen把每次复吸记在发现它的回访日，"
        "把其他人在最后一次阴性回访时删失：复吸记得晚，删失记得早，早期累积发生率因此偏低。"
        "对模拟队列，表中还给出真实的累积发生率（由真实的复吸日和死亡日算出）。",
        '**The visit-date shortcut, as a labelled comparison.** Aalen–Johansen on "best '
        'available times" dates each relapse at the visit that found it and censors everyone '
        "else at their last negative visit: relapses come late, censoring comes early, and the "
        "early incidence comes out too low. For a simulated cohort the table also gives the true "
        "incidence (from the true relapse and death days).",
    ),
    "nbp02_risk": (
        "## 5. 谁更早复吸？风险因素模型\n\n"
        "**区间删失复吸的比例风险模型**直接从区间估计基线特征的风险比（HR > 1：更早复吸）：其基线风险"
        "在按月分段上为常数（在每半年一次的回访下实际上是非参数的），标准误按人聚类（有些人出所两次）。"
        "比例风险检验看一个因素的作用在第6个月前后是否不同。**基于回访日期的Cox模型**只作为敏感性分析"
        "列出：把复吸日记为回访日会使效果缩小。**区间删失AFT模型**（Weibull、对数logistic、对数正态；"
        "按AIC选择）给出时间比（> 1：更晚复吸）。项目的奖励（金奖、银奖、铜奖）和表彰层级"
        "（戒毒操守团队、戒毒典型、成功戒毒案例：保持操守1、2或3年以上的人）是*因为*有人保持了操守"
        "才给予的：它们是结局，因此从不进入这些模型。",
        "## 5. Who relapses sooner? Risk-factor models\n\n"
        "A **proportional-hazards model for interval-censored relapse** gives hazard ratios for "
        "baseline characteristics (HR > 1: relapse sooner) from the intervals themselves: its "
        "baseline hazard is constant on monthly pieces (effectively nonparametric at 6-monthly "
        "visits), and its standard errors are clustered on the person (some people are released "
        "twice). The proportional-hazards check asks whether an effect differs before and after "
        "month 6. The **Cox model on visit-dated times** is shown only as a sensitivity analysis: "
        "dating relapses at the visit shrinks the effects. An **interval-censored AFT model** "
        "(Weibull, log-logistic, log-normal; chosen by AIC) reports time ratios (> 1: relapse "
        "later). The programme's awards (gold, silver, bronze) and its recognition tiers "
        "(abstinence team, typical case, successful case: people recognised after 1, 2 or 3 "
        "years abstinent) are given *because* someone stayed abstinent: they are outcomes, so "
        "they never enter these models.",
    ),
    "nbp02_reading": (
        "## 如何阅读结果\n"
        "* 用NPMLE及其置信带报告操守保持率；不要用回访日期。\n"
        "* 组间差异：先看广义log-rank检验的P值，再看曲线。\n"
        "* 有死亡时的“3年内复吸风险”：用竞争风险NPMLE的累积发生率（按回访日期的Aalen–Johansen只作对照）。\n"
        "* 风险因素：看区间删失比例风险模型的风险比（基于回访日期的Cox模型只作敏感性分析）；"
        "它们描述的是谁复吸，是关联，而不是改变这些因素的效果。",
        "## Reading the results\n"
        "* Report retention with the NPMLE and its band; never from visit dates.\n"
        "* Group differences: the generalized log-rank p-value, then the curves.\n"
        '* Relapse "risk by 3 years" in the presence of deaths: the cumulative incidence from the '
        "competing-risks NPMLE (the visit-dated Aalen–Johansen is only a comparison).\n"
        "* Risk factors: the interval-censored PH model's hazard ratios (the visit-dated Cox "
        "model only as a sensitivity analysis); they describe who relapses — associations, not "
        "effects of changing them.",
    ),
}

_NB05 = {
    "nbp05_intro": (
        "并非每项研究都有项目的回访记录。许多研究是每人一行：随访时间（或一个区间）、事件标志、协变量和"
        "一个处理列。一个小小的YAML**数据集说明文件**（`spec`）告诉工作台哪一列是什么；同样的操守保持、"
        "风险因素和效果分析就能在这张表上运行。默认的 `spec` 是lifelines的Rossi数据；第5节说明如何让"
        "说明文件指向你自己的CSV或Excel文件。\n\n"
        "下面每个分析都读取同一个对象，即**可分析队列**（`load_cohort`）：它由说明文件（或回访记录文件夹）"
        "一次构建，包含时间、事件类型、分组、协变量、分层、聚类、权重、延迟进入、研究设计以及第0天的含义。",
        "Not every study has the programme's visit records. Many have one row per person with a "
        "follow-up time (or an interval), an event indicator, covariates and a treatment column. "
        "A small YAML **dataset spec** tells the workbench which column is which; the same "
        "retention, risk and effect analyses then run on it. The default `spec` is lifelines' "
        "Rossi data; section 5 shows how to point a spec at your own CSV or Excel file.\n\n"
        "Every analysis below reads one object, the **analysis-ready cohort** (`load_cohort`): "
        "built once from the spec (or from a folder of visit records), it carries the times, the "
        "event type, the arms, covariates, strata, cluster, weights, delayed entry, the design "
        "and what day 0 is.",
    ),
    "nbp05_about_rossi": (
        "**这里的数据：Rossi数据。** 马里兰州监狱释放的{n:,}名囚犯，随访一年；其中一半被随机给予"
        "**经济资助**（`fin`）；事件是再次被捕，按周记录。已发表的资助Cox风险比为0.68，我们应能重现。"
        "因为资助是随机分配的，说明文件写明 `design: randomised`，资助的效果就是试验中两组的比较。",
        "**The data here: the Rossi data.** {n:,} prisoners released from Maryland state prisons, "
        "followed for one year; half were randomly given **financial aid** (`fin`); the event is "
        "re-arrest, recorded by week. The published Cox hazard ratio for aid is 0.68, which we "
        "should reproduce. Because aid was randomised, the spec says `design: randomised`, and "
        "the effect of aid is the trial's comparison of the two arms.",
    ),
    "nbp05_about": (
        "**这里的数据：** 说明文件 `{name}`，{n:,}行；研究设计：`{design}`。",
        "**The data here:** the spec `{name}`, {n:,} rows; design `{design}`.",
    ),
    "nbp05_spec": (
        "## 1. 数据集说明文件\n"
        "`table` 是数据文件（CSV、Excel或Parquet；路径相对于说明文件），`time` 是随访时间列及其 "
        "`time_unit`（`days`、`weeks`、`months`、`years`），或用 `lower`/`upper` 给出区间 (L, R]；"
        "`event` 是事件列（1/0、`yes`/`no`、是/否，或一个取值映射，其中 `competing` 的取值表示竞争事件）；"
        "`design` 为 `randomised`（随机）或 `observational`（观察性）；`arms`（或 `interventions`）是处理列"
        "（取值词，或 `{{column, treated, untreated}}`）；`covariates`（文字列按 `reference` 水平转为分类变量）；"
        "`missing`（默认只用完整记录，并计数）；`strata`、`cluster`、`weights`、`entry`（延迟进入）；"
        "`start_label`（第0天是什么）。`event_label` 是输出中事件的名称。未知的键会报错，因此拼写错误"
        "不会被悄悄忽略。`data/README.md` 对每个键都有示例。",
        "## 1. The spec\n"
        "`table` is the file (CSV, Excel or Parquet; relative to the spec), `time` the follow-up "
        "column with its `time_unit` (days, weeks, months, years), or `lower`/`upper` for an "
        "interval (L, R]; `event` the event column (1/0, yes/no, 是/否, or a mapping of values, "
        "with `competing` values for a competing event); `design` randomised or observational; "
        "`arms` (or `interventions`) the treatment columns (value words, or `{{column, treated, "
        "untreated}}`); `covariates` (text columns become categories against a `reference` "
        "level); `missing` (complete cases, counted, by default); `strata`, `cluster`, `weights`, "
        "`entry` (delayed entry); `start_label` (what day 0 is). `event_label` names the event in "
        "the output. Unknown keys are errors, so a typo cannot be silently ignored. "
        "`data/README.md` has a worked example for every key.",
    ),
    "nbp05_canonical": (
        "表被转换为工作台的标准形式：时间以**天**为单位（`lower_day`、`upper_day`；时间确切时两者相等，"
        "删失时 `upper_day` 为空），一个 `event` 列（代码 `relapse` 代表说明文件中的事件，`death` 代表竞争"
        "事件，`censored` 代表删失；下表显示为“事件”“竞争事件”“删失”）和 `censor_reason`（"
        "`end_of_follow_up` 显示为“随访结束”）；协变量保持原样，分组为0/1。",
        "The table is converted to the workbench's canonical form: times in **days** "
        "(`lower_day`, `upper_day`; equal when the time is exact, `upper_day` empty when "
        "censored), an `event` column (code `relapse` stands for the spec's event, `death` for a "
        'competing event, `censored` for censored; the table below shows "event", "competing '
        'event" and "censored") and `censor_reason` (`end_of_follow_up` shown as "end of '
        'follow-up"), keeping the covariates as they are and the arms as 0/1.',
    ),
    "nbp05_retention": (
        "## 2. 无事件比例\n"
        "先看全部人员，再按每个分组列的各组看。时间确切时（如Rossi数据按周记录）用Kaplan–Meier；对区间 "
        "`(lower, upper]` 数据，同一调用使用区间删失NPMLE。随访最长到第{last_day:,}天，所以里程碑取此前"
        "间隔相同的{months}个月。",
        "## 2. Retention: the event-free share\n"
        "Everyone first, then the groups of each arm. With exact times (Rossi's are in weeks) "
        "Kaplan–Meier applies; for (lower, upper] intervals the same call uses the "
        "interval-censored NPMLE. Follow-up ends by day {last_day:,}, so the milestones are "
        "evenly spaced before it: {months} months.",
    ),
    "nbp05_cox": (
        "## 3. 风险因素：Cox模型，与已发表的数值核对\n"
        "事件对各分组列和协变量的Cox模型（Efron法处理同时事件；说明文件中的分层、聚类、权重和延迟进入"
        "都会用上）。对Rossi数据，已发表的系数（lifelines的 `load_rossi`、R的 `coxph`）与我们的结果并列，"
        "两者应在约1e-6以内一致；其他数据没有已发表的数值，只显示我们的系数。事件数少于每项10例时，"
        "模型仍然拟合，但下面会给出提示。",
        "## 3. Risk factors: Cox model, checked against the published values\n"
        "The Cox model of the event on the arms and the covariates (Efron ties; the spec's "
        "strata, cluster, weights and delayed entry are used). For the Rossi data the published "
        "coefficients (lifelines' `load_rossi`, R `coxph`) are shown next to ours and should "
        "agree to about 1e-6; other data have no published values, so only ours are shown. "
        "With fewer than 10 events per term the model is still fitted, with a caveat below.",
    ),
    "nbp05_risk_interval": (
        "## 3. 风险因素：区间删失比例风险模型\n"
        "事件时间是区间，所以不用Cox模型（它要求确切的事件日；把事件日定在区间一端是简单而有偏的分析）。"
        "这里用区间删失比例风险模型：直接用区间 (L, R] 的似然，基线风险在数据自身时间尺度上分段"
        "（以区间端点的分位数为分段点）。比例风险检验比较各因素的风险比在区间端点中位数之前与之后是否不同。"
        "事件数少于每项10例时，模型仍然拟合，但下面会给出提示。",
        "## 3. Risk factors: the interval-censored proportional-hazards model\n"
        "Event times are intervals, so the Cox model (which needs exact event days; dating each "
        "event at an end of its interval is the naive, biased analysis) is not used. The "
        "interval-censored proportional-hazards model uses the likelihood of the intervals (L, "
        "R] themselves, with a baseline hazard in pieces on the data's own time scale (cut at "
        "quantiles of the interval ends). The proportional-hazards check asks whether each "
        "factor's hazard ratio differs before and after the median interval end. With fewer "
        "than 10 events per term the model is still fitted, with a caveat below.",
    ),
    "nbp05_effect": (
        "## 4. 分组的效果\n"
        "当 `design: randomised`（如Rossi数据的经济资助）时，两组在开始时可比，比较就是试验本身的比较："
        "未调整的风险比（调整协变量后的风险比见“方法”一项），以及两组无事件比例曲线到第{horizon:,}天"
        "（随访结束或36个月，取较早者）的平均无事件天数之差。不需要倾向性评分模型和界标，也不给E值"
        "（随机化使得没有需要排除的混杂）。若 `design: observational`（默认），同一调用会调整协变量，"
        "并增加倾向性评分加权的比较。本数据的设计：`{design}`；每个分组列一项结果。",
        "## 4. The effect of each arm\n"
        "With `design: randomised` (as for Rossi's financial aid) the arms are comparable at the "
        "start and the comparison is the trial's own: the unadjusted hazard ratio (the "
        "covariate-adjusted one is in the method item), and the difference of the two arms' "
        "restricted mean event-free days up to day {horizon:,} (the end of follow-up or 36 "
        "months, whichever is earlier). No propensity model and no landmark are needed, and "
        "there are no E-values (randomisation leaves no confounding to explain away). With "
        "`design: observational` (the default) the same call adjusts for the covariates and adds "
        "a propensity-weighted comparison. The design of these data: `{design}`; one result per "
        "arm.",
    ),
    "nbp05_effect_observational": (
        "## 4. 分组的效果（观察性数据）\n"
        "说明文件写明 `design: observational`（默认）：分组不是随机分配的，两组在开始时可能就不同。"
        "所以风险比对协变量作了调整，平均无事件天数之差（到第{horizon:,}天，即随访结束或36个月，取较早者）"
        "来自倾向性评分重叠加权后的两组曲线，并给出均衡情况；E值说明一个未测量的混杂因素需要多强才能"
        "解释掉这一结果。这仍是关联，不是随机试验的比较。若分组是随机分配的，在说明文件中写 "
        "`design: randomised`，就得到试验本身的比较。每个分组列一项结果。",
        "## 4. The effect of each arm (observational data)\n"
        "The spec says `design: observational` (the default): the arms were not allocated at "
        "random and may differ from the start. So the hazard ratio is adjusted for the "
        "covariates, the difference in restricted mean event-free days (up to day {horizon:,}, "
        "the end of follow-up or 36 months, whichever is earlier) comes from the arms' curves "
        "after propensity overlap weighting, with the balance it reached, and E-values say how "
        "strong an unmeasured confounder would have to be to explain the result away. It is "
        "still an association, not a trial's comparison; if the arms were randomised, write "
        "`design: randomised` in the spec to get the trial's own comparison. One result per "
        "arm.",
    ),
    "nbp05_effect_none": (
        "## 4. 分组的效果：跳过\n"
        "说明文件没有列出分组（`arms` 或 `interventions`），没有可比较的组，所以本节不运行。"
        "要比较两组，在说明文件中加上 `arms: [列名]`（0/1、是/否），或 "
        "`{{column, treated, untreated}}` 写明哪些取值是处理组。",
        "## 4. The effect of an arm: skipped\n"
        "The spec lists no arms (`arms` or `interventions`), so there are no groups to compare "
        "and this section does not run. To compare two groups, add `arms: [COLUMN]` (0/1, "
        "yes/no) to the spec, or `{{column, treated, untreated}}` to say which values are "
        "treated.",
    ),
    "nbp05_own": (
        "## 5. 你自己的文件\n"
        "1. 把 `params/examples/rossi.yaml` 复制到你的数据表（CSV或Excel）旁边并编辑：`table` 是你的文件名，"
        "`time`/`time_unit`（或 `lower`/`upper`）、`event`、`interventions`、`covariates` 填*你的*列名。\n"
        "2. 在命令行上按README所示检查并运行："
        "`workbench notebook 05_bring_your_own_data out.ipynb -p spec=/path/to/my_study.yaml`"
        "（启动内核之前会检查每个参数）。第3节与已发表系数的核对只适用于Rossi数据。\n\n"
        "下面的单元格在一个临时文件夹中，用本说明文件的表（`{name}`）的Excel副本完整地做一遍，"
        "并核对读回的行数和事件数与上面相同。",
        "## 5. Your own file\n"
        "1. Copy `params/examples/rossi.yaml` next to your table (CSV or Excel) and edit it: "
        "`table` is your file name, `time`/`time_unit` (or `lower`/`upper`), `event`, "
        "`interventions`, `covariates` name *your* columns.\n"
        "2. Run it from the command line as the README shows: "
        "`workbench notebook 05_bring_your_own_data out.ipynb -p spec=/path/to/my_study.yaml` "
        "(it checks every parameter before a kernel starts). Section 3's check against the "
        "published coefficients applies to the Rossi data only.\n\n"
        "The cell below does exactly that with an Excel copy of this spec's table (`{name}`) in a "
        "temporary folder, and checks that the rows and events read back are those above.",
    ),
}

_NB03 = {
    "nbp03_intro": (
        "**哪些后续照管帮扶与较少复吸相关，关联有多大？**\n\n"
        "把接受某项帮扶的人与未接受的人直接比较，是最直观的分析，但它有两处错误：\n\n"
        "1. **永生时间。** 帮扶在出所之后才开始。第8个月才安置就业的人，必须先保持操守（并仍在照管中）"
        "8个月才可能被安置；从第0天起就把他算作“已安置”，等于把这8个月记在了帮扶名下"
        "（**永生时间偏倚**）。\n"
        "2. **混杂。** 工作人员往往挑选动机强、易就业的人给予重点帮扶；这些人即使没有帮扶，"
        "结果也可能更好。\n\n"
        "本笔记本先用数字展示这两个陷阱，再估计帮扶效果：把帮扶作为**时变暴露**并调整已测量的混杂因素；"
        "用**倾向性评分加权**做**界标**比较并检查均衡；看亚组；最后用 **E值** 评估未测量混杂的影响。"
        "所有结果都是观察性数据中的关联。",
        "**Which aftercare support goes with fewer relapses, and by how much?**\n\n"
        "Comparing people who received a support with people who did not is the obvious analysis, "
        "and it is wrong twice over:\n\n"
        "1. **Immortal time.** Support starts *after* release. Someone who started job placement "
        "at month 8 had to stay abstinent (and followed) for 8 months to receive it; counting them "
        'as "placed" from day 0 credits the support with those 8 months (**immortal-time '
        "bias**).\n"
        "2. **Confounding.** Staff choose motivated, employable people for intensive support; "
        "they would have done better anyway.\n\n"
        "This notebook shows both traps with numbers, then estimates effects with support as a "
        "**time-varying exposure** adjusted for measured confounders, a **landmark** comparison "
        "with **propensity weights** and balance checks, subgroups, and **E-values** for "
        "unmeasured confounding. Every result is an association in observational data.",
    ),
    "nbp03_exposures": (
        "## 1. 帮扶随时间的开始情况\n\n"
        "每项帮扶在出所后的某一天开始（或从未开始）。上表列出随访期间开始各项帮扶的人数，以及帮扶通常"
        "在出所后多久开始（随访结束后才记录的开始不计，本表及以下各处均如此）；下图显示接受帮扶的比例"
        "如何逐月增加；再下一表列出简单的“曾经接受”分析会错误地算作已暴露的、开始前的人天数"
        "（**永生时间**）。",
        "## 1. Exposures over time\n\n"
        "Each support starts on some day after release (or never). The table above says how many "
        "started during their follow-up and how late a support typically starts (a start "
        "recorded after a person's follow-up ended is not counted, here or anywhere below); the "
        "plot shows how uptake builds up; the next table how many person-days before the start a "
        'naive "ever received" analysis would wrongly count as exposed (**immortal time**).',
    ),
    "nbp03_immortal": (
        "## 2. 永生时间陷阱：用数字说明\n\n"
        "简单分析按是否“曾经”接受帮扶分组，并从出所起比较复吸时间。主要分析则让每个人在帮扶开始当天"
        "从“未接受”转为“接受”（区间 (L, R] 比例风险模型中的时变暴露），并调整基线混杂因素。"
        "暴露从帮扶开始后第一次阴性回访起计算，因此帮扶不会被记上任何人尚未确认保持操守之前的时间。"
        "风险比（HR）< 1 表示复吸较少。",
        "## 2. The immortal-time trap, with numbers\n\n"
        "The naive analysis classifies people by whether they *ever* received the support and "
        "compares time to relapse from release. The primary analysis instead switches each person "
        "from unexposed to exposed on the day the support starts (a time-varying exposure in a "
        "proportional-hazards model for (L, R] intervals) and adjusts for baseline confounders. "
        "Exposure counts from the first negative visit after the start, so that a support is "
        "never credited with time before anyone checked that the person was still abstinent. A "
        "hazard ratio (HR) < 1 means fewer relapses.",
    ),
    "nbp03_naive_reading": (
        "比较简单比较风险比与调整后风险比两列：永生时间总是使简单比较的风险比偏低；如果动机强的人更常"
        "获得帮扶，混杂也使其偏低。因此，一项帮扶可能看起来有保护作用，实际并非如此。时变调整模型消除了"
        "永生时间和已测量的混杂。本数据显示：",
        "Compare the naive and the adjusted hazard ratios: immortal time always pushes the naive "
        "hazard ratio down, and so does confounding when motivated people are more often chosen "
        "for support, so a support can look protective without being so. The time-varying, "
        "adjusted model removes the immortal time and the measured confounding. What these data "
        "show:",
    ),
    "nbp03_propensity": (
        "## 3. 倾向性评分模型与均衡（界标比较）\n\n"
        "第二种更直观的设计：在**界标日**（此处为第{day}天），比较当时仍保持操守且仍在照管中的人里，"
        "已开始该帮扶的人和尚未开始的人。**倾向性评分模型**（以基线特征和当时已开始的其他帮扶为自变量、"
        "以是否开始为因变量的logistic回归）给每个人一个权重，使两组在已测量的混杂因素上相似；"
        "**均衡表**（标准化均数差，SMD）检验是否做到，通常的目标是 **|SMD| < 0.1**"
        "（表中“加权后标准化均数差”一列，以及均衡图中的虚线）。\n\n"
        "**用哪种权重，估计的是什么。** 工作台使用**重叠加权**（接受帮扶者的权重为 1 − 倾向性评分，"
        "未接受者为倾向性评分）。当logistic模型用普通（不加惩罚的）最大似然拟合时，重叠加权使模型中"
        "每个特征的加权均值在两组*完全*相等；每个权重都在0到1之间，不会出现极端权重；在各种均衡权重中"
        "比较最精确。逆概率（ATE）加权不保证均衡（在一个模拟队列中曾留下0.27–0.29的|SMD|）。"
        "代价是所回答的问题不同：重叠加权描述的是既可能接受也可能不接受该帮扶的人"
        "（**重叠人群**，ATO），最看重是否接受最接近“掷硬币”的人，而不是全部出所人员（ATE）。"
        "无论用哪种权重，都检查均衡：如果任何|SMD|仍不小于0.1，该比较标记为"
        "**均衡未达标，结果不作为结论**。\n\n"
        "极端的倾向性评分（几乎总是或几乎从不接受帮扶的人）是*正值性*问题；工作台会对此给出警告，"
        "这里有意捕获并显示该警告。",
        "## 3. Propensity model and balance (landmark comparison)\n\n"
        "A second, transparent design: at a **landmark day** (here day {day}), compare people "
        "still relapse-free and followed who had started the support by then with those who had "
        "not. A **propensity model** (logistic regression of starting on baseline characteristics "
        "and on the other supports started by then) gives each person a weight so that the two "
        "groups look alike on measured confounders; the **balance table** (standardised mean "
        "differences, SMD) checks that they do, against the usual target **|SMD| < 0.1** (the "
        'column "SMD after weighting" and the dashed line of the love plot).\n\n'
        "**Which weights, and what they estimate.** The workbench uses **overlap weights** "
        "(exposed weighted by 1 − propensity, unexposed by the propensity). With a logistic model "
        "fitted by plain (unpenalised) maximum likelihood they make the weighted means of every "
        "characteristic in the model *exactly* equal in the two groups, they never explode (each "
        "weight is between 0 and 1), and they give the most precise comparison among balancing "
        "weights. Inverse-probability (ATE) weights do not guarantee balance (on a simulated "
        "cohort they once left |SMD| of 0.27–0.29). The price is the question answered: overlap "
        "weights describe the people who could plausibly have received the support or not (the "
        '**overlap population**, "ATO"), counting most those for whom the decision was closest '
        'to a coin toss, not every released person (the "ATE"). Whatever the weights, balance is '
        "checked: if any |SMD| stays at 0.1 or above, the comparison is marked **balance not "
        "achieved: result not reported as a finding**.\n\n"
        "Extreme propensities (people who almost always or never get the support) are a "
        "*positivity* problem; the workbench warns about them, and we catch and show that warning "
        "here on purpose.",
    ),
    "nbp03_weighted": (
        "## 4. 加权后的操守保持曲线与加权效果\n\n"
        "从界标日起，接受与未接受帮扶两组的加权操守保持曲线，以及风险比、12个月复吸风险差、"
        "需帮扶人数（NNT；仅当风险差的置信区间不含0时给出：否则数据无法说明风险差是正是负，"
        "1/风险差也就没有意义）和36个月内平均保持操守时间之差。这些结果都针对重叠人群；"
        "“均衡”一行重复说明它们能否作为结论。如果界标日之后接受帮扶者中的复吸少于{min_events}例"
        "（出所人数少于约2,000时，较少见的帮扶常常如此，见 bench/README.md），则不作估计，"
        "图和表会说明这一点。",
        "## 4. Adjusted retention curves and the weighted effect\n\n"
        "Weighted retention curves from the landmark onwards, exposed vs not, with the hazard "
        "ratio, the difference in relapse risk at 12 months, the number needed to treat (given "
        "only when the risk difference's confidence interval excludes 0: otherwise the data do "
        "not say whether it is positive, and 1 / risk difference would be a number without "
        "meaning), and the difference in restricted mean abstinent days to 36 months. All of "
        "these are for the overlap population; the balance row repeats whether they may be read "
        "as a finding. With fewer than {min_events} relapses among the exposed after the landmark "
        "(common for a rare support below about 2,000 releases, see bench/README.md) nothing is "
        "estimated, and the plot and table say so.",
    ),
    "nbp03_subgroups": (
        "## 5. 亚组：效果是否不同？\n\n"
        "一个带“帮扶 × 亚组”交互项的时变模型（其他帮扶和混杂因素在各亚组间共用）给每个亚组各自的风险比；"
        "对全部交互项的Wald检验回答各亚组风险比的差异是否超出机遇所能解释的范围。一个亚组至少需要"
        "{min_n}名接受帮扶者和开始后{min_n}例复吸，才单独估计。亚组结果波动较大：请看检验，"
        "不要只看最醒目的那一组。",
        "## 5. Subgroups: does the effect differ?\n\n"
        "One time-varying model with support × subgroup interaction terms (the other supports and "
        "the confounders shared across subgroups) gives each subgroup its own hazard ratio; the "
        "Wald test of all interaction terms asks whether the hazard ratios differ more than chance "
        "allows. A subgroup needs at least {min_n} exposed people and {min_n} relapses after the "
        "start to get its own term. Subgroup results are noisy: read the test, not the single "
        "most striking group.",
    ),
    "nbp03_evalues": (
        "## 6. E值：未测量的混杂因素需要多强？\n\n"
        "我们只调整了已测量的因素。**E值**是一个未测量的混杂因素与帮扶、与复吸二者都需要具有的最小关联"
        "强度，才能把观察到的效果完全解释掉。它在风险比的尺度上计算：“近似风险比（rr）”一列是所用的"
        "风险比；复吸少见（低于15%）时等于风险比（HR），否则取风险比的平方根（VanderWeele对常见结局的"
        "换算；“换算方法”一列说明用了哪一种）。“E值（估计值）”一列针对估计值，“E值（置信限）”一列针对"
        "更接近1的置信限（区间已包含1时为1）。E值较小（例如低于1.5）说明一个不太强的隐藏因素就可能"
        "解释这一结果。",
        "## 6. E-values: how strong would an unmeasured confounder have to be?\n\n"
        "We adjusted only for what was measured. The **E-value** is the minimum strength of "
        "association that an unmeasured confounder would need with both the support and relapse to "
        "explain the observed effect away. It is computed on the risk-ratio scale: the column "
        '"approximate risk ratio (rr)" is the risk ratio used, equal to the hazard ratio when '
        "relapse is rare (under 15 %), otherwise the square root of the hazard ratio "
        '(VanderWeele\'s conversion for a common outcome; the column "conversion" says which). '
        'The column "E-value (estimate)" gives it for the estimate, "E-value (CI limit)" for the '
        "confidence limit nearer 1 (1 when the interval already includes 1). Small E-values (say "
        "below 1.5) mean a modest hidden factor could explain the result.",
    ),
    "nbp03_plain": (
        "## 7. 用平实的话说\n"
        "每项帮扶一句话，依据其风险比和置信区间写成。这些都是观察性数据中的关联：只有当整个区间"
        "（按显示的数值）都低于1时，才说接受者的复吸风险较低；即使如此，未测量的混杂（第6节）"
        "也可能解释其中一部分。",
        "## 7. In plain words\n"
        "One sentence per support, from its hazard ratio and confidence interval. These are "
        "associations in observational data: those who received a support are described as having "
        "a lower relapse risk only when the whole interval (as printed) lies below 1, and even then "
        "unmeasured confounding (section 6) may explain part of it.",
    ),
}

_NB04 = {
    "nbp04_intro": (
        "**我们的估计方法能否还原真值？**\n\n"
        "一种方法值得信赖，是指在已知答案的数据上，它平均给出这个答案（**无偏倚**），并且在反复研究中，"
        "其95%置信区间约有95%包含真值（**覆盖率**）。模拟器（`workbench.simulate`）生成的队列与项目数据"
        "完全同样格式：复吸只在回访时发现，帮扶更多给予动机强的人，有死亡、迁出和失访；但它还知道每个人"
        "真实的复吸日和帮扶的真实效果。\n\n"
        "这里模拟许多队列（重复），每个队列都用正确的方法和简单的方法分析，并与真值比较；每张图都画出"
        "真值。每次重复的随机种子由 `seed` 导出，因此一次运行可以完全重现。本笔记本只用"
        "模拟数据（非真实数据）。",
        "**Do our estimators recover the truth?**\n\n"
        "A method is trustworthy when, on data whose answer we know, it gives that answer on "
        "average (**no bias**) and its 95 % confidence intervals contain the truth in about 95 % "
        "of repeated studies (**coverage**). The simulator (`workbench.simulate`) writes cohorts "
        "exactly like the programme's data, with relapses seen only at visits, support given to "
        "the motivated, deaths, transfers and losses, but it also knows every true relapse day and "
        "the true support effects.\n\n"
        "Here we simulate many cohorts (replicates), analyse each with the correct and the naive "
        "methods, and compare with the truth, which is drawn on every plot. Each replicate's seed "
        "is derived from `seed`, so a run can be repeated exactly. This notebook uses simulated "
        "data only (not real programme data).",
    ),
    "nbp04_run": (
        "## 1. 运行检验\n"
        "每次重复：模拟一个队列，构建 (L, R] 表，用三种方法估计12、24和36个月的操守保持率，"
        "并用主要的时变模型和简单的“曾经/从未”模型估计每项帮扶的风险比。这是最慢的一步"
        "（本次{n_reps}次重复，每次{n:,}名出所人员）。",
        "## 1. Run the study\n"
        "Each replicate: simulate a cohort, build the (L, R] table, estimate retention at 12, 24 "
        "and 36 months three ways, and estimate every support's hazard ratio with the primary "
        "time-varying model and the naive ever-vs-never model. This is the slow cell (here "
        "{n_reps} replicates of {n:,} releases).",
    ),
    "nbp04_retention": (
        "## 2. 操守保持率：区间删失NPMLE与简单Kaplan–Meier\n\n"
        "这里的真值是模拟器中没有死亡和删失时总体的 S(t)；所有估计方法都把死亡作为删失处理。"
        "“偏倚”是平均误差（估计值 − 真值），并附其蒙特卡罗标准误：偏倚达到其蒙特卡罗标准误的数倍，"
        "才是真正的偏倚。“均方根误差”综合了偏倚和随机波动。“95%置信区间覆盖率”是95%置信区间包含"
        "真值的重复所占比例（NPMLE用自助法置信区间，简单KM用Greenwood置信区间）。",
        "## 2. Retention: interval-censored NPMLE vs naive Kaplan–Meier\n\n"
        "The truth here is the simulator's population S(t) without death or censoring; every "
        "estimator treats deaths as censoring. The bias is the average error (estimate − truth), "
        "with its Monte-Carlo standard error: a bias several times its Monte-Carlo error is real. "
        "The RMSE combines bias and noise. The 95% CI coverage is the share of replicates whose "
        "95 % interval contained the truth (the NPMLE's interval is a bootstrap interval; the "
        "naive KM's is Greenwood's).",
    ),
    "nbp04_retention_reading": (
        "把复吸日记为发现复吸的回访日，会把每次复吸都推迟，所以简单曲线在早期偏高。NPMLE只使用回访"
        "所显示的信息。NPMLE如仍有偏倚，来自这些数据中任何方法都看不到的情况：检测漏掉的复吸，"
        "或复吸后即失访的人。",
        "Dating relapses at the visit that found them pushes every relapse later, so the naive "
        "curve is too high early on. The NPMLE uses only what the visits show. Any remaining "
        "NPMLE bias comes from what no method can see in these data: a relapse missed by an "
        "imperfect test, or people who relapse and disappear.",
    ),
    "nbp04_effects": (
        "## 3. 帮扶效果：时变调整模型与简单比较\n\n"
        "偏倚在风险比的对数尺度上（0表示无偏倚）；“95%置信区间覆盖率”针对主要模型基于模型的"
        "（稳健、三明治）95%置信区间，因为每次重复不再做自助法；“简单比较的偏倚”是“曾经/从未”Cox模型"
        "的偏倚。",
        "## 3. Support effects: time-varying adjusted model vs naive comparison\n\n"
        "Bias is on the log hazard-ratio scale (0 means unbiased); the 95% CI coverage is for the "
        "model-based (robust, sandwich) 95 % interval of the primary model, as the bootstrap is "
        "not repeated per replicate; the naive bias is the bias of the ever-vs-never Cox model.",
    ),
    "nbp04_coverage": (
        "## 4. 每个置信区间的覆盖率\n"
        "条形落在黑线（0.95）附近、灰色蒙特卡罗范围之内，说明置信区间是诚实的；这个范围是真实覆盖率为0.95时，"
        "同样重复次数的研究中95%会得到的覆盖率。重复次数少时这个范围很宽（本次{n_reps}次）；少于{min_band}次时"
        "它几乎包含一切，所以不画出。增大 `n_replicates` 可以检验得更精确。",
        "## 4. Coverage of every interval\n"
        "Bars near the black line (0.95), inside the grey Monte-Carlo range, mean honest "
        "intervals; the range holds the coverages that 95% of studies with as many replicates "
        "show when the true coverage is 0.95. With few replicates it is wide (here {n_reps}); "
        "below {min_band} it would hold nearly everything, so it is not drawn. Raise "
        "`n_replicates` for a sharper check.",
    ),
    "nbp04_all": ("## 5. 汇总表", "## 5. All in one table"),
    "nbp04_planning": (
        "## 6. 规划下一项研究：需要多少出所人员？\n\n"
        "评估一项帮扶措施（此处：30%的人获得帮扶，复吸风险比0.8，2年内出所，最后一人出所后再随访1年，"
        "每年失访5%，项目的每6个月回访）时，按Schoenfeld公式计算达到80%和90%检验效能所需的出所人数，"
        "并用本工具自己的模拟器模拟这样规模的研究，看实际能达到的效能：一是按确切复吸日期分析"
        "（公式的假定），二是按每6个月回访所记录的情况分析。同样的数字可由 "
        "`workbench power --hr 0.8 --uptake 0.3 --simulate 200` 得到；在那里或下面的单元格中修改设计。",
        "## 6. Planning the next study: how many releases?\n\n"
        "For an evaluation of one support (here: 30% receive it, hazard ratio of relapse 0.8, "
        "releases over 2 years, 1 year of follow-up after the last release, 5% lost to follow-up "
        "a year, the programme's 6-monthly visits): the releases needed for 80% and 90% power by "
        "Schoenfeld's formula, and the power that studies of that size reach when simulated with "
        "this workbench's own simulator, on exact relapse dates (what the formula assumes) and on "
        "what 6-monthly visits record. The same numbers come from "
        "`workbench power --hr 0.8 --uptake 0.3 --simulate 200`; change the design there or in "
        "the cell below.",
    ),
}

from workbench.i18n.target_trial import NOTEBOOK_PROSE as _NB03_TT  # noqa: E402 (#18, ttreport)

ENTRIES = {**_NB01, **_NB02, **_NB03, **_NB04, **_NB05, **_NB03_TT}
