# The package's own tiny fixture (r/inst/extdata/mini, written by scripts/make_synthetic.py 4 and kept
# current by the Python test suite) and defects made from it in a temporary copy.

mini <- function() system.file("extdata", "mini", package = "karabakhtimeline")

copy_mini <- function() {
  dir <- file.path(tempfile("kt"), "pkg")
  dir.create(dir, recursive = TRUE)
  file.copy(list.files(mini(), full.names = TRUE), dir, recursive = TRUE)
  dir
}

test_that("every resource is read, in descriptor order", {
  tl <- read_timeline(mini())
  descriptor <- jsonlite::fromJSON(file.path(mini(), "datapackage.json"), simplifyVector = FALSE)
  expect_identical(names(tl), vapply(descriptor$resources, function(r) r$name, character(1)))
  expect_identical(nrow(tl$events), 4L)
  expect_true(all(vapply(tl, is.data.frame, logical(1))))
})

test_that("columns are typed from the Table Schemas", {
  tl <- read_timeline(file.path(mini(), "datapackage.json"))
  expect_s3_class(tl$events$date_start, "Date")
  expect_type(tl$events$fatalities_best, "integer")
  expect_type(tl$places$latitude, "double")
  expect_type(tl$publishers$state_controlled, "logical")
  expect_type(tl$events$title, "character")
  schema <- jsonlite::fromJSON(file.path(mini(), "schemas", "events.json"), simplifyVector = FALSE)
  enum <- Filter(function(f) f$name == "verification", schema$fields)[[1]]$constraints$enum
  expect_identical(levels(tl$events$verification), unlist(enum))
})

test_that("empty cells are NA and text is not trimmed", {
  tl <- read_timeline(mini())
  expect_true(all(is.na(tl$events$date_end[tl$events$date_precision == "day" & !grepl("/", tl$events$date_edtf)])))
  expect_false(any(grepl("^ | $", tl$events$summary)))
})

test_that("a cell that cannot be typed stops the load with its line, field and value", {
  dir <- copy_mini()
  path <- file.path(dir, "data", "events.csv")
  lines <- readLines(path, encoding = "UTF-8")
  lines[3] <- sub(",[0-9]{4}-[0-9]{2}-[0-9]{2},", ",2020-13-01,", lines[3])
  writeLines(lines, path, useBytes = TRUE)
  expect_error(read_timeline(dir), "line 3, field date_start: '2020-13-01'")
})

test_that("paths outside the package and URLs are refused, never fetched", {
  dir <- copy_mini()
  descriptor <- jsonlite::fromJSON(file.path(dir, "datapackage.json"), simplifyVector = FALSE)
  descriptor$resources[[1]]$path <- "../outside.csv"
  jsonlite::write_json(descriptor, file.path(dir, "datapackage.json"), auto_unbox = TRUE)
  expect_error(read_timeline(dir), "stay inside the package")
  expect_error(read_timeline("https://example.org/datapackage.json"), "is a URL")
  expect_error(read_timeline(file.path(tempdir(), "no-such-package")), "no data package")
})
