# Stratified Cox model with delayed entry, tied times, weights and clustered robust SEs (Efron
# ties), as workbench.risk.CoxModel(strata=, entry_col=, weights_col=, cluster=) fits it, on the
# data of cox_entry.R with three strata s = id %% 3:
#   coxph(Surv(entry, time, event) ~ x1 + x2 + strata(s), weights = w, cluster = id)
# The robust SEs need each stratum's own weights in its score residuals
# (risk.efron.stratified_residuals). Run from the repository root: Rscript tests/reference/cox_strata.R
library(survival)
d <- read.csv("tests/reference/cox_entry_input.csv")
d$s <- d$id %% 3
fit <- coxph(Surv(entry, time, event) ~ x1 + x2 + strata(s), data = d, weights = w,
             cluster = id, ties = "efron")
out <- data.frame(term = names(coef(fit)), coef = unname(coef(fit)),
                  se = sqrt(diag(fit$naive.var)), robust_se = sqrt(diag(fit$var)),
                  loglik = fit$loglik[2])
write.csv(out, "tests/reference/cox_strata_output.csv", row.names = FALSE, quote = FALSE)
print(format(out, digits = 12))
