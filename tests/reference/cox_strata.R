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

# The proportional-hazards test of a stratified model (no delayed entry: the PH test refuses it):
#   cox.zph(coxph(Surv(time, event) ~ x1 + x2 + strata(s), weights = w), transform = "km")
# risk sets within strata, g(t) from the KM of all rows (as risk.efron.cox_zph with strata).
fit2 <- coxph(Surv(time, event) ~ x1 + x2 + strata(s), data = d, weights = w, ties = "efron")
z <- cox.zph(fit2, transform = "km")$table
zo <- data.frame(term = rownames(z), chisq = z[, "chisq"], df = z[, "df"], p = z[, "p"],
                 coef = c(unname(coef(fit2)), NA))
write.csv(zo, "tests/reference/cox_strata_zph.csv", row.names = FALSE, quote = FALSE)
print(format(zo, digits = 12))
