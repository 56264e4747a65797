-- data_quality_findings_first
-- The first rows of each kind of finding: what the Data quality page shows of a kind.
--
-- Answers   Which rows of each kind should a district check first?
-- Params    as_of (D), midpoint, district (a code, or null for the whole city), cohort (or null)
--           as in data_quality_findings.sql
-- Grain     the rows of data_quality_findings.sql (its two parts, included below, not copied),
--           the first 1,000 of each kind in the order district_code, date, child_id
--           (pages/common/layout.py MAX_ROWS rows of a table are sent to the browser; the page
--           shows one kind at a time, with its count from data_quality_counts.sql and the whole
--           list as the download). Row order is free: a page sorts the rows of its kind.
-- Columns
--   child_id        text   the child's pseudonymous id
--   district_code   text   the child's district
--   cohort          text   the child's cohort
--   finding         text   the kind of finding
--   date            date   the date the finding is about
with
dated as (
    -- include sql/findings_dated
),

numbered as (
    select child_id, district_code, cohort, finding, finding_on,
        row_number() over (partition by finding order by district_code, finding_on, child_id)
            as place
    from dated
),

-- The one kind that can hold thousands of children: its first rows read in index order, so
-- that the read stops at 1,000 (at scale 1 on 10 March: 1 ms instead of 30 for all 10,300
-- numbered and sorted).
never_visited_first as (
    select child_id, district_code, cohort, finding, finding_on
    from (
        -- include sql/findings_never_visited
    ) never_visited
    order by district_code, finding_on, child_id
    limit 1000
)

select child_id, district_code, cohort, finding, finding_on as date
from numbered
where place <= 1000
union all
select child_id, district_code, cohort, finding, finding_on
from never_visited_first
