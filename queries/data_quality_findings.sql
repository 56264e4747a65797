-- data_quality_findings
-- One row per finding about one child, the valid but suspicious rows of the extract.
--
-- Answers   Which rows of the data should a district check and correct?
-- Params    as_of (D, the newest extract day by default), midpoint (S + floor((T - S) / 2), the
--           plan's midpoint), district (a code, or null for the whole city), cohort (or null)
-- Grain     every child of the district and cohort, on the list at D or not, except for
--           never_visited_past_midpoint. Findings
--             visit_before_listed       a visit dated before the child was listed (date = visit)
--             referral_before_visit     a referral dated before the visit it names (date = referral)
--             listed_after_as_of        listed_on after D (date = listed_on)
--             removed_after_as_of       removed_on after D (date = removed_on)
--             visit_after_as_of         a visit dated after D (date = visit)
--             referral_after_as_of      a referral dated after D (date = referred_on)
--             closure_after_as_of       a referral closed after D (date = closed_on)
--             never_visited_past_midpoint   on the list at D, listed on or before the midpoint, and
--                                       no counted visit up to D; only once D has reached the
--                                       midpoint (date = listed_on)
-- Columns
--   child_id        text   the child's pseudonymous id
--   district_code   text   the child's district
--   cohort          text   the child's cohort
--   finding         text   one of the findings above
--   date            date   the date the finding is about
-- Per-child dates come from child_status (data/child_status.sql).
-- The rows are read in two parts, queries/sql/findings_dated.sql and findings_never_visited.sql,
-- so that data_quality_findings_first.sql can read the first rows of the second in index order.
-- At a past as-of day the view counts only what the database held up to that day: a finding
-- about a dated row needs that date on or before D, and the *_after_as_of findings (dates after
-- the extract was made) are looked for only on the newest day of the data (the latest visit,
-- referral or report, as the default as-of day), since at a past day later rows are later work.
with
dated as (
    -- include sql/findings_dated
),

never_visited as (
    -- include sql/findings_never_visited
)

select child_id, district_code, cohort, finding, finding_on as date
from dated
union all
select child_id, district_code, cohort, finding, finding_on
from never_visited
