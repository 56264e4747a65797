-- attention_detail
-- One row per child and reason of the attention list, in the order to act on it, with what a
-- caller needs before phoning: how often the child was tried and when last.
--
-- Answers   Which children need action first, how many visits were tried, when was the last?
-- Params    as_of (D), district (a code, or null for the whole city), cohort (or null for both)
-- Grain     the rows of attention_list.sql (included below, not copied). Row order is free
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
-- entries each). attention_detail.postgresql.sql differs only in comparing the ids in the
-- visits index's collation.
with
attention as (
    -- include attention_list
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
       and v.visit_date >= (select s.listed_on from attention_spans s
                            where s.child_id = a.child_id and s.reason = a.reason))
        as attempts,
    (select max(v.visit_date) from visits v
     where v.child_id = a.child_id and v.visit_date <= :as_of
       and v.visit_date >= (select s.listed_on from attention_spans s
                            where s.child_id = a.child_id and s.reason = a.reason))
        as last_visit_on,
    case when a.cohort = 'repeat_report' then 1 else 3 end
        + case when a.reason = 'high_risk_no_referral' then 0 else 1 end as severity
-- The child's listed_on is looked up inside the counts, not joined: a join under the sort made
-- PostgreSQL sort every row of the list for the first rows a page shows (84,000 at scale 30)
-- instead of keeping only those (top-N), and only then count visits for them.
from attention a
