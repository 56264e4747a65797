-- Whether this login (subject and login id, in the logout event's detail) has been ended.
select count(*)
from audit_log
where subject = :subject
  and action = 'logout'
  and detail = :detail
