# Reference values for workbench.emulation (tests/emulation/test_reference.py).
# Inputs written by tests/reference/emulation_export.py. Run: Rscript tests/reference/emulation.R
# R 4.2.2, survival 3.5-3.
library(survival)
here <- "tests/reference"

# 1. The pooled logistic start model: month terms (no intercept), covariates, employment,
#    frequency weights.
d <- read.csv(file.path(here, "emulation_glm_input.csv"))
xs <- grep("^x", names(d), value = TRUE)
f <- as.formula(paste("started ~ 0 + factor(month) +", paste(c(xs, "employed"), collapse = " + ")))
fit <- glm(f, family = binomial, data = d, weights = w,
           control = glm.control(epsilon = 1e-14, maxit = 100))
out <- data.frame(term = names(coef(fit)), estimate = sprintf("%.12f", coef(fit)))
write.csv(out, file.path(here, "emulation_glm_output.csv"), row.names = FALSE, quote = FALSE)

# 2. Weighted Aalen-Johansen on right-censored monthly data: relapse (1) and death (2) compete;
#    std.err is survfit's infinitesimal-jackknife SE (the weights taken as fixed).
a <- read.csv(file.path(here, "emulation_aj_input.csv"))
aj <- survfit(Surv(time, factor(status, levels = 0:2)) ~ 1, data = a, weights = w)
s <- summary(aj, times = 1:37, extend = TRUE)
cols <- aj$states
res <- data.frame(month = s$time,
                  relapse = sprintf("%.12f", s$pstate[, which(cols == "1")]),
                  death = sprintf("%.12f", s$pstate[, which(cols == "2")]),
                  relapse_se = sprintf("%.12f", s$std.err[, which(cols == "1")]),
                  death_se = sprintf("%.12f", s$std.err[, which(cols == "2")]))
write.csv(res, file.path(here, "emulation_aj_output.csv"), row.names = FALSE, quote = FALSE)
