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
-- Each child's attempts and latest visit as of D come from attention_steps (data/day_facts.sql):
-- its rows are attention_spans' cut at the child's counted visit days, so the one row of a
-- child and reason holding D (starts_on <= D < ends_on) has them, and a list as of D is one
-- read of that table (the conditions of attention_list.sql, on the steps). Counting each child's
-- visits up to D instead (a lookup in the visits index per child) took 340 of 440 ms for the
-- 84,000 children at scale 30 on 30 April. tests/test_queries_reference.py checks both lists
-- against the same reading, and tests/test_day_facts.py the steps against a day-by-day one.
select
    child_id,
    district_code,
    cohort,
    reason,
    since_on as since,
    attempts,
    last_visit_on,
    case when cohort = 'repeat_report' then 1 else 3 end
        + case when reason = 'high_risk_no_referral' then 0 else 1 end as severity
from attention_steps
where starts_on <= :as_of
  and (ends_on is null or ends_on > :as_of)
  and (cast(:district as text) is null or district_code = :district)
  and (cast(:cohort as text) is null or cohort = :cohort)
