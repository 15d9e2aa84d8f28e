"""Words of the sequential trial emulation (workbench.emulation.sequential)."""

ENTRIES: dict[str, tuple[str, str]] = {
    "st_too_few_starts": (
        "无法模拟序贯试验：没有一次随访后的一个月内有至少{minimum}人开始{name}。",
        "no sequential trial can be emulated: in no month after a scheduled visit did at least "
        "{minimum} people start {name}.",
    ),
}
