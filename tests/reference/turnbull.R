# Turnbull NPMLE references from R survival: survfit(Surv(l, u, type = "interval2") ~ 1).
# Run from the repository root after tests/reference/turnbull_data.py:
#   Rscript tests/reference/turnbull.R
# For each data set writes turnbull_<name>_R.csv: time (R draws each drop at the midpoint of
# an innermost interval), surv (S after the drop) and mass (the drop). bcdeter (KMsurv) is
# written out as turnbull_bcdeter.csv for Python to fit.
suppressPackageStartupMessages({library(survival); library(KMsurv)})
dir <- "tests/reference"
data(bcdeter)
write.csv(data.frame(l = bcdeter$lower, u = bcdeter$upper), file.path(dir, "turnbull_bcdeter.csv"),
          row.names = FALSE, na = "")
for (name in c("grid", "jitter", "mice", "diabetes", "bcdeter")) {
  d <- read.csv(file.path(dir, paste0("turnbull_", name, ".csv")))
  t0 <- proc.time()[["elapsed"]]
  fit <- survfit(Surv(l, u, type = "interval2") ~ 1, data = d)
  secs <- proc.time()[["elapsed"]] - t0
  out <- data.frame(time = fit$time, surv = fit$surv, mass = -diff(c(1, fit$surv)))
  write.csv(out, file.path(dir, paste0("turnbull_", name, "_R.csv")), row.names = FALSE)
  cat(sprintf("%s: n = %d, %d time points, %.2f s\n", name, nrow(d), nrow(out), secs))
}
writeLines(c(R.version.string, paste("survival", packageVersion("survival")),
             paste("KMsurv", packageVersion("KMsurv"))), file.path(dir, "turnbull_R_versions.txt"))
