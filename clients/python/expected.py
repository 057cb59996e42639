"""What the recipes must return, and where the repository is."""
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]

# What sql/demo_data.sql gives: Hamlet (role 1) has auditions 1, 2 and 3, and
# 3 then 2 were called back, so the lead is audition 2 (lowest hired id).
HAMLET_LEAD = 2
NOBODY_HIRED = "no actor has been hired for this role"  # role 3, Ghost
HAMLET_AUDITIONS = [(1, "Sam Waterston", 0), (2, "Kevin Kline", 1), (3, "Ethan Hawke", 1)]
