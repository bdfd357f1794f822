library(testthat)
library(karabakhtimeline)

test_check("karabakhtimeline")
