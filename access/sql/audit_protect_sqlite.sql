-- Make audit_log append-only on SQLite. Statements are separated by a line holding only "-- split".
create trigger if not exists audit_log_no_update
before update on audit_log
begin
  select raise(abort, 'audit_log is append-only (UPDATE refused)');
end
-- split
create trigger if not exists audit_log_no_delete
before delete on audit_log
begin
  select raise(abort, 'audit_log is append-only (DELETE refused)');
end
-- split
create index if not exists ix_audit_subject_action on audit_log (subject, action)
