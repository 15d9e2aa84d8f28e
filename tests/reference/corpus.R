# Reference numbers for the real-data acceptance corpus (tests/test_corpus.py), from R survival.
# Run from the repository root after corpus_export.R / corpus_export.py:
#   Rscript tests/reference/corpus.R
# Reads data/corpus/<name>/<name>.csv and tests/reference/corpus_plan.csv (the CLI's --by, --at,
# --horizon and --strata per dataset) and writes tests/reference/corpus_R.csv, one number a row:
#   dataset, section, group, key, stat, value
# sections: milestone (key = months; estimate/lower/upper, log-log CI), median (days/lower/upper),
# rmst (key = horizon days; estimate/se, R summary(survfit, rmean = tau)), cox and cox_strata
# (key = term; coef/se/robust_se, Efron ties, robust = TRUE), zph (key = term; chisq/p,
# cox.zph transform "km"), cif (key = cause@months; estimate/lower/upper, multi-state survfit),
# npmle (loglik of survfit(Surv(l, u, type = "interval2"))).
# Every analysis uses the complete cases over the columns the spec uses (arms, covariates,
# strata), as the spec loader does (`missing: complete_case`).
# Times are converted to days as the specs do (weeks x 7, months x 365.25/12, years x 365.25).
# A milestone past the last follow-up time but within one recording unit of it is evaluated at
# the last follow-up time (the workbench's documented rule), e.g. Rossi's 12 months at day 364.
suppressPackageStartupMessages(library(survival))
DPM <- 365.25 / 12
plan <- read.csv("tests/reference/corpus_plan.csv", colClasses = "character")
rows <- list()
add <- function(dataset, section, group, key, stat, value) {
  rows[[length(rows) + 1]] <<- data.frame(dataset = dataset, section = section, group = group,
                                          key = as.character(key), stat = stat,
                                          value = as.numeric(value))
}
read_corpus <- function(name) {
  read.csv(file.path("data/corpus", name, paste0(name, ".csv")), stringsAsFactors = FALSE,
           na.strings = "", check.names = FALSE)
}

# Dummy columns named as workbench.risk.design_matrix names them: numeric columns as they are,
# text columns one 0/1 column "var[level]" per level against the most frequent level (ties: the
# first in sorted order).
design <- function(d, covs) {
  out <- list()
  for (v in covs) {
    x <- d[[v]]
    if (is.numeric(x)) { out[[v]] <- x; next }
    tab <- table(x)
    ref <- names(tab)[which.max(tab)]
    for (lv in sort(setdiff(names(tab), ref))) out[[paste0(v, "[", lv, "]")]] <- as.numeric(x == lv)
  }
  as.data.frame(out, check.names = FALSE)
}
# The same covariates as factors with the reference level first (for cox.zph per variable).
as_factors <- function(d, covs) {
  out <- d[, covs, drop = FALSE]
  for (v in covs) if (!is.numeric(out[[v]])) {
    tab <- table(out[[v]])
    ref <- names(tab)[which.max(tab)]
    out[[v]] <- factor(out[[v]], levels = c(ref, sort(setdiff(names(tab), ref))))
  }
  out
}

km_refs <- function(name, d, unit_days, by, at, horizon) {
  groups <- if (by == "") list(all = rep(TRUE, nrow(d))) else split(seq_len(nrow(d)), d$group)
  for (g in names(groups)) {
    s <- if (by == "") d else d[groups[[g]], ]
    fit <- if (is.null(s$entry)) survfit(Surv(time, event == 1) ~ 1, data = s, conf.type = "log-log")
           else survfit(Surv(entry, time, event == 1) ~ 1, data = s, conf.type = "log-log")
    last <- max(s$time)
    for (m in at) {
      day <- m * DPM
      if (day > last && day <= last + unit_days) day <- last
      if (day > last) next
      sm <- summary(fit, times = day, extend = TRUE)
      add(name, "milestone", g, m, "estimate", sm$surv)
      add(name, "milestone", g, m, "lower", sm$lower)
      add(name, "milestone", g, m, "upper", sm$upper)
    }
    tab <- summary(fit)$table
    add(name, "median", g, "", "days", tab[["median"]])
    add(name, "median", g, "", "lower", tab[["0.95LCL"]])
    add(name, "median", g, "", "upper", tab[["0.95UCL"]])
    if (!is.na(horizon)) {
      rt <- summary(fit, rmean = horizon)$table
      add(name, "rmst", g, horizon, "estimate", rt[["rmean"]])
      add(name, "rmst", g, horizon, "se", rt[["se(rmean)"]])
    }
  }
}

cox_refs <- function(name, d, covs, strata = NULL) {
  X <- design(d, covs)
  keep <- complete.cases(X) & (if (is.null(strata)) TRUE else !is.na(d[[strata]]))
  X <- X[keep, , drop = FALSE]
  s <- d[keep, ]
  y <- if (is.null(s$entry)) Surv(s$time, s$event == 1) else Surv(s$entry, s$time, s$event == 1)
  section <- if (is.null(strata)) "cox" else "cox_strata"
  rid <- seq_len(nrow(X))  # one row per person: robust = TRUE's per-row dfbeta
  fit <- if (is.null(strata)) coxph(y ~ ., data = X, ties = "efron", robust = TRUE, id = rid)
         else coxph(y ~ . - st + strata(st), data = cbind(X, st = s[[strata]]), ties = "efron",
                    robust = TRUE, id = rid)
  terms <- names(X)
  add(name, section, "all", terms, "coef", coef(fit))
  add(name, section, "all", terms, "se", sqrt(diag(fit$naive.var)))
  add(name, section, "all", terms, "robust_se", sqrt(diag(fit$var)))
  add(name, section, "all", "", "n", fit$n)
  add(name, section, "all", "", "loglik", fit$loglik[2])
  if (is.null(s$entry)) {
    F <- as_factors(s, covs)
    ffit <- if (is.null(strata)) coxph(y ~ ., data = F, ties = "efron")
            else coxph(y ~ . - st + strata(st), data = cbind(F, st = s[[strata]]), ties = "efron")
    stopifnot(max(abs(coef(ffit) - coef(fit))) < 1e-8)
    z <- cox.zph(ffit, transform = "km", terms = TRUE)$table
    add(name, paste0(section, "_zph"), "all", rownames(z), "chisq", z[, "chisq"])
    add(name, paste0(section, "_zph"), "all", rownames(z), "p", z[, "p"])
  }
}

cif_refs <- function(name, d, at, causes) {
  fit <- survfit(Surv(time, factor(event, 0:2, c("censor", causes))) ~ 1, data = d)
  for (m in at) {
    sm <- summary(fit, times = m * DPM, extend = TRUE)
    for (k in 1:2) {
      add(name, "cif", "all", paste0(causes[k], "@", m), "estimate", sm$pstate[1, k + 1])
      add(name, "cif", "all", paste0(causes[k], "@", m), "lower", sm$lower[1, k + 1])
      add(name, "cif", "all", paste0(causes[k], "@", m), "upper", sm$upper[1, k + 1])
    }
  }
}

# R's NPMLE masses (at its drop times; any remainder beyond the data) evaluated with the
# workbench's likelihood: (l, u] open on the left, l == u the point u (tests/retention/test_turnbull.py
# does the same with workbench.stats.npmle.interval_loglik).
npmle_loglik <- function(l, u) {
  fit <- survfit(Surv(l, u, type = "interval2") ~ 1)
  time <- c(fit$time, Inf)
  mass <- c(-diff(c(1, fit$surv)), tail(fit$surv, 1))
  uu <- ifelse(is.na(u), Inf, u)
  lik <- vapply(seq_along(l), function(i) {
    inside <- if (l[i] == uu[i]) time == l[i] else time > l[i] & time <= uu[i]
    sum(mass[inside])
  }, 0)
  sum(log(lik))
}

with_group <- function(d, p, raw) {
  if (p$by != "") {
    g <- as.character(raw[[p$by]])
    if (p$by_map != "") {
      pairs <- strsplit(strsplit(p$by_map, ";")[[1]], "=")
      map <- setNames(vapply(pairs, `[`, "", 2), vapply(pairs, `[`, "", 1))
      g <- unname(map[g])
    }
    d$group <- g
  }
  d
}

arm01 <- function(x, treated) as.numeric(as.character(x) %in% treated)
for (i in seq_len(nrow(plan))) {
  p <- plan[i, ]; message(p$name)
  name <- p$name
  raw <- read_corpus(name)
  at <- as.numeric(strsplit(p$at, ";")[[1]])
  horizon <- as.numeric(p$horizon)
  unit <- 1
  covs <- NULL
  cif_causes <- NULL
  if (name == "veteran") {
    d <- data.frame(time = raw$time, event = raw$status, trt = arm01(raw$trt, 2))
    d <- cbind(d, raw[, c("celltype", "karno", "diagtime", "age", "prior")])
    covs <- c("trt", "celltype", "karno", "diagtime", "age", "prior")
  } else if (name == "colon") {
    d <- data.frame(time = raw$time, event = raw$status, rx = arm01(raw$rx, "Lev+5FU"))
    d <- cbind(d, raw[, c("sex", "age", "obstruct", "nodes", "differ", "extent")])
    covs <- c("rx", "sex", "age", "obstruct", "nodes", "differ", "extent")
  } else if (name == "ovarian") {
    d <- data.frame(time = raw$futime, event = raw$fustat, rx = arm01(raw$rx, 2))
    d <- cbind(d, raw[, c("age", "ecog.ps", "resid.ds")])
    covs <- c("rx", "age", "ecog.ps", "resid.ds")
  } else if (name == "rossi") {
    unit <- 7
    d <- cbind(data.frame(time = raw$week * 7, event = raw$arrest), raw[, -(1:2)])
    covs <- c("fin", "age", "race", "wexp", "mar", "paro", "prio")
  } else if (name == "lung") {
    d <- data.frame(time = raw$time, event = as.numeric(raw$status == 2))
    d <- cbind(d, raw[, c("inst", "age", "sex", "ph.ecog", "ph.karno", "wt.loss")])
    covs <- c("age", "sex", "ph.ecog", "ph.karno", "wt.loss")
  } else if (name == "pbc") {
    d <- data.frame(time = raw$time, event = c(0, 2, 1)[raw$status + 1],
                    trt = ifelse(is.na(raw$trt), NA, arm01(raw$trt, 1)))
    d <- cbind(d, raw[, c("age", "sex", "bili", "albumin", "protime", "edema")])
    covs <- c("trt", "age", "sex", "bili", "albumin", "protime", "edema")
    cif_causes <- c("event", "competing")  # death; transplant
  } else if (name == "cgd") {
    d <- data.frame(time = raw$time, event = raw$status, treat = arm01(raw$treat, "rIFN-g"))
    d <- cbind(d, raw[, c("center", "sex", "age", "inherit", "steroids", "propylac")])
    covs <- c("treat", "sex", "age", "inherit", "steroids", "propylac")
  } else if (name == "mgus2") {
    unit <- DPM
    d <- data.frame(time = raw$months * DPM,
                    event = c(censored = 0, pcm = 1, death = 2)[raw$outcome])
    d <- cbind(d, raw[, c("age", "sex", "hgb", "creat", "mspike")])
    covs <- c("age", "sex", "hgb", "creat", "mspike")
    cif_causes <- c("event", "competing")  # pcm; death
  } else if (name == "heart") {
    d <- data.frame(entry = raw$entry, time = raw$stop, event = raw$event)
    d <- cbind(d, raw[, c("age", "year", "surgery")])
    covs <- c("age", "year", "surgery")
  } else if (name == "gbsg2") {
    d <- data.frame(time = raw$time, event = raw$cens, horTh = arm01(raw$horTh, "yes"))
    d <- cbind(d, raw[, c("age", "menostat", "tsize", "tgrade", "pnodes", "progrec", "estrec")])
    covs <- c("horTh", "age", "menostat", "tsize", "tgrade", "pnodes", "progrec", "estrec")
  } else if (name == "diabetes") {
    l <- raw$left * 365.25
    u <- raw$right * 365.25
    add(name, "npmle", "all", "", "loglik", npmle_loglik(l, u))
    for (g in sort(unique(raw$gender))) {
      k <- raw$gender == g
      add(name, "npmle", g, "", "loglik", npmle_loglik(l[k], u[k]))
    }
    next
  }
  d <- with_group(d, p, raw)
  # complete cases over every column the spec uses (arms, covariates, strata): the spec loader
  # leaves those rows out of every analysis
  used <- c(covs, if (p$strata != "") p$strata)
  keep <- complete.cases(d[, used])
  d <- d[keep, ]
  if (!is.null(cif_causes)) cif_refs(name, d, at, cif_causes)
  km_refs(name, d, unit, p$by, at, horizon)
  cox_refs(name, d, covs)
  if (p$strata != "") cox_refs(name, d, covs, strata = p$strata)
}
out <- do.call(rbind, rows)
write.csv(out, "tests/reference/corpus_R.csv", row.names = FALSE)
cat(sprintf("%d reference numbers for %d datasets\n", nrow(out), length(unique(out$dataset))))
writeLines(c(R.version.string, paste("survival", packageVersion("survival"))),
           "tests/reference/corpus_R_versions.txt")
