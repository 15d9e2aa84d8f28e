# Reference numbers for the randomised comparison of Rossi's financial aid (fin), as
# `workbench effects` computes it for params/examples/rossi.yaml (design: randomised):
# unadjusted Cox (Efron ties) and the arms' Kaplan-Meier RMST to day 364 (52 weeks).
# Run from the repository root: Rscript tests/reference/rossi_trial.R
library(survival)
d <- read.csv("data/examples/rossi.csv")
fit <- coxph(Surv(week * 7, arrest) ~ fin, data = d, ties = "efron")
adj <- coxph(Surv(week * 7, arrest) ~ fin + age + race + wexp + mar + paro + prio, data = d)
km <- summary(survfit(Surv(week * 7, arrest) ~ fin, data = d), rmean = 364)$table
out <- data.frame(
  quantity = c("coef", "ci_lower", "ci_upper", "coef_adjusted", "rmst_fin0", "rmst_se_fin0",
               "rmst_fin1", "rmst_se_fin1"),
  value = c(coef(fit)[["fin"]], confint(fit)[1, 1], confint(fit)[1, 2], coef(adj)[["fin"]],
            km[1, "rmean"], km[1, "se(rmean)"], km[2, "rmean"], km[2, "se(rmean)"])
)
write.csv(out, "tests/reference/rossi_trial.csv", row.names = FALSE, quote = FALSE)
print(format(out, digits = 12))
