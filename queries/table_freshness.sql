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
-- children, visits and referrals are counted once per load, with the derived tables
-- (table_counts, data/day_facts.sql): counting a million children and 1.7 million visits took
-- most of a second at scale 30 on every view. The smaller tables are counted here.
select table_name as "table", newest_date, row_count as "rows" from table_counts
union all
select 'reports', max(received_on), count(*) from reports
union all
select 'staff', max(start_date), count(*) from staff
union all
select 'staffing_targets', max(effective_on), count(*) from staffing_targets
