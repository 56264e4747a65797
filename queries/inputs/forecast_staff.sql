-- forecast_staff
-- Staff who visit, per district and role: in post at D and in post at the middle of the
-- recent pace's days. The forecast scales a district's recent pace by their ratio.
-- Params    as_of (D), pace_middle (the middle day of the pace's window)
-- Columns
--   district_code     text
--   role              text
--   in_post           count    start_date <= D and (end_date null or end_date >= D)
--   in_post_before    count    the same at pace_middle
select
    s.district_code,
    s.role,
    sum(case when s.start_date <= :as_of and (s.end_date is null or s.end_date >= :as_of)
        then 1 else 0 end) as in_post,
    sum(case when s.start_date <= :pace_middle
              and (s.end_date is null or s.end_date >= :pace_middle)
        then 1 else 0 end) as in_post_before
from staff s
group by s.district_code, s.role
