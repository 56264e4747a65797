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
-- split
create or replace function audit_log_server_time() returns trigger
language plpgsql as $$
begin
  -- The time of an event is the database server's, whatever the inserting role sent, and an
  -- event names someone: the app's role cannot backdate a row or leave its subject empty.
  new.logged_at := clock_timestamp();
  if new.subject is null or btrim(new.subject) = '' then
    raise exception using message = 'audit_log subject must name someone';
  end if;
  return new;
end
$$
-- split
drop trigger if exists audit_log_server_time on audit_log
-- split
create trigger audit_log_server_time
before insert on audit_log
for each row execute function audit_log_server_time()
-- split
create index if not exists ix_audit_subject_action on audit_log (subject, action)
