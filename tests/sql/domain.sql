-- Section 4 to 6 of shared/spec/sql-api.md through the real sqlite3 shell.
-- Every case is one line of output, `<case id>|1`; tests/test_sql_files.py
-- runs this file with
--   sqlite3 :memory: -cmd '.load ./build/theater' < tests/sql/domain.sql
-- (cwd: the repository root) and fails on any other line.

select 'migrate', theater_migrate() >= 1;
select 'schema_version_is_head', theater_schema_version() = theater_migrate();

insert into roles (id, character_name) values (1, 'Hamlet'), (2, 'Ophelia'), (3, 'Yorick');
insert into auditions (id, actor, location, phone, role_id) values
  (1, 'Kevin Kline',  'New York',    2125550101, 1),
  (6, 'Kevin Kline',  'Boston',      6175550106, 1),  -- the same actor twice
  (2, 'Ethan Hawke',  'Los Angeles', 3105550102, 1),
  (3, 'Julia Stiles', 'Chicago',     NULL,       1),
  (4, 'Kate Winslet', 'London',      2075550104, 2),
  (5, 'Kevin Kline',  'London',      2075550105, 2);  -- and under another role

-- Nobody hired yet.
select 'no_lead_yet', role_lead(1) = 'no actor has been hired for this role';
select 'no_understudy_yet', role_understudy(1) = 'no actor has been hired for understudy for this role';
select 'casting_before_hires', (select count(*) from role_casting where lead is not null) = 0;

-- Hires, not in id order.
select 'call_back_returns_1', call_back(3) = 1;
select 'lead_after_one_hire', role_lead(1) = 3;
select 'still_no_understudy', role_understudy(1) = 'no actor has been hired for understudy for this role';
select 'call_back_lower_id', call_back(2) = 1;
select 'lead_of_hamlet', role_lead(1) = 2;
select 'understudy_of_hamlet', role_understudy(1) = 3;
select 'call_back_again_harmless', call_back(2) = 1;
select 'lead_unchanged_after_repeat', role_lead(1) = 2 and role_understudy(1) = 3;
select 'third_hire_changes_nothing', call_back(6) = 1 and role_lead(1) = 2 and role_understudy(1) = 3;
select 'call_back_sets_hired', (select hired from auditions where id = 3) = 1;
select 'lead_of_ophelia', call_back(4) = 1 and role_lead(2) = 4;
select 'no_understudy_for_ophelia', role_understudy(2) = 'no actor has been hired for understudy for this role';
select 'lead_is_an_integer', typeof(role_lead(1)) = 'integer';

-- Arguments.
select 'null_in_null_out', role_lead(null) is null and role_understudy(null) is null and call_back(null) is null;
select 'integer_like_text', role_lead('1') = 2 and role_lead(' 1 ') = 2 and role_lead('1e0') = 2;
select 'integer_valued_real', role_lead(1.0) = 2;

-- Relationships.
select 'auditions_of_hamlet', (select group_concat(id) from role_auditions(1)) = '1,2,3,6';
select 'hired_of_hamlet', (select group_concat(hired) from role_auditions(1)) = '0,1,1,1';
select 'actors_of_hamlet', (select group_concat(actor, ';') from role_actors(1)) = 'Kevin Kline;Ethan Hawke;Julia Stiles;Kevin Kline';
select 'locations_of_ophelia', (select group_concat(location, ';') from role_locations(2)) = 'London;London';
select 'role_of_audition_5', (select id || ':' || character_name from audition_role(5)) = '2:Ophelia';
select 'audition_role_one_row', (select count(*) from audition_role(5)) = 1;
select 'unknown_role_no_rows', (select count(*) from role_actors(42)) = 0;
select 'null_role_no_rows', (select count(*) from role_auditions(null)) = 0;
select 'yorick_has_no_auditions', (select count(*) from role_locations(3)) = 0;
select 'join_form', (select count(*) from roles r, role_actors(r.id) a) = 6;
select 'left_join_keeps_yorick', (select count(*) from roles r left join role_actors(r.id) a where a.actor is null) = 1;
select 'all_rows_by_role_then_id', (select group_concat(role_id || '/' || id) from role_auditions) = '1/1,1/2,1/3,1/6,2/4,2/5';
select 'kline_auditioned_twice_for_hamlet', (select count(*) from role_actors(1) where actor = 'Kevin Kline') = 2;

-- The casting sheet.
select 'casting_rows', (select group_concat(role_id) from role_casting) = '1,2,3';
select 'casting_hamlet', (select lead = 2 and lead_actor = 'Ethan Hawke' and understudy = 3 and understudy_actor = 'Julia Stiles' from role_casting(1));
select 'casting_ophelia', (select lead = 4 and lead_actor = 'Kate Winslet' and understudy is null and understudy_actor is null from role_casting where role_id = 2);
select 'casting_yorick_nulls', (select lead is null and lead_actor is null and understudy is null from role_casting(3));
select 'casting_unknown_no_rows', (select count(*) from role_casting(42)) = 0;
select 'casting_agrees_with_role_lead', (select count(*) from role_casting where coalesce(lead, 'no actor has been hired for this role') is not role_lead(role_id)) = 0;
