"""The measured pairs: each extension query beside the hand-written SQL a
careful user would write for the same answer. Columns are aliased c1, c2...
so the timing wrapper can count them."""

LEAD_HAND = ("SELECT coalesce((SELECT id FROM auditions WHERE role_id = r.id AND hired = 1 ORDER BY id LIMIT 1),"
             " 'no actor has been hired for this role') AS c1 FROM roles r ORDER BY r.id")
UNDERSTUDY_HAND = ("SELECT coalesce((SELECT id FROM auditions WHERE role_id = r.id AND hired = 1 ORDER BY id"
                   " LIMIT 1 OFFSET 1), 'no actor has been hired for understudy for this role') AS c1"
                   " FROM roles r ORDER BY r.id")

CASTING_CORRELATED = """
SELECT r.id AS c1, r.character_name AS c2, l.id AS c3, l.actor AS c4, u.id AS c5, u.actor AS c6
FROM roles r
LEFT JOIN auditions l ON l.id = (SELECT id FROM auditions WHERE role_id = r.id AND hired = 1 ORDER BY id LIMIT 1)
LEFT JOIN auditions u ON u.id = (SELECT id FROM auditions WHERE role_id = r.id AND hired = 1
                                 ORDER BY id LIMIT 1 OFFSET 1)
ORDER BY r.id"""

CASTING_WINDOW = """
WITH ranked AS (
  SELECT role_id, id, actor, row_number() OVER (PARTITION BY role_id ORDER BY id) AS n
  FROM auditions WHERE hired = 1),
sheet AS (
  SELECT role_id,
         max(CASE WHEN n = 1 THEN id END) AS lead, max(CASE WHEN n = 1 THEN actor END) AS lead_actor,
         max(CASE WHEN n = 2 THEN id END) AS understudy, max(CASE WHEN n = 2 THEN actor END) AS understudy_actor
  FROM ranked WHERE n <= 2 GROUP BY role_id)
SELECT r.id AS c1, r.character_name AS c2, s.lead AS c3, s.lead_actor AS c4, s.understudy AS c5,
       s.understudy_actor AS c6
FROM roles r LEFT JOIN sheet s ON s.role_id = r.id
ORDER BY r.id"""

CASTING_GROUP_BY = """
WITH leads AS (SELECT role_id, min(id) AS lead FROM auditions WHERE hired = 1 GROUP BY role_id),
understudies AS (SELECT a.role_id, min(a.id) AS understudy FROM auditions a JOIN leads l ON l.role_id = a.role_id
                 WHERE a.hired = 1 AND a.id > l.lead GROUP BY a.role_id)
SELECT r.id AS c1, r.character_name AS c2, l.lead AS c3, la.actor AS c4, u.understudy AS c5, ua.actor AS c6
FROM roles r
LEFT JOIN leads l ON l.role_id = r.id LEFT JOIN auditions la ON la.id = l.lead
LEFT JOIN understudies u ON u.role_id = r.id LEFT JOIN auditions ua ON ua.id = u.understudy
ORDER BY r.id"""

CASTING_IDS_CORRELATED = """
SELECT r.id AS c1, (SELECT id FROM auditions WHERE role_id = r.id AND hired = 1 ORDER BY id LIMIT 1) AS c2,
       (SELECT id FROM auditions WHERE role_id = r.id AND hired = 1 ORDER BY id LIMIT 1 OFFSET 1) AS c3
FROM roles r ORDER BY r.id"""

CASTING_IDS_GROUP_BY = """
WITH leads AS (SELECT role_id, min(id) AS lead FROM auditions WHERE hired = 1 GROUP BY role_id),
understudies AS (SELECT a.role_id, min(a.id) AS understudy FROM auditions a JOIN leads l ON l.role_id = a.role_id
                 WHERE a.hired = 1 AND a.id > l.lead GROUP BY a.role_id)
SELECT r.id AS c1, l.lead AS c2, u.understudy AS c3
FROM roles r LEFT JOIN leads l ON l.role_id = r.id LEFT JOIN understudies u ON u.role_id = r.id
ORDER BY r.id"""

# name -> (what it counts, extension SQL, {hand-written form: SQL})
READS = {
    "role_lead": ("roles", "SELECT role_lead(id) AS c1 FROM roles ORDER BY id", {"correlated subquery": LEAD_HAND}),
    "role_understudy": ("roles", "SELECT role_understudy(id) AS c1 FROM roles ORDER BY id",
                        {"correlated subquery": UNDERSTUDY_HAND}),
    "role_actors join": ("rows", "SELECT r.id AS c1, a.actor AS c2 FROM roles r, role_actors(r.id) a",
                         {"plain join": "SELECT r.id AS c1, a.actor AS c2 FROM roles r JOIN auditions a"
                                        " ON a.role_id = r.id ORDER BY r.id, a.id"}),
    "role_auditions join": ("rows", "SELECT r.id AS c1, a.id AS c2, a.actor AS c3, a.location AS c4,"
                                    " a.phone AS c5, a.hired AS c6 FROM roles r, role_auditions(r.id) a",
                            {"plain join": "SELECT r.id AS c1, a.id AS c2, a.actor AS c3, a.location AS c4,"
                                           " a.phone AS c5, a.hired AS c6 FROM roles r JOIN auditions a"
                                           " ON a.role_id = r.id ORDER BY r.id, a.id"}),
    "role_casting": ("roles", "SELECT role_id AS c1, character_name AS c2, lead AS c3, lead_actor AS c4,"
                              " understudy AS c5, understudy_actor AS c6 FROM role_casting",
                     {"correlated subqueries": CASTING_CORRELATED, "window function": CASTING_WINDOW,
                      "GROUP BY": CASTING_GROUP_BY}),
    "role_casting, ids only": ("roles", "SELECT role_id AS c1, lead AS c2, understudy AS c3 FROM role_casting",
                               {"correlated subqueries": CASTING_IDS_CORRELATED, "GROUP BY": CASTING_IDS_GROUP_BY}),
    # The model layer: relationships declared with theater_relate (bench/generate.py).
    "declared one-to-many join": ("rows", "SELECT r.id AS c1, a.id AS c2, a.actor AS c3 FROM roles r, role_hires(r.id) a",
                                  {"plain join": "SELECT r.id AS c1, a.id AS c2, a.actor AS c3 FROM roles r"
                                                 " JOIN auditions a ON a.role_id = r.id ORDER BY r.id, a.id"}),
    "declared many-to-one join": ("rows", "SELECT a.id AS c1, x.id AS c2, x.character_name AS c3"
                                          " FROM auditions a, audition_of(a.id) x ORDER BY a.id",
                                  {"plain join": "SELECT a.id AS c1, r.id AS c2, r.character_name AS c3"
                                                 " FROM auditions a JOIN roles r ON r.id = a.role_id ORDER BY a.id"}),
    # The same join as SQLite plans it without ORDER BY: it reads auditions
    # through the covering index on role_id, so the ids arrive in random
    # order and every call is a fresh seek (about 2 us of statement restart).
    "declared many-to-one, random ids": ("rows", "SELECT a.id AS c1, x.id AS c2, x.character_name AS c3"
                                                 " FROM auditions a, audition_of(a.id) x",
                                         {"plain join": "SELECT a.id AS c1, r.id AS c2, r.character_name AS c3"
                                                        " FROM auditions a JOIN roles r ON r.id = a.role_id"
                                                        " ORDER BY a.role_id, a.id"}),
    # Random order: every id once, in no order (bench/generate.py's shuffled
    # tables), against the same hand-written SQL over the same table.
    "role_lead, random order": ("roles", "SELECT role_lead(s.id) AS c1 FROM shuffled_roles s",
                                {"correlated subquery": LEAD_HAND.replace("FROM roles r ORDER BY r.id",
                                                                          "FROM shuffled_roles r")}),
    "role_understudy, random order": ("roles", "SELECT role_understudy(s.id) AS c1 FROM shuffled_roles s",
                                      {"correlated subquery": UNDERSTUDY_HAND.replace(
                                          "FROM roles r ORDER BY r.id", "FROM shuffled_roles r")}),
    "role_actors join, random order": ("rows", "SELECT s.id AS c1, a.actor AS c2 FROM shuffled_roles s,"
                                               " role_actors(s.id) a",
                                       {"plain join": "SELECT s.id AS c1, a.actor AS c2 FROM shuffled_roles s"
                                                      " CROSS JOIN auditions a ON a.role_id = s.id"}),
    "role_auditions join, random order": ("rows", "SELECT s.id AS c1, a.id AS c2, a.actor AS c3, a.location AS c4,"
                                                  " a.phone AS c5, a.hired AS c6 FROM shuffled_roles s,"
                                                  " role_auditions(s.id) a",
                                          {"plain join": "SELECT s.id AS c1, a.id AS c2, a.actor AS c3,"
                                                         " a.location AS c4, a.phone AS c5, a.hired AS c6"
                                                         " FROM shuffled_roles s CROSS JOIN auditions a"
                                                         " ON a.role_id = s.id"}),
    # The query users write: SQLite reads auditions through its covering
    # index on role_id, so audition_role gets the ids in role order.
    "audition_role join, planner's order": ("rows", "SELECT a.id AS c1, x.id AS c2, x.character_name AS c3"
                                                    " FROM auditions a, audition_role(a.id) x",
                                            {"plain join": "SELECT a.id AS c1, r.id AS c2, r.character_name AS c3"
                                                           " FROM auditions a JOIN roles r ON r.id = a.role_id"}),
    "audition_role join, random order": ("rows", "SELECT s.id AS c1, x.id AS c2, x.character_name AS c3"
                                                 " FROM shuffled_auditions s, audition_role(s.id) x",
                                         {"plain join": "SELECT s.id AS c1, r.id AS c2, r.character_name AS c3"
                                                        " FROM shuffled_auditions s CROSS JOIN auditions a"
                                                        " ON a.id = s.id JOIN roles r ON r.id = a.role_id"}),
    "declared one-to-many join, random order": ("rows", "SELECT s.id AS c1, a.id AS c2, a.actor AS c3"
                                                        " FROM shuffled_roles s, role_hires(s.id) a",
                                                {"plain join": "SELECT s.id AS c1, a.id AS c2, a.actor AS c3"
                                                               " FROM shuffled_roles s CROSS JOIN roles r"
                                                               " ON r.id = s.id JOIN auditions a"
                                                               " ON a.role_id = r.id"}),
    "declared many-to-many join, random order": ("links", "SELECT s.id AS c1, t.id AS c2, t.name AS c3"
                                                          " FROM shuffled_roles s, role_tag_list(s.id) t",
                                                 {"plain join": "SELECT s.id AS c1, t.id AS c2, t.name AS c3"
                                                                " FROM shuffled_roles s CROSS JOIN roles r"
                                                                " ON r.id = s.id JOIN role_tags rt"
                                                                " ON rt.role_id = r.id"
                                                                " JOIN tags t ON t.id = rt.tag_id"}),
    "declared many-to-many join": ("links", "SELECT r.id AS c1, t.id AS c2, t.name AS c3"
                                            " FROM roles r, role_tag_list(r.id) t",
                                   {"plain join": "SELECT r.id AS c1, t.id AS c2, t.name AS c3 FROM roles r"
                                                  " JOIN role_tags rt ON rt.role_id = r.id"
                                                  " JOIN tags t ON t.id = rt.tag_id ORDER BY r.id, rt.rowid"}),
}


def counted(sql, columns):
    """Wraps a query so SQLite computes every value of every row but returns
    one row: the timing then measures SQLite, not the client's row handling."""
    total = " + ".join(f"count(c{i})" for i in range(1, columns + 1))
    return f"SELECT {total}, count(*) FROM ({sql})"
