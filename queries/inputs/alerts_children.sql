-- alerts_children
-- The children whose child rule stands on D, from data/day_facts.sql's child_alert_runs: a run
-- holds on D when since_on <= D < ends_on, and its alert stands once the rule's days have
-- passed since since_on (high_risk_by, unreachable_by: D minus those days). Read by
-- queries/alerts.py, which adds the days back to since_on for first_raised.
-- One row per group of runs (rule, district, cohort, since_on and ends_on), the children's ids
-- joined by spaces: 80,000 children arrive as 3,000 rows at scale 30.
-- Params    as_of (D), high_risk_by, unreachable_by
-- Columns
--   rule              text
--   district_code     text
--   cohort            text
--   since_on          date     the finding's day (high risk) or the latest counted visit's
--   child_ids         text     the children's ids, separated by one space, in no order
select r.rule, r.district_code, r.cohort, r.since_on, r.child_ids
from child_alert_runs r
where ((r.rule = 'high_risk_no_referral' and r.since_on <= :high_risk_by)
       or (r.rule = 'unreachable_no_visit' and r.since_on <= :unreachable_by))
  and (r.ends_on is null or r.ends_on > :as_of)
