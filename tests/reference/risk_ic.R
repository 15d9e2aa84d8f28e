# Reference fits for tests/risk/test_risk_ic.py (R survival). Run from tests/reference/:
#   Rscript risk_ic.R
# 1. Exact times with ties (every relapse dated, L = R): coxph with Breslow ties, model-based
#    and person-clustered robust SEs. The interval-censored PH model with a piece between every
#    two distinct times and no penalty has the same likelihood profile, so the same estimate.
# 2. Interval-censored (L, R] data on a 6-monthly visit grid with jitter: survreg exponential
#    (one baseline piece: our model's parametric limit, log-HR = -coef) and Weibull (log-HR =
#    -coef / scale; our monthly-piece model approximates it).
library(survival)
set.seed(20261207)
n <- 600
x1 <- rnorm(n)
x2 <- rbinom(n, 1, 0.4)
g <- factor(sample(c("a", "b", "c"), n, replace = TRUE, prob = c(0.5, 0.3, 0.2)))
id <- sample(1:520, n, replace = TRUE)
lp <- 0.5 * x1 - 0.4 * x2 + ifelse(g == "b", 0.3, ifelse(g == "c", -0.2, 0))
# exact times, rounded to weeks so that they tie
t <- ceiling(rexp(n, 0.01 * exp(lp)) / 7) * 7
c <- ceiling(runif(n, 20, 300) / 7) * 7
time <- pmin(t, c)
status <- as.integer(t <= c)
exact <- data.frame(id, x1, x2, g, time, status)
write.csv(exact, "risk_ic_exact_input.csv", row.names = FALSE)
fit <- coxph(Surv(time, status) ~ x1 + x2 + g, data = exact, ties = "breslow")
rob <- coxph(Surv(time, status) ~ x1 + x2 + g, data = exact, ties = "breslow", cluster = id)
out <- data.frame(fit = "coxph_breslow", term = names(coef(fit)), coef = unname(coef(fit)),
                  se = sqrt(diag(vcov(fit))), robust_se = sqrt(diag(vcov(rob))),
                  loglik = fit$loglik[2])
# Weibull PH (shape 0.7): interval-censored at visits every 182.625 days +- 21 (jitter)
shape <- 0.7
u <- runif(n)
tw <- (-log(u) / (0.02 * exp(lp)))^(1 / shape)
visits <- outer(rep(1, n), (1:6) * 182.625) + matrix(sample(-21:21, 6 * n, TRUE), n, 6)
cens <- runif(n, 100, 1100)
left <- numeric(n); right <- rep(NA_real_, n)
for (i in 1:n) {
  v <- visits[i, visits[i, ] <= cens[i]]
  seen <- v[v >= tw[i]]
  if (length(seen)) right[i] <- seen[1]
  before <- v[v < tw[i]]
  left[i] <- if (length(before)) max(before) else 0
}
ic <- data.frame(id, x1, x2, g, left, right)
write.csv(ic, "risk_ic_interval_input.csv", row.names = FALSE)
# survreg needs left > 0: (0, R] is left-censored at R (left NA); (0, inf) carries no
# information (likelihood 1) and is dropped.
icr <- subset(ic, !(left == 0 & is.na(right)))
icr$left[icr$left == 0] <- NA
sv <- function(dist) {
  s <- survreg(Surv(left, right, type = "interval2") ~ x1 + x2 + g, data = icr, dist = dist)
  b <- coef(s)[-1]
  se <- if (dist == "exponential") sqrt(diag(vcov(s)))[names(b)] else NA
  data.frame(fit = paste0("survreg_", dist), term = names(b), coef = unname(-b / s$scale),
             se = unname(se), robust_se = NA, loglik = s$loglik[2])
}
out <- rbind(out, sv("exponential"), sv("weibull"))
write.csv(out, "risk_ic_output.csv", row.names = FALSE)
print(out)
