# Cox model with delayed entry, tied times, weights and clustered robust SEs (Efron ties), as
# workbench.risk.CoxModel(entry_col=, weights_col=, cluster=) fits it:
#   coxph(Surv(entry, time, event) ~ x1 + x2, weights = w, cluster = id, ties = "efron")
# The data are generated here (seeded) and written beside the output.
# Run from the repository root: Rscript tests/reference/cox_entry.R
library(survival)
set.seed(2024)
n <- 400
d <- data.frame(id = rep(1:200, each = 2), x1 = round(rnorm(n), 2), x2 = rbinom(n, 1, 0.4))
d$entry <- ifelse(runif(n) < 0.4, sample(1:8, n, replace = TRUE), 0)
t <- d$entry + ceiling(rexp(n, 0.08 * exp(0.5 * d$x1 - 0.4 * d$x2)))   # whole days: ties
cens <- d$entry + sample(5:40, n, replace = TRUE)
d$time <- pmin(t, cens)
d$event <- as.integer(t <= cens)
d$w <- round(runif(n, 0.5, 2), 2)
write.csv(d, "tests/reference/cox_entry_input.csv", row.names = FALSE, quote = FALSE)
fit <- coxph(Surv(entry, time, event) ~ x1 + x2, data = d, weights = w, cluster = id,
             ties = "efron")
out <- data.frame(term = names(coef(fit)), coef = unname(coef(fit)),
                  se = sqrt(diag(fit$naive.var)), robust_se = sqrt(diag(fit$var)),
                  loglik = fit$loglik[2])
write.csv(out, "tests/reference/cox_entry_output.csv", row.names = FALSE, quote = FALSE)
print(format(out, digits = 12))
cat(sprintf("ties: %d event times for %d events\n", length(unique(d$time[d$event == 1])),
            sum(d$event)))
