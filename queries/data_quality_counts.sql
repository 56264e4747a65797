-- data_quality_counts
-- One row per district and kind of finding, how many suspicious rows the extract holds.
--
-- Answers   How much of each district's data needs checking, and of what kind?
-- The findings of data_quality_findings.sql (included below, not copied), counted; only kinds
-- with at least one finding.
-- Params    as_of (D, the newest extract day by default), midpoint (S + floor((T - S) / 2), the
--           plan's midpoint), district (a code, or null for the whole city), cohort (or null)
-- Grain     the kinds of finding listed in data_quality_findings.sql's header
-- Columns
--   district_code   text    the children's district
--   finding         text    the kind of finding
--   findings        count   how many findings (rows)
--   children        count   how many distinct children
with
finding_rows as (
    -- include data_quality_findings
)

select district_code, finding, count(*) as findings, count(distinct child_id) as children
from finding_rows
group by district_code, finding
