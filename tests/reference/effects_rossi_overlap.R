# Reference numbers for the overlap-weighted comparison of a baseline 0/1 arm (effects.landmark
# WeightedEffect with landmark_day=None, the "overlap-weighted HR" beside the adjusted Cox model in
# effects_table): Rossi's data (data/examples/rossi.csv), arm `fin`, propensity by logistic
# regression on the spec's covariates, overlap weights (treated 1 - e, untreated e: no truncation),
# then the exposure-only weighted Cox model with Efron ties and the robust (sandwich) SE.
# Run: Rscript tests/reference/effects_rossi_overlap.R  (from the repository root)
library(survival)
d <- read.csv("data/examples/rossi.csv")
ps <- glm(fin ~ age + race + wexp + mar + paro + prio, family = binomial, data = d,
          control = glm.control(epsilon = 1e-14, maxit = 100))
e <- fitted(ps)
d$w <- ifelse(d$fin == 1, 1 - e, e)
f <- coxph(Surv(week, arrest) ~ fin, data = d, weights = w, robust = TRUE, ties = "efron",
           control = coxph.control(eps = 1e-12, iter.max = 100))
write.csv(data.frame(coef = unname(coef(f)), robust_se = sqrt(f$var[1, 1]),
                     naive_se = sqrt(f$naive.var[1, 1]), sum_w = sum(d$w),
                     e_first = e[1], e_last = e[nrow(d)]),
          "tests/reference/effects_rossi_overlap.csv", row.names = FALSE)
