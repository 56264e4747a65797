-- The audit_log protections already installed (SQLite): two triggers and the logout index.
select count(*)
from sqlite_master
where tbl_name = 'audit_log'
  and ((type = 'trigger' and name in ('audit_log_no_update', 'audit_log_no_delete'))
       or (type = 'index' and name = 'ix_audit_subject_action'))
