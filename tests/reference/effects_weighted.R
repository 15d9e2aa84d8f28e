# Reference numbers for workbench.effects: weighted Cox with robust SE and weighted Kaplan-Meier.
# Run: Rscript tests/reference/effects_weighted.R  (from the repository root)
# Writes tests/reference/effects_weighted_data.csv, effects_weighted_cox.csv, effects_weighted_km.csv
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
