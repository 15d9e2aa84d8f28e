# Schoenfeld's (1983) number of events for a two-sided log-rank / Cox test of a hazard ratio,
# D = (qnorm(1 - alpha/2) + qnorm(power))^2 / (p (1 - p) log(HR)^2), in plain R arithmetic
# (powerSurvEpi is not packaged for Debian). Checked against workbench.studies.power by
# tests/studies/test_power.py, which reads schoenfeld_events.csv (CI may run without R).
# Run from tests/reference/: Rscript schoenfeld.R (writes schoenfeld_events.csv)
grid <- expand.grid(hr = c(0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 1.25),
                    share = c(0.2, 0.3, 0.5),
                    power = c(0.8, 0.9),
                    alpha = c(0.05, 0.01))
grid$events <- (qnorm(1 - grid$alpha / 2) + qnorm(grid$power))^2 /
  (grid$share * (1 - grid$share) * log(grid$hr)^2)
write.csv(grid, "schoenfeld_events.csv", row.names = FALSE)
# The textbook figure from Schoenfeld's formula: HR 2 (or 0.5), equal allocation, alpha 0.05
# two-sided, 90 % power needs 88 events (87.5 rounded up).
cat(sprintf("HR 0.5, p 0.5, 90%%: %.1f events\n",
            (qnorm(0.975) + qnorm(0.9))^2 / (0.25 * log(0.5)^2)))
