# Restricted mean references for TurnbullFitter.rmst from R survival: the rmean of
# survfit(Surv(l, u, type = "interval2") ~ 1), i.e. the area under the curve that drops each
# innermost interval's mass at its midpoint. Run from the repository root after
# tests/reference/turnbull_data.py and turnbull.R (which writes turnbull_bcdeter.csv):
#   Rscript tests/reference/turnbull_rmst.R
suppressPackageStartupMessages(library(survival))
dir <- "tests/reference"
rows <- list()
for (name in c("grid", "jitter", "mice", "diabetes", "bcdeter")) {
  d <- read.csv(file.path(dir, paste0("turnbull_", name, ".csv")))
  fit <- survfit(Surv(l, u, type = "interval2") ~ 1, data = d)
  span <- range(c(d$l, d$u[is.finite(d$u)]), na.rm = TRUE)
  for (q in c(0.25, 0.5, 0.9)) {
    tau <- round(span[1] + q * (span[2] - span[1]), 3)
    rmean <- summary(fit, rmean = tau)$table[["rmean"]]
    rows[[length(rows) + 1]] <- data.frame(data = name, tau = tau, rmean = rmean)
  }
}
out <- do.call(rbind, rows)
write.csv(out, file.path(dir, "turnbull_rmst_R.csv"), row.names = FALSE, quote = FALSE)
print(format(out, digits = 12))
