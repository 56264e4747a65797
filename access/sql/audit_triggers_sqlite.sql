-- The append-only triggers already installed on audit_log (SQLite).
select count(*)
from sqlite_master
where type = 'trigger'
  and tbl_name = 'audit_log'
  and name in ('audit_log_no_update', 'audit_log_no_delete')
