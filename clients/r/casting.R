# The casting sheet in R: RSQLite (Debian's r-cran-rsqlite) opens connections
# with extension loading on, so SELECT load_extension(...) loads theater.
#   Rscript clients/r/casting.R casting.db        (from the repository's root)
# Prints the casting sheet, role_lead(1) and role_actors(4), one value per
# line and columns separated by |, as the sqlite3 shell prints them.
library(DBI)

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1) stop("usage: Rscript clients/r/casting.R casting.db")
con <- dbConnect(RSQLite::SQLite(), args[1])
invisible(dbGetQuery(con, "SELECT load_extension('./build/theater')"))

show <- function(frame) {
  write.table(frame, sep = "|", quote = FALSE, row.names = FALSE, col.names = FALSE, na = "")
}
show(dbGetQuery(con, "SELECT * FROM casting_sheet"))
show(dbGetQuery(con, "SELECT role_lead(1)"))
show(dbGetQuery(con, "SELECT actor FROM role_actors(?)", params = list(4L)))
dbDisconnect(con)
