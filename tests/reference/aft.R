# Reference interval-censored AFT fits for tests/risk/test_risk.py (R survival survreg).
#   Rscript aft.R   (from tests/reference/)
# 1. Simulated releases seen at 6-monthly visits: relapse in (L, R], R = NA when none was seen.
# 2. lifelines' load_diabetes (interval-censored), Weibull AFT on gender.
library(survival)
set.seed(20170104)
n <- 400
drug <- sample(c("heroin", "methamphetamine"), n, replace = TRUE)
motivation <- round(runif(n, 0, 10), 1)
t_true <- rweibull(n, shape = 0.8, scale = 500 * exp(-0.4 * (drug == "methamphetamine") + 0.08 * motivation))
grid <- c(0, 182.625, 365.25, 547.875, 730.5, 913.125, 1095.75)
last_visit <- sample(4:7, n, replace = TRUE, prob = c(1, 1, 1, 5))  # some leave early
k <- findInterval(t_true, grid, left.open = TRUE)  # t in (grid[k], grid[k+1]]
seen <- k + 1 <= last_visit  # relapse at or before the last visit attended
lower <- ifelse(seen, grid[pmin(k, 6)], grid[last_visit])
upper <- ifelse(seen, grid[pmin(k, 6) + 1], NA)
sim <- data.frame(lower_day = lower, upper_day = upper, primary_drug = drug, motivation_score = motivation)
write.csv(sim, "aft_input.csv", row.names = FALSE)
sim$primary_drug <- relevel(factor(sim$primary_drug), ref = "heroin")
sim$lower_day[sim$lower_day == 0] <- NA  # (0, R]: left-censored in survreg's interval2 coding
rows <- list()
for (dist in c("weibull", "loglogistic", "lognormal")) {
  f <- survreg(Surv(lower_day, upper_day, type = "interval2") ~ primary_drug + motivation_score, data = sim, dist = dist)
  rows[[dist]] <- data.frame(fit = "sim", dist = dist, term = c(names(coef(f)), "log_scale"),
                             value = c(coef(f), log(f$scale)), se = sqrt(diag(vcov(f))),
                             loglik = f$loglik[2])
}
dia <- read.csv("aft_diabetes_input.csv")
dia$left[dia$left == 0] <- NA
f <- survreg(Surv(left, right, type = "interval2") ~ gender, data = dia, dist = "weibull")
rows[["diabetes"]] <- data.frame(fit = "diabetes", dist = "weibull", term = c(names(coef(f)), "log_scale"),
                                 value = c(coef(f), log(f$scale)), se = sqrt(diag(vcov(f))), loglik = f$loglik[2])
write.csv(do.call(rbind, rows), "aft_output.csv", row.names = FALSE)
print(table(is.na(sim$upper_day)))
