# Reference concordance values for tests/risk/test_validation.py (R survival::concordance).
#   Rscript validation.R        (run from tests/reference/)
# 1. Harrell's C for right-censored data with tied markers, tied times and a censoring tied with
#    an event, truncated at ymax = 900 days (events after 900 count as censored there).
# 2. The AUC of a binary outcome (relapse by day t, every status known) with a continuous marker.
library(survival)
set.seed(20170103)
n <- 400
d <- data.frame(time = round(rexp(n, 1 / 500)) + 1,
                status = rbinom(n, 1, 0.7),
                x = round(rnorm(n), 1))
d$time[1:10] <- d$time[11:20]                         # tied times (some events, some censored)
write.csv(d, "validation_input.csv", row.names = FALSE)
out <- data.frame()
for (ymax in c(Inf, 900)) {
  cc <- concordance(Surv(time, status) ~ x, data = d, reverse = TRUE, ymax = ymax)
  out <- rbind(out, data.frame(quantity = "c_index", t = ymax, value = cc$concordance,
                               comparable = sum(cc$count[c("concordant", "discordant", "tied.x")])))
}
for (t in c(180, 365, 730)) {
  y <- as.numeric(d$time <= t)
  cc <- concordance(y ~ x, data = d)                   # binary y: the AUC (ties in x count 1/2)
  out <- rbind(out, data.frame(quantity = "auc", t = t, value = cc$concordance,
                               comparable = sum(cc$count[c("concordant", "discordant", "tied.x")])))
}
write.csv(out, "validation_output.csv", row.names = FALSE)
writeLines(paste("R", getRversion(), "survival", packageVersion("survival")), "validation_versions.txt")
