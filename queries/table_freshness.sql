-- table_freshness
-- One row per extract table, its newest date and how many rows it holds.
--
-- Answers   How fresh is the data? Did every extract arrive?
-- Params    none; the whole database, whatever the viewer's district.
-- Grain     the tables with a date that says when something happened.
-- Columns
--   table         text    the table's name
--   newest_date   date    the newest date in its main date column, null when empty
--   rows          count   how many rows it holds
select 'children' as "table", max(listed_on) as newest_date, count(*) as "rows" from children
union all
select 'visits', max(visit_date), count(*) from visits
union all
select 'referrals', max(referred_on), count(*) from referrals
union all
select 'reports', max(received_on), count(*) from reports
union all
select 'staff', max(start_date), count(*) from staff
union all
select 'staffing_targets', max(effective_on), count(*) from staffing_targets
