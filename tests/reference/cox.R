# Reference Cox (Efron) fits for tests/risk/test_risk.py (R survival).  Rscript cox.R  (from tests/reference/)
# 1. Rossi recidivism (lifelines load_rossi, weekly times with many ties): coefficients, model and
#    robust (sandwich) standard errors, LR test.
# 2. Simulated releases on a 6-monthly grid, some persons released twice: cluster(person_id) robust
#    SEs, unweighted and with case weights.
library(survival)
rossi <- read.csv("cox_rossi_input.csv")
f1 <- coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, data = rossi, ties = "efron")
f1r <- coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, data = rossi, ties = "efron", robust = TRUE)
out1 <- data.frame(fit = "rossi", term = names(coef(f1)), coef = coef(f1), se = sqrt(diag(vcov(f1))),
                   robust_se = sqrt(diag(vcov(f1r))))
lr <- 2 * diff(f1$loglik)

set.seed(20170103)
n <- 500
persons <- sprintf("p%03d", sample(1:380, n, replace = TRUE))
drug <- sample(c("heroin", "methamphetamine", "ketamine"), n, replace = TRUE, prob = c(4, 5, 1))
age <- round(runif(n, 20, 60), 1)
lp <- 0.4 * (drug == "methamphetamine") - 0.3 * (drug == "ketamine") - 0.02 * (age - 40)
t_true <- rexp(n, 0.0015 * exp(lp))
cens <- sample(c(365.25, 730.5, 1095.75), n, replace = TRUE)
grid <- seq(182.625, 1095.75, by = 182.625)
time <- pmin(t_true, cens)
status <- as.integer(t_true <= cens)
time <- ifelse(status == 1, grid[findInterval(time, grid, left.open = TRUE) + 1], time)
w <- round(runif(n, 0.5, 2.5), 3)
sim <- data.frame(person_id = persons, primary_drug = drug, age = age, time = time, status = status, w = w)
write.csv(sim, "cox_cluster_input.csv", row.names = FALSE)
sim$primary_drug <- relevel(factor(sim$primary_drug), ref = "methamphetamine")
f2 <- coxph(Surv(time, status) ~ primary_drug + age, data = sim, ties = "efron", cluster = person_id)
f3 <- coxph(Surv(time, status) ~ primary_drug + age, data = sim, ties = "efron", cluster = person_id, weights = w)
out2 <- data.frame(fit = "cluster", term = names(coef(f2)), coef = coef(f2), se = sqrt(diag(f2$naive.var)),
                   robust_se = sqrt(diag(vcov(f2))))
out3 <- data.frame(fit = "cluster_weighted", term = names(coef(f3)), coef = coef(f3), se = sqrt(diag(f3$naive.var)),
                   robust_se = sqrt(diag(vcov(f3))))
write.csv(rbind(out1, out2, out3), "cox_output.csv", row.names = FALSE)
write.csv(data.frame(fit = c("rossi", "cluster", "cluster_weighted"),
                     loglik = c(f1$loglik[2], f2$loglik[2], f3$loglik[2]),
                     lr = c(lr, 2 * diff(f2$loglik), 2 * diff(f3$loglik)), df = c(7, 3, 3)),
          "cox_fit.csv", row.names = FALSE)
print(table(sim$time[sim$status == 1]))

# 3. Proportional-hazards tests: cox.zph (survival >= 3: exact score test, KM time transform)
zph <- function(fit, name) {
  z <- cox.zph(fit, transform = "km")$table
  data.frame(fit = name, term = rownames(z), chisq = z[, "chisq"], df = z[, "df"], p = z[, "p"])
}
f2n <- coxph(Surv(time, status) ~ primary_drug + age, data = sim, ties = "efron")
f3n <- coxph(Surv(time, status) ~ primary_drug + age, data = sim, ties = "efron", weights = w)
write.csv(rbind(zph(f1, "rossi"), zph(f2n, "cluster"), zph(f3n, "cluster_weighted")), "cox_zph.csv", row.names = FALSE)
