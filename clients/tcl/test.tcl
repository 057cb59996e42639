#!/usr/bin/env tclsh
# Recipe test: Tcl through Debian's libsqlite3-tcl (package require sqlite3).
# Run from the repository's root:  tclsh clients/tcl/test.tcl
set failures 0
proc check {what actual expected} {
    if {$actual ne $expected} {
        puts stderr "FAIL tcl: $what\n  expected: $expected\n  actual:   $actual"
        incr ::failures
    }
}

set tmp [exec mktemp -d]
set path [file join $tmp casting.db]

# --- recipe (clients/README.md, "Tcl") ---
package require sqlite3
sqlite3 db $path
db enable_load_extension 1
db eval {SELECT load_extension('./build/theater')}
db enable_load_extension 0

set f [open sql/demo_data.sql]
db eval [read $f]
close $f

set lead [db onecolumn {SELECT role_lead(1)}]
set auditions [db eval {SELECT id, actor, hired FROM role_auditions(1)}]
# --- end of recipe ---

check "role_lead(1)" $lead 2
check "role_auditions(1)" $auditions {1 {Sam Waterston} 0 2 {Kevin Kline} 1 3 {Ethan Hawke} 1}
check "role_lead(3)" [db onecolumn {SELECT role_lead(3)}] "no actor has been hired for this role"
# Extension loading is off again: SQL cannot load another library.
check "load_extension() refused after the recipe" \
    [catch {db eval {SELECT load_extension('./build/theater')}} msg] 1

db close
file delete -force $tmp
if {$failures} { exit 1 }
puts "ok tcl [info patchlevel] (sqlite3 package [package present sqlite3]): role_lead(1) = $lead, role_auditions(1) = [expr {[llength $auditions] / 3}] rows"
