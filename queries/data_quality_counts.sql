-- data_quality_counts
-- One row per district and kind of finding, how many suspicious rows the extract holds.
--
-- Answers   How much of each district's data needs checking, and of what kind?
-- The findings of data_quality_findings.sql (its two parts, included below, not copied),
-- counted; only kinds with at least one finding.
-- Params    as_of (D, the newest extract day by default), midpoint (S + floor((T - S) / 2), the
--           plan's midpoint), district (a code, or null for the whole city), cohort (or null)
-- Grain     the kinds of finding listed in data_quality_findings.sql's header
-- Columns
--   district_code   text    the children's district
--   finding         text    the kind of finding
--   findings        count   how many findings (rows)
--   children        count   how many distinct children
with
dated as (
    -- include sql/findings_dated
),

never_visited as (
    -- include sql/findings_never_visited
)

select district_code, finding, count(*) as findings, count(distinct child_id) as children
from dated
group by district_code, finding
union all
-- One row per child (child_status has one per child): its children are its rows, counted
-- without the sort of every row that count(distinct) needs (PostgreSQL at scale 30 on 10 March,
-- 310,000 rows: 300 ms to 90 for the whole query).
select district_code, finding, count(*), count(*)
from never_visited
group by district_code, finding
