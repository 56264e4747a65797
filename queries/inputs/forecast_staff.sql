-- forecast_staff
-- Staff who visit, per district, role and time in post: the forecast scales each district's
-- recent pace by the staff in post at D against those in post over the recent window.
-- Params    as_of (D), window_start (the first day of the window)
-- Columns
--   district_code     text
--   role              text
--   start_date        date
--   end_date          date     null while in post
--   staff             count
select
    s.district_code,
    s.role,
    s.start_date,
    case when s.end_date <= :as_of then s.end_date end as end_date,
    count(*) as staff
from staff s
where s.start_date <= :as_of
  and (s.end_date is null or s.end_date >= :window_start)
group by 1, 2, 3, 4
