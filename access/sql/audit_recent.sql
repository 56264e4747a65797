-- The latest audit events, newest first.
select event_id, logged_at, subject, role, district_code, page, action, detail, rows
from audit_log
order by logged_at desc, event_id desc
limit :limit
