# Weighted Cox on R's lung (issue #24, helper mut4): the reference for `workbench risk` on a
# spec with a weights column (tests/risk/test_arguments_kills.py). Weights 1 + inst %% 3 (whole
# numbers from a column both sides have); Efron ties; robust sandwich without clusters.
# Run: Rscript tests/reference/lung_weights.R  (writes lung_weights_R.csv beside it)
suppressMessages(library(survival))
d <- lung
d$w <- 1 + (d$inst %% 3)
d$female <- as.numeric(d$sex == 2)
fit <- coxph(Surv(time, status == 2) ~ age + female + ph.ecog + ph.karno + wt.loss,
             data = d, weights = w, robust = TRUE, ties = "efron")
s <- summary(fit)$coefficients
out <- data.frame(term = c("age", "sex[female]", "ph.ecog", "ph.karno", "wt.loss"),
                  coef = s[, "coef"], naive_se = s[, "se(coef)"], robust_se = s[, "robust se"])
out <- rbind(out, data.frame(term = c("n", "loglik"), coef = c(fit$n, fit$loglik[2]),
                             naive_se = NA, robust_se = NA))
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
write.csv(out, file.path(here, "lung_weights_R.csv"), row.names = FALSE)
