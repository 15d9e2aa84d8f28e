# Reference numbers for workbench.effects: weighted Cox with robust SE and weighted Kaplan-Meier.
# Run: Rscript tests/reference/effects_weighted.R  (from the repository root)
# Writes tests/reference/effects_weighted_data.csv, effects_weighted_cox.csv, effects_weighted_km.csv,
# effects_weighted_ties_data.csv and effects_weighted_cox_a.csv (the one-covariate weighted Cox
# model of the landmark comparison, `_cox` in workbench/effects/landmark.py, on the untied data
# and on a copy with times coarsened to 10-day steps so that many event times are tied: Efron)
library(survival)
set.seed(20170101)
n <- 200
x <- rnorm(n)
a <- rbinom(n, 1, plogis(0.5 * x))
t_event <- rexp(n, rate = 0.01 * exp(0.4 * x - 0.5 * a))
t_cens <- runif(n, 20, 250)
time <- round(pmin(t_event, t_cens), 6)
event <- as.integer(t_event <= t_cens)
w <- round(runif(n, 0.3, 3), 4)
stopifnot(!any(duplicated(time)))
d <- data.frame(time = time, event = event, a = a, x = x, w = w)
write.csv(d, "tests/reference/effects_weighted_data.csv", row.names = FALSE)
fit <- coxph(Surv(time, event) ~ a + x, data = d, weights = w, robust = TRUE)
out <- data.frame(term = names(coef(fit)), coef = unname(coef(fit)),
                  robust_se = sqrt(diag(fit$var)), naive_se = sqrt(diag(fit$naive.var)))
write.csv(out, "tests/reference/effects_weighted_cox.csv", row.names = FALSE)
km <- survfit(Surv(time, event) ~ a, data = d, weights = w)
s <- summary(km, times = c(10, 25, 50, 100, 150, 200))
write.csv(data.frame(arm = as.integer(sub("a=", "", s$strata)), time = s$time, surv = s$surv),
          "tests/reference/effects_weighted_km.csv", row.names = FALSE)

# The landmark comparison's model: exposure only, weights, robust (sandwich) SE, Efron ties.
tied <- d
tied$time <- ceiling(d$time / 10) * 10
write.csv(tied, "tests/reference/effects_weighted_ties_data.csv", row.names = FALSE)
one <- function(data, name) {
  f <- coxph(Surv(time, event) ~ a, data = data, weights = w, robust = TRUE, ties = "efron")
  data.frame(data = name, coef = unname(coef(f)), robust_se = sqrt(f$var[1, 1]),
             naive_se = sqrt(f$naive.var[1, 1]), n_tied_times = sum(duplicated(data$time[data$event == 1])))
}
write.csv(rbind(one(d, "untied"), one(tied, "tied")), "tests/reference/effects_weighted_cox_a.csv",
          row.names = FALSE)
