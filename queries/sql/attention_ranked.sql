-- attention_ranked: attention_list.sql's rows (its conditions, on the list at D) read from
-- attention_spans with each child's listed_on (which attention_list has not) and the severity
-- of attention_detail.sql's order, for both of its files.
-- Columns
--   child_id, district_code, cohort, reason, since, listed_on, severity
-- A page's first rows are cut here (the runner puts the order and limit at `-- first rows`),
-- before any visit is counted.
select child_id, district_code, cohort, reason, starts_on as since, listed_on,
    case when cohort = 'repeat_report' then 1 else 3 end
        + case when reason = 'high_risk_no_referral' then 0 else 1 end as severity
from attention_spans
where starts_on <= :as_of
  and (ends_on is null or ends_on > :as_of)
  and (cast(:district as text) is null or district_code = :district)
  and (cast(:cohort as text) is null or cohort = :cohort)
-- first rows
