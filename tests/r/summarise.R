# Used by tests/test_r_loader.py: load packages with read_timeline() and print one JSON document
# describing what R got, so the Python side can check it against the Table Schemas and pandas.
#
# Usage: Rscript tests/r/summarise.R R/read_timeline.R PACKAGE [PACKAGE ...]
#
# Prints {"results": [...]} with one entry per PACKAGE, in order: either
#   {"ok": true, "tables": [{"name", "class", "rows", "columns": [{"name", "class", "levels", "na", "values"}]}]}
# or {"ok": false, "error": "<the condition message of read_timeline()>"}.
# Values are JSON: Dates as "YYYY-MM-DD", factors as their labels, NA as null.

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 2L) stop("usage: Rscript summarise.R LOADER PACKAGE [PACKAGE ...]", call. = FALSE)
source(args[[1]])

describe_column <- function(name, x) {
  values <- if (inherits(x, "Date")) format(x, "%Y-%m-%d") else if (is.factor(x)) as.character(x) else x
  list(
    name = name,
    class = class(x)[[1]],
    levels = if (is.factor(x)) I(levels(x)) else NULL,
    na = sum(is.na(x)),
    values = I(values)
  )
}

describe <- function(path) {
  tryCatch({
    tables <- read_timeline(path)
    list(ok = TRUE, tables = unname(lapply(names(tables), function(n) {
      frame <- tables[[n]]
      list(name = n, class = class(frame)[[1]], rows = nrow(frame),
           columns = unname(Map(describe_column, names(frame), frame)))
    })))
  }, error = function(e) list(ok = FALSE, error = conditionMessage(e)))
}

results <- lapply(args[-1L], describe)
json <- jsonlite::toJSON(list(results = results), auto_unbox = TRUE, na = "null", null = "null", digits = NA)
# Bytes, not the session's locale: the data is UTF-8 whatever LANG says.
writeLines(enc2utf8(as.character(json)), con = stdout(), useBytes = TRUE)
