-- attention_detail
-- One row per child and reason of the attention list, in the order to act on it, with what a
-- caller needs before phoning: how often the child was tried and when last.
--
-- Answers   Which children need action first, how many visits were tried, when was the last?
-- Params    as_of (D), district (a code, or null for the whole city), cohort (or null for both)
-- Grain     the rows of attention_list.sql (its conditions, below). Row order is free
--           (the runner sorts by the text and date columns); sort by severity, then since.
-- Order     severity, since, child_id, reason
--           (the first rows a page shows, in the order of action)
-- Columns
--   child_id        text    the child's pseudonymous id
--   district_code   text    the child's district
--   cohort          text    the child's cohort
--   reason          text    unreachable or high_risk_no_referral
--   since           date    as in attention_list
--   attempts        count   counted visits up to D (listed_on <= visit_date <= D)
--   last_visit_on   date    the latest counted visit up to D; null when there is none
--   severity        integer 1 to 4, the order of action: repeat_report before neglect_risk,
--                           and within a cohort high_risk_no_referral before unreachable
-- The visits are counted child by child on the index of visits by child and date (a few index
-- entries each), from the child's listed_on. SQLite works out every column of every row before
-- it sorts: for a page's first rows the list is cut first (the runner puts the order and limit
-- at `-- first rows`), and the visits are counted for those rows only (2,800 rows counted for
-- 1,000 shown at scale 1 took two thirds of the time). The list is read from attention_spans
-- here with attention_list.sql's conditions (not included: that query has no listed_on, and
-- looking it up again for each row cost 3 of 15 ms); tests/test_queries_reference.py checks
-- both lists against the same reading. attention_detail.postgresql.sql reads the same list and
-- counts each child's visits in one lateral subquery (SQLite has none), comparing the ids in
-- the visits index's collation.
with
ranked as (
    -- include sql/attention_ranked
)

select
    -- Named, so that the order appended for the first rows is not ambiguous in SQLite.
    a.child_id as child_id,
    a.district_code as district_code,
    a.cohort as cohort,
    a.reason as reason,
    a.since as since,
    (select count(*) from visits v
     where v.child_id = a.child_id and v.visit_date <= :as_of
       and v.visit_date >= a.listed_on)
        as attempts,
    (select max(v.visit_date) from visits v
     where v.child_id = a.child_id and v.visit_date <= :as_of
       and v.visit_date >= a.listed_on)
        as last_visit_on,
    a.severity as severity
from ranked a
