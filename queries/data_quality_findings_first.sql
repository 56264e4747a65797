-- data_quality_findings_first
-- The first rows of each kind of finding: what the Data quality page shows of a kind.
--
-- Answers   Which rows of each kind should a district check first?
-- Params    as_of (D), midpoint, district (a code, or null for the whole city), cohort (or null)
--           as in data_quality_findings.sql
-- Grain     the rows of data_quality_findings.sql (included below, not copied), the first 1,000
--           of each kind in the order district_code, date, child_id (pages/common/layout.py
--           MAX_ROWS rows of a table are sent to the browser; the page shows one kind at a
--           time, with its count from data_quality_counts.sql and the whole list as the
--           download). Row order is free: a page sorts the rows of its kind.
-- Columns
--   child_id        text   the child's pseudonymous id
--   district_code   text   the child's district
--   cohort          text   the child's cohort
--   finding         text   the kind of finding
--   date            date   the date the finding is about
with
finding_rows as (
    -- include data_quality_findings
),

numbered as (
    select child_id, district_code, cohort, finding, date,
        row_number() over (partition by finding order by district_code, date, child_id) as place
    from finding_rows
)

select child_id, district_code, cohort, finding, date
from numbered
where place <= 1000
