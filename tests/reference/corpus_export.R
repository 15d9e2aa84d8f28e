# Export the real-data acceptance corpus tables from R's survival package (LGPL >= 2; the data
# sets are published study data shipped with the package) to data/corpus/<name>/<name>.csv.
# Run from the repository root:  Rscript tests/reference/corpus_export.R
# The lifelines tables (rossi, gbsg2, diabetes) are written by tests/reference/corpus_export.py.
# Columns are kept as the package has them (text factors stay text, NA is an empty cell), only
# restricted to what the specs use, so the files stay small and look like tables analysts bring.
suppressPackageStartupMessages(library(survival))
out <- "data/corpus"

write_corpus <- function(df, name) {
  dir.create(file.path(out, name), showWarnings = FALSE, recursive = TRUE)
  for (col in names(df)) if (is.factor(df[[col]])) df[[col]] <- as.character(df[[col]])
  write.csv(df, file.path(out, name, paste0(name, ".csv")), row.names = FALSE, na = "")
  cat(sprintf("%-8s %5d rows %2d columns\n", name, nrow(df), ncol(df)))
}

# veteran: VA lung cancer trial, randomised standard (trt 1) vs test (trt 2) chemotherapy; days.
write_corpus(veteran[, c("trt", "celltype", "time", "status", "karno", "diagtime", "age",
                         "prior")], "veteran")

# colon: adjuvant chemotherapy trial; death rows (etype 2), arms Obs vs Lev+5FU; days; NAs in
# nodes and differ.
colon_d <- colon[colon$etype == 2 & colon$rx != "Lev", ]
colon_d$rx <- as.character(colon_d$rx)
write_corpus(colon_d[, c("id", "rx", "sex", "age", "obstruct", "perfor", "adhere", "nodes",
                         "differ", "extent", "surg", "node4", "time", "status")], "colon")

# ovarian: randomised trial of two treatments (rx 1/2), 26 women; days.
write_corpus(ovarian[, c("futime", "fustat", "age", "resid.ds", "rx", "ecog.ps")], "ovarian")

# lung: NCCTG advanced lung cancer, observational, 18 institutions (inst, one missing); status
# 1 = censored, 2 = dead; sex as text; NAs in ph.ecog, ph.karno, pat.karno, meal.cal, wt.loss.
lung_t <- lung
lung_t$sex <- ifelse(lung$sex == 1, "male", "female")
write_corpus(lung_t[, c("inst", "time", "status", "age", "sex", "ph.ecog", "ph.karno",
                        "pat.karno", "meal.cal", "wt.loss")], "lung")

# pbc: Mayo primary biliary cirrhosis; status 0 censored, 1 liver transplant (competing),
# 2 death; trt 1 D-penicillamine / 2 placebo for the 312 trial patients (NA for the rest).
write_corpus(pbc[, c("id", "time", "status", "trt", "age", "sex", "ascites", "edema", "bili",
                     "albumin", "protime", "stage")], "pbc")

# cgd: chronic granulomatous disease trial, 13 centres, rIFN-g vs placebo; first infection
# (enum 1); days.
cgd1 <- cgd[cgd$enum == 1, ]
write_corpus(data.frame(id = cgd1$id, center = cgd1$center, treat = cgd1$treat, sex = cgd1$sex,
                        age = cgd1$age, inherit = cgd1$inherit, steroids = cgd1$steroids,
                        propylac = cgd1$propylac, time = cgd1$tstop, status = cgd1$status),
             "cgd")

# mgus2: monoclonal gammopathy, months; first of plasma-cell malignancy (pcm) or death.
etime <- with(mgus2, ifelse(pstat == 0, futime, ptime))
event <- with(mgus2, ifelse(pstat == 0, ifelse(death == 1, "death", "censored"), "pcm"))
write_corpus(data.frame(id = mgus2$id, age = mgus2$age, sex = mgus2$sex, hgb = mgus2$hgb,
                        creat = mgus2$creat, mspike = mgus2$mspike, months = etime,
                        outcome = event), "mgus2")

# heart: Stanford heart transplant (jasa1 in counting-process form); the 69 transplanted
# patients from their transplant day (delayed entry at `start`, days since acceptance) to death.
h <- heart[heart$transplant == 1, ]
write_corpus(data.frame(id = h$id, entry = h$start, stop = h$stop, event = h$event,
                        age = round(h$age + 48, 3), year = round(h$year, 4),
                        surgery = h$surgery), "heart")

writeLines(c(R.version.string, paste("survival", packageVersion("survival"))),
           file.path("tests/reference", "corpus_R_versions.txt"))
