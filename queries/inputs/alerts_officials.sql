-- alerts_officials
-- Abuse officials' time in post and the districts' targets, up to D: the officials rule
-- compares them day by day. Read by queries/alerts.py.
-- Params    as_of (D)
-- Columns
--   district_code     text
--   kind              text     staff (a person's start and end) or target
--   start_date        date     the start in post, or the target's effective_on
--   end_date          date     the last day in post (null while in post, and for a target)
--   value             integer  1 for a person, the target for a target
select s.district_code, 'staff' as kind, s.start_date,
    case when s.end_date <= :as_of then s.end_date end as end_date, 1 as value
from staff s
where s.role = 'abuse_official'
  and s.start_date <= :as_of

union all

select t.district_code, 'target' as kind, t.effective_on as start_date,
    cast(null as date) as end_date, t.target as value
from staffing_targets t
where t.role = 'abuse_official'
  and t.effective_on <= :as_of
