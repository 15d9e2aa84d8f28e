# Reference Kaplan-Meier numbers for tests/retention/test_km.py (R survival; run from tests/reference/).
#   Rscript km.R
# Writes km_input.csv (simulated tied data with weights), km_curves.csv, km_table.csv.
library(survival)
set.seed(20170101)
n <- 300
d <- data.frame(
  time = sample(1:24, n, replace = TRUE),
  status = rbinom(n, 1, 0.6),
  w = round(runif(n, 0.2, 3), 3),  # non-integer weights: R uses the robust (IJ) variance
  wi = sample(1:3, n, replace = TRUE),  # integer weights: R uses Greenwood on weighted counts
  g = sample(c("a", "b"), n, replace = TRUE)
)
d$status[d$time == 24] <- 1  # ties at the last time
write.csv(d, "km_input.csv", row.names = FALSE)
walt <- read.csv("km_waltons_input.csv")

curve <- function(fit, name) {
  s <- fit
  strata <- if (is.null(s$strata)) rep("all", length(s$time)) else rep(sub(".*=", "", names(s$strata)), s$strata)
  data.frame(fit = name, group = strata, time = s$time, n_risk = s$n.risk, n_event = s$n.event,
             n_censor = s$n.censor, surv = s$surv, std_err = s$std.err,
             lower = s$lower, upper = s$upper)
}
table_row <- function(fit, name, tau) {
  tab <- summary(fit, rmean = tau)$table
  if (is.null(dim(tab))) tab <- t(as.matrix(tab))
  groups <- if (is.null(fit$strata)) "all" else sub(".*=", "", rownames(tab))
  data.frame(fit = name, group = groups, tau = tau, rmean = tab[, "rmean"],
             se_rmean = tab[, "se(rmean)"], median = tab[, "median"],
             median_lower = tab[, "0.95LCL"], median_upper = tab[, "0.95UCL"])
}
fits <- list(
  plain = survfit(Surv(time, status) ~ 1, data = d, conf.type = "log-log"),
  weighted = survfit(Surv(time, status) ~ 1, data = d, weights = w, conf.type = "log-log"),
  intweights = survfit(Surv(time, status) ~ 1, data = d, weights = wi, conf.type = "log-log"),
  bygroup = survfit(Surv(time, status) ~ g, data = d, conf.type = "log-log"),
  waltons = survfit(Surv(T, E) ~ group, data = walt, conf.type = "log-log")
)
curves <- do.call(rbind, lapply(names(fits), function(k) curve(fits[[k]], k)))
write.csv(curves, "km_curves.csv", row.names = FALSE)
taus <- list(plain = 12.5, weighted = 12.5, intweights = 20, bygroup = 18, waltons = 50)
tabs <- do.call(rbind, lapply(names(fits), function(k) table_row(fits[[k]], k, taus[[k]])))
write.csv(tabs, "km_table.csv", row.names = FALSE)
