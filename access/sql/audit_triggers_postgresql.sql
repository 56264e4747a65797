-- The audit_log protections already installed (PostgreSQL): three triggers and the logout index.
select (
    select count(*)
    from pg_trigger
    where tgrelid = to_regclass('audit_log')
      and tgname in ('audit_log_no_change', 'audit_log_no_truncate', 'audit_log_server_time')
) + (
    select count(*)
    from pg_indexes
    where tablename = 'audit_log'
      and indexname = 'ix_audit_subject_action'
)
