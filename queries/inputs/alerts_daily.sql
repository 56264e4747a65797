-- alerts_daily
-- Per district and day up to D, the changes of its list and of its children seen (both
-- cohorts): children listed that day, removed that day (and whether they had been seen), and
-- first seen that day while on the list. Read by queries/alerts.py, which adds them up day by
-- day into listed and seen as of every day (metrics.md's definitions, both cohorts summed).
-- Params    as_of (D)
-- Columns
--   district_code     text
--   day               date
--   event             text     listed, removed, removed_seen or seen
--   children          count
select s.district_code, s.listed_on as day, 'listed' as event, count(*) as children
from child_status s
where s.listed_on <= :as_of
group by s.district_code, s.listed_on

union all

select
    s.district_code,
    s.removed_on as day,
    case when s.first_seen_on < s.removed_on then 'removed_seen' else 'removed' end as event,
    count(*) as children
from child_status s
where s.removed_on <= :as_of
group by s.district_code, s.removed_on,
    case when s.first_seen_on < s.removed_on then 'removed_seen' else 'removed' end

union all

select s.district_code, s.first_seen_on as day, 'seen' as event, count(*) as children
from child_status s
where s.first_seen_on <= :as_of
  and (s.removed_on is null or s.first_seen_on < s.removed_on)
group by s.district_code, s.first_seen_on
