-- Make audit_log append-only on PostgreSQL. Statements are separated by a line holding only "-- split".
create or replace function audit_log_append_only() returns trigger
language plpgsql as $$
begin
  raise exception using message = 'audit_log is append-only, ' || tg_op || ' refused';
end
$$
-- split
drop trigger if exists audit_log_no_change on audit_log
-- split
create trigger audit_log_no_change
before update or delete on audit_log
for each row execute function audit_log_append_only()
-- split
drop trigger if exists audit_log_no_truncate on audit_log
-- split
create trigger audit_log_no_truncate
before truncate on audit_log
for each statement execute function audit_log_append_only()
