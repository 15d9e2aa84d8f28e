# Reference Aalen-Johansen cumulative incidence for tests/retention/test_competing.py (R survival).
#   Rscript aalen_johansen.R        (run from tests/reference/)
# Relapse (1) with death (2) as a competing event and censoring (0), on a 6-monthly grid with
# many ties, including relapses, deaths and censorings tied at the last time (end of tracking).
library(survival)
set.seed(20170102)
n <- 400
grid <- c(182.625, 365.25, 547.875, 730.5, 913.125, 1095.75)
d <- data.frame(time = sample(grid, n, replace = TRUE, prob = c(3, 2, 1, 1, 1, 4)),
                status = sample(0:2, n, replace = TRUE, prob = c(0.45, 0.45, 0.10)),
                w = round(runif(n, 0.5, 2), 3))
write.csv(d, "aalen_johansen_input.csv", row.names = FALSE)
fit <- survfit(Surv(time, factor(status, 0:2, c("censor", "relapse", "death"))) ~ 1, data = d)
out <- data.frame(fit = "plain", time = fit$time, n_risk = fit$n.risk[, 1],
                  n_relapse = fit$n.event[, 2], n_death = fit$n.event[, 3], n_censor = fit$n.censor,
                  event_free = fit$pstate[, 1], cif_relapse = fit$pstate[, 2], cif_death = fit$pstate[, 3],
                  se_event_free = fit$std.err[, 1], se_relapse = fit$std.err[, 2], se_death = fit$std.err[, 3],
                  lower_relapse = fit$lower[, 2], upper_relapse = fit$upper[, 2])
wfit <- survfit(Surv(time, factor(status, 0:2, c("censor", "relapse", "death"))) ~ 1, data = d, weights = w)
wout <- data.frame(fit = "weighted", time = wfit$time, n_risk = wfit$n.risk[, 1],
                   n_relapse = wfit$n.event[, 2], n_death = wfit$n.event[, 3], n_censor = wfit$n.censor,
                   event_free = wfit$pstate[, 1], cif_relapse = wfit$pstate[, 2], cif_death = wfit$pstate[, 3],
                   se_event_free = wfit$std.err[, 1], se_relapse = wfit$std.err[, 2], se_death = wfit$std.err[, 3],
                   lower_relapse = wfit$lower[, 2], upper_relapse = wfit$upper[, 2])
write.csv(rbind(out, wout), "aalen_johansen_output.csv", row.names = FALSE)
print(fit$conf.type)
