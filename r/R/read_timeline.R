# Load the karabakh-timeline data package into R: one data frame per table, typed as its Table
# Schema says. Needs only R with jsonlite and readr.
#
#   library(karabakhtimeline)          # R CMD INSTALL r   (or: source("r/R/read_timeline.R"))
#   tl <- read_timeline("path/to/package")   # a directory or its datapackage.json
#   str(tl$events)
#
# Column types come from schemas/*.json at run time (no column list is restated here):
#   date -> Date, integer -> integer, number -> double, boolean -> logical,
#   string -> character, any field with an `enum` constraint -> factor(levels = enum, in order).
# Cells equal to one of the schema's `missingValues` (default "") are NA. Text is kept byte for
# byte (no trimming). Anything that cannot be typed faithfully stops with an error naming the
# table, the CSV line (header = line 1), the field and the value -- never a silent NA.
#
# Every object this file defines other than read_timeline() starts with a dot, so source()
# adds a single visible name to the caller's workspace.

.kt_stop <- function(...) {
  stop(paste0("read_timeline: ", ...), call. = FALSE)
}

# Same lexical forms as the Python loader (src/karabakh_timeline/cells.py): readr's own
# collectors are more lenient (they accept " 1", "2020-1-5", and match factor level "a" to " a"),
# so cells are read as text and typed here, where every refusal is reported.
.kt_integer_re <- "^[+-]?[0-9]{1,18}$"
.kt_number_re <- "^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?$|^(NaN|INF|-INF)$"
.kt_date_re <- "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# The reading contract's strict CSV grammar (src/karabakh_timeline/read/contract.py, STRICT_CSV), with
# possessive repeats so that PCRE never backtracks: a file outside it is refused, as the Python
# readers refuse it (readr alone would read "Shu"sha as Shusha).
.kt_field_re <- "(?:\"(?:[^\"]|\"\")*+\"|[^\",\\r\\n][^,\\r\\n]*+|)"
.kt_record_re <- paste0(.kt_field_re, "(?:,", .kt_field_re, ")*+")
.kt_url_re <- "^[A-Za-z][A-Za-z0-9+.-]*://"
.kt_types <- c("string", "integer", "number", "date", "boolean")

# Resolve `path` (a directory or a datapackage.json) to the descriptor file.
.kt_descriptor_path <- function(path) {
  if (!is.character(path) || length(path) != 1L || is.na(path)) {
    .kt_stop("`path` must be one directory or datapackage.json path")
  }
  if (grepl(.kt_url_re, path)) {
    .kt_stop(path, " is a URL; give a local directory or datapackage.json")
  }
  file <- if (dir.exists(path)) file.path(path, "datapackage.json") else path
  if (!file.exists(file) || dir.exists(file)) {
    .kt_stop("no data package at ", path, " (", file, " not found)")
  }
  file
}

# A path from the descriptor, checked to stay inside the package, joined to the package root.
.kt_safe_path <- function(root, rel, resource, what) {
  if (!is.character(rel) || length(rel) != 1L || is.na(rel) || !nzchar(rel)) {
    .kt_stop("resource '", resource, "': ", what, " must be a relative path string")
  }
  if (grepl(.kt_url_re, rel)) {
    .kt_stop("resource '", resource, "': ", what, " ", rel, " is a URL; remote data is never fetched")
  }
  parts <- strsplit(rel, "[/\\\\]")[[1]]
  if (grepl("^([/\\\\]|[A-Za-z]:)", rel) || ".." %in% parts) {
    .kt_stop("resource '", resource, "': ", what, " ", rel, " must be relative and stay inside the package (no absolute path, no '..')")
  }
  file <- file.path(root, rel)
  if (!file.exists(file) || dir.exists(file)) {
    .kt_stop("resource '", resource, "': ", what, " ", rel, " not found (", file, ")")
  }
  # A symlink may still lead outside the package.
  inside <- normalizePath(root, winslash = "/", mustWork = TRUE)
  real <- normalizePath(file, winslash = "/", mustWork = TRUE)
  if (!startsWith(real, paste0(sub("/$", "", inside), "/"))) {
    .kt_stop("resource '", resource, "': ", what, " ", rel, " resolves outside the package (", real, ")")
  }
  file
}

.kt_read_json <- function(file) {
  tryCatch(
    jsonlite::fromJSON(file, simplifyVector = FALSE),
    error = function(e) .kt_stop(file, " is not valid JSON: ", conditionMessage(e))
  )
}

# The resource's Table Schema: an inline object, or a relative path to a JSON file.
.kt_schema <- function(resource, root, name) {
  schema <- resource$schema
  if (is.character(schema)) {
    schema <- .kt_read_json(.kt_safe_path(root, schema, name, "schema"))
  }
  if (!is.list(schema) || !is.list(schema$fields) || length(schema$fields) == 0L) {
    .kt_stop("resource '", name, "': schema must be an object (or a path to one) with a non-empty list of fields")
  }
  for (f in schema$fields) {
    if (!is.character(f$name) || length(f$name) != 1L) {
      .kt_stop("resource '", name, "': every schema field needs a name")
    }
    type <- if (is.null(f$type)) "string" else f$type
    if (!type %in% .kt_types) {
      .kt_stop("resource '", name, "': field ", f$name, " has type '", type, "'; this loader reads ", paste(.kt_types, collapse = ", "))
    }
    if (type == "date" && !is.null(f$format) && !identical(f$format, "default")) {
      .kt_stop("resource '", name, "': field ", f$name, " has date format '", f$format, "'; only the default (YYYY-MM-DD) is supported")
    }
    if (type == "number" && (!is.null(f$decimalChar) || !is.null(f$groupChar) || identical(f$bareNumber, FALSE))) {
      .kt_stop("resource '", name, "': field ", f$name, " sets decimalChar, groupChar or bareNumber, which this loader does not support")
    }
  }
  schema
}

# Refuse a CSV dialect we would misread; the package uses plain RFC 4180 CSV.
.kt_check_dialect <- function(dialect, name) {
  if (is.null(dialect)) return(invisible())
  defaults <- list(delimiter = ",", quoteChar = "\"", doubleQuote = TRUE, header = TRUE, skipInitialSpace = FALSE)
  for (key in names(dialect)) {
    if (key %in% names(defaults) && !identical(dialect[[key]], defaults[[key]])) {
      .kt_stop("resource '", name, "': dialect ", key, " = ", format(dialect[[key]]), " is not supported (plain CSV only)")
    }
  }
}

# Type one text column as its schema field says. Returns list(value, bad) where bad marks cells
# that are present but cannot be typed.
.kt_convert <- function(text, field) {
  type <- if (is.null(field$type)) "string" else field$type
  present <- !is.na(text)
  enum <- field$constraints$enum
  if (!is.null(enum)) {
    levels <- vapply(enum, function(v) as.character(v), character(1))
    return(list(value = factor(text, levels = levels), bad = present & !(text %in% levels),
                expected = paste0("one of ", paste(levels, collapse = ", "))))
  }
  switch(type,
    string = list(value = text, bad = logical(length(text)), expected = "text"),
    integer = {
      ok <- grepl(.kt_integer_re, text)
      big <- suppressWarnings(as.numeric(ifelse(ok, text, NA)))
      fits <- ok & !is.na(big) & abs(big) <= .Machine$integer.max
      value <- rep(NA_integer_, length(text))
      value[fits] <- as.integer(big[fits])
      expected <- "an integer (digits, optional sign) within R's 32-bit integer range"
      list(value = value, bad = present & !fits, expected = expected)
    },
    number = {
      ok <- grepl(.kt_number_re, text)
      value <- rep(NA_real_, length(text))
      value[ok] <- as.numeric(text[ok])  # R reads INF, -INF and NaN as Inf, -Inf, NaN
      list(value = value, bad = present & !ok, expected = "a number")
    },
    date = {
      ok <- grepl(.kt_date_re, text)
      value <- as.Date(rep(NA_character_, length(text)))
      value[ok] <- as.Date(text[ok], format = "%Y-%m-%d")
      ok <- ok & !is.na(value) & format(value, "%Y-%m-%d") == text  # 2023-02-30 is not a day
      ok <- ok & substr(text, 1L, 4L) != "0000"  # years 0001-9999, as in the Python loader (read/contract.py)
      value[!ok] <- NA
      list(value = value, bad = present & !ok, expected = "a date (YYYY-MM-DD)")
    },
    boolean = {
      true <- unlist(if (is.null(field$trueValues)) list("true", "True", "TRUE", "1") else field$trueValues)
      false <- unlist(if (is.null(field$falseValues)) list("false", "False", "FALSE", "0") else field$falseValues)
      value <- ifelse(text %in% true, TRUE, ifelse(text %in% false, FALSE, NA))
      list(value = value, bad = present & !(text %in% c(true, false)), expected = "a boolean")
    }
  )
}

# Physical CSV line of each record (header = line 1), counting newlines inside quoted cells.
.kt_lines <- function(frame) {
  breaks <- integer(nrow(frame))
  for (column in frame) {
    column[is.na(column)] <- ""
    breaks <- breaks + nchar(column, type = "bytes") - nchar(gsub("\n", "", column, fixed = TRUE), type = "bytes")
  }
  2L + seq_len(nrow(frame)) - 1L + c(0L, cumsum(breaks))[seq_len(nrow(frame))]
}

.kt_fail <- function(name, rel, messages) {
  shown <- utils::head(messages, 20L)
  more <- if (length(messages) > length(shown)) paste0("\n  ... and ", length(messages) - length(shown), " more") else ""
  .kt_stop("resource '", name, "' (", rel, "): ", length(messages), " problem(s):\n  ",
           paste(shown, collapse = "\n  "), more)
}

# Stop, naming the line, when the file's bytes are outside the strict CSV grammar.
.kt_check_grammar <- function(file, rel, name, encoding) {
  text <- readChar(file, file.size(file), useBytes = TRUE)
  if (!identical(toupper(encoding), "UTF-8")) text <- iconv(text, encoding, "UTF-8")
  text <- sub("^\xef\xbb\xbf", "", text, useBytes = TRUE)
  records <- paste0("^(?:", .kt_record_re, "\r?\n)*+")
  if (grepl(paste0(records, "(?:", .kt_record_re, ")?\\z"), text, perl = TRUE, useBytes = TRUE)) return(invisible())
  good <- regmatches(text, regexpr(records, text, perl = TRUE, useBytes = TRUE))
  line <- nchar(good, type = "bytes") - nchar(gsub("\n", "", good, fixed = TRUE, useBytes = TRUE), type = "bytes") + 1L
  .kt_stop("resource '", name, "' (", rel, "): line ", line, ": CSV cannot be parsed from here on ",
           "(text after a closing quote, a quote never closed, or a bare CR)")
}

# Read one CSV file of a resource as text, checking header and structure.
.kt_read_csv <- function(file, rel, name, field_names, na, encoding) {
  if (file.size(file) == 0) {
    .kt_stop("resource '", name, "' (", rel, "): the file is empty (no header)")
  }
  .kt_check_grammar(file, rel, name, encoding)
  # Every column is read as text: the spec is explicit, so readr never guesses a type.
  spec <- do.call(readr::cols, c(stats::setNames(lapply(field_names, function(n) readr::col_character()), field_names),
                                 list(.default = readr::col_character())))
  frame <- withCallingHandlers(
    readr::read_csv(file, col_names = TRUE, col_types = spec, na = na, trim_ws = FALSE,
                    quote = "\"", comment = "", skip_empty_rows = FALSE,
                    locale = readr::locale(encoding = encoding), name_repair = "minimal",
                    progress = FALSE, show_col_types = FALSE, lazy = FALSE),
    # readr warns on problems; they are collected and raised below instead.
    warning = function(w) if (grepl("parsing issues|named parsers", conditionMessage(w))) invokeRestart("muffleWarning")
  )
  found <- names(frame)
  if (!identical(found, field_names)) {
    detail <- c(
      if (length(setdiff(field_names, found))) paste0("missing column(s): ", paste(setdiff(field_names, found), collapse = ", ")),
      if (length(setdiff(found, field_names))) paste0("unexpected column(s): ", paste(setdiff(found, field_names), collapse = ", ")),
      if (anyDuplicated(found)) paste0("duplicate column(s): ", paste(unique(found[duplicated(found)]), collapse = ", "))
    )
    if (!length(detail)) detail <- "columns are not in the schema's order"
    .kt_stop("resource '", name, "' (", rel, "): header does not match the schema's field names: ",
             paste(detail, collapse = "; "), "\n  expected: ", paste(field_names, collapse = ","),
             "\n  found:    ", paste(found, collapse = ","))
  }
  problems <- readr::problems(frame)
  if (nrow(problems) > 0L) {
    .kt_fail(name, rel, sprintf("readr row %d, column %d: expected %s, found %s",
                                problems$row, problems$col, problems$expected, problems$actual))
  }
  frame
}

# Read one resource into a typed data.frame.
.kt_read_resource <- function(resource, root) {
  name <- resource$name
  if (!is.character(name) || length(name) != 1L || !nzchar(name)) {
    .kt_stop("every resource needs a name")
  }
  if (is.null(resource$path)) {
    .kt_stop("resource '", name, "' has no path (inline data is not supported)")
  }
  schema <- .kt_schema(resource, root, name)
  .kt_check_dialect(resource$dialect, name)
  fields <- schema$fields
  field_names <- vapply(fields, function(f) f$name, character(1))
  na <- if (is.null(schema$missingValues)) "" else vapply(schema$missingValues, as.character, character(1))
  encoding <- if (is.null(resource$encoding)) "UTF-8" else resource$encoding
  paths <- unlist(resource$path)  # a Data Package path may list several files of one table
  pieces <- lapply(paths, function(rel) {
    file <- .kt_safe_path(root, rel, name, "path")
    text <- .kt_read_csv(file, rel, name, field_names, na, encoding)
    typed <- lapply(fields, function(f) .kt_convert(text[[f$name]], f))
    bad <- vapply(typed, function(t) any(t$bad), logical(1))
    blank <- if (nrow(text)) Reduce(`&`, lapply(text, is.na)) else logical()
    if (any(bad) || any(blank)) {
      lines <- .kt_lines(text)
      messages <- c(
        if (any(blank)) sprintf("line %d: a row with no values", lines[blank]),
        unlist(lapply(which(bad), function(i) {
          hit <- which(typed[[i]]$bad)
          sprintf("line %d, field %s: '%s' is not %s", lines[hit], field_names[i], text[[field_names[i]]][hit], typed[[i]]$expected)
        }))
      )
      .kt_fail(name, rel, messages)
    }
    as.data.frame(stats::setNames(lapply(typed, `[[`, "value"), field_names), stringsAsFactors = FALSE,
                  optional = TRUE)
  })
  frame <- if (length(pieces) == 1L) pieces[[1]] else do.call(rbind, pieces)
  rownames(frame) <- NULL
  frame
}

#' Read the karabakh-timeline data package as a named list of data frames.
#'
#' @param path A package directory or its datapackage.json (default: the working directory).
#' @return A named list of base-R data.frames, one per resource, in descriptor order.
read_timeline <- function(path = ".") {
  for (pkg in c("jsonlite", "readr")) {
    if (!requireNamespace(pkg, quietly = TRUE)) {
      .kt_stop("needs the R package ", pkg, ": install.packages(\"", pkg, "\") or apt-get install r-cran-", pkg)
    }
  }
  descriptor_file <- .kt_descriptor_path(path)
  root <- dirname(descriptor_file)
  descriptor <- .kt_read_json(descriptor_file)
  resources <- descriptor$resources
  if (!is.list(resources) || length(resources) == 0L) {
    .kt_stop(descriptor_file, " has no resources")
  }
  tables <- lapply(resources, .kt_read_resource, root = root)
  names(tables) <- vapply(resources, function(r) r$name, character(1))
  tables
}
