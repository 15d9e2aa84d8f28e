"""A cold report's figures drawn while its analyses still run, by the idle report kernel (issue 23).

The report kernel is started before the analyses and, once it has imported its modules, has
nothing to do until the notebook, while much of the analyses runs on one core (regions,
ranking, facilities and risk one after another; the model check; the disclosure control).
`drawing(kernel, params, folder, langs)`, opened around a report's analyses, listens to the
sections' values as `analyse_cohort` computes them (`console.offer`). As soon as the inputs of a
figure section are known it writes the results so far (unprotected, as `analyse_cohort` will
assemble them) to a private file in the run's work folder (0700) and asks the kernel, silently
and queued behind whatever it is doing (`ReportKernel.submit`), to run `draw(path)`: protect
them as the analysis will (`evaluation.protect.protect` with the scope's key, computed here) and
build those sections in the report's languages (`figure_ahead.prewarm`), which draws their
figures into the figure cache. The notebook then embeds the cached figures; it starts once the
kernel has finished (the last job, the method checks' figure, is drawn while this process
protects and stores the results).

Only ever a cache fill, keyed by content (`figure_cache`): a figure whose inputs turn out to
differ from the final results' has another key and the notebook draws it as before; an error or
a lost job only means the notebook draws. The images are drawn from protected values like the
report's and stored in the private cache only. Not done for a cohort over `MAX_RELEASES` (the
scope key sorts every release id in this process: seconds at 2.3 M), for a scoped report (see
`drawing`) or without a started kernel.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from workbench import console

MAX_RELEASES = 250_000
STATE = "workbench.reporting.kernel_state"
# figure section -> the offered values it waits for (`figure_ahead.figure_sections`' names):
# its inputs, and for the effects and trend figures the projection check too, so that the
# kernel draws them beside the model check (one core) rather than beside the competing risks'
# and the trend's bootstraps (both cores)
NEEDS = {
    "retention": ("retention",),
    "tiers": ("tiers",),
    "regions": ("retention", "regions"),
    "ranking": ("regions", "ranking"),
    "effects": ("effects", "target_trial", "projection_check"),
    "trend": ("trend", "projection_check"),
    "check": ("projection_check", "model_check"),
}
LAST = ("check",)  # drawn just before the notebook: in the report's own language only


class Listener:
    """`console.offer`'s listener for one report's analyses (see the module docstring)."""

    def __init__(self, kernel: Any, params: Any, folder: Path, langs: list[str]) -> None:
        self.kernel, self.params, self.folder = kernel, params, folder
        self.langs = list(dict.fromkeys(langs))
        self.values: dict[str, Any] = {}
        self.header: dict | None = None
        self.key: bytes | None = None
        self.sent: set[str] = set()
        self.jobs = 0

    def __call__(self, name: str, value: Any) -> None:
        self.values[name] = value
        if name == "cohort":
            self._start(value)
            return
        if self.key is None:
            return
        ready = [s for s, needs in NEEDS.items()
                 if s not in self.sent and all(n in self.values for n in needs)]  # fmt: skip
        if ready:
            self.sent.update(ready)
            self._send(ready)

    def _start(self, cohort: Any) -> None:
        from workbench.evaluation.contract import results_header
        from workbench.evaluation.scope import record_keys
        from workbench.privacy.disclosure import scope_key

        if len(cohort.table) > MAX_RELEASES:
            return
        self.header = results_header(cohort, self.params)
        self.key = scope_key(record_keys(cohort.table))

    def _send(self, sections: list[str]) -> None:
        langs = self.langs[:1] if set(sections) <= set(LAST) else self.langs
        job = {"raw": self.raw(), "key": self.key, "k": self.params.suppression_threshold,
               "params": self.params.to_mapping(), "langs": langs, "sections": sections}  # fmt: skip
        path = self.folder / f"ahead-{os.getpid()}-{self.jobs}.pickle"
        self.jobs += 1
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(job, fh, protocol=pickle.HIGHEST_PROTOCOL)
        self.kernel.submit(f"__import__({STATE!r}, fromlist=['ahead']).ahead({str(path)!r})")

    def raw(self) -> Any:
        """The results so far, assembled as `contract.analyse_cohort` assembles them (the
        fields the figure sections read; the others as a section not yet computed)."""
        from workbench.evaluation.results import ReportResults, frame_or_none

        v = self.values
        fit = v.get("retention") or {}
        regions, effects = v.get("regions"), v.get("effects") or {}
        return ReportResults(
            **self.header,
            milestones=fit.get("milestones"),
            curve=fit.get("curve"),
            median_day=fit.get("median"),
            rmst=fit.get("rmst"),
            tiers=frame_or_none(v.get("tiers")),
            regions=None if regions is None else frame_or_none(regions[0]),
            funnel=None if regions is None else regions[1],
            ranking=v.get("ranking"),
            facility_regions=v.get("facilities"),
            risk=v.get("risk"),
            effects=frame_or_none(effects.get("table")),
            findings=frame_or_none(effects.get("findings")),
            arm_curves=frame_or_none(effects.get("curves")),
            trend=v.get("trend"),
            projection_check=v.get("projection_check"),
            model_check=v.get("model_check"),
            target_trials=v.get("target_trial") or None,
        )


@contextlib.contextmanager
def drawing(kernel: Any, params: Any, folder: Path, langs: list[str]) -> Iterator[None]:
    """For the block (a report's analyses), the kernel draws the figures of each section as its
    values are computed (see the module docstring); nothing without a started kernel, nor
    for a scoped report (its sections read the province benchmark, which the kernel would
    compute or wait for; as `figure_ahead.ahead`)."""
    from workbench.reporting.benchmark import province_params

    if kernel is None or getattr(kernel, "km", None) is None or province_params(params):
        yield
        return
    with console.offers_to(Listener(kernel, params, folder, langs)):
        yield


def draw(path: str) -> int:
    """In the kernel: the job at `path` (`Listener._send`), its file removed; returns how many
    figures were drawn. Best effort: an error draws nothing."""
    from workbench.evaluation.protect import protect
    from workbench.params.report import ReportParams
    from workbench.reporting import figure_ahead

    try:
        with open(path, "rb") as fh:
            job = pickle.load(fh)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
    results = protect(job["raw"], (), job["k"], {}, key=job["key"])
    params = ReportParams.from_mapping(job["params"])
    return figure_ahead.prewarm(results, params, job["langs"], job["sections"])
