"""Risk factors for relapse: who relapses sooner, on baseline characteristics.

One module per concept (import from them directly):

- `design`: the design matrix (categories against a reference level) and the coefficient table.
- `ph`: what the proportional-hazards models share (inputs, robust variance, summary, advice).
- `cox`: `CoxModel`, Cox PH on event times (Efron ties; equal to R's `coxph`).
- `efron`: Efron-ties arithmetic: score residuals, sandwich variance and the PH test (`cox.zph`).
- `interval`: `IntervalCoxModel`, proportional hazards on the (L, R] intervals themselves.
- `aft`: `ICParametric`, interval-censored Weibull / log-logistic / log-normal AFT models.
- `labels`: the words of the risk tables in the reader's language (catalog ``i18n.risk``).
- `table`: the `workbench risk` command's model and its plain-text output.
"""
