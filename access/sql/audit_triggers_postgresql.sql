-- The append-only triggers already installed on audit_log (PostgreSQL).
select count(*)
from pg_trigger
where tgrelid = to_regclass('audit_log')
  and tgname in ('audit_log_no_change', 'audit_log_no_truncate')
