-- Whether the database holds any programme or child rows (1) or nothing yet (0).
select case
    when exists (select 1 from programme) or exists (select 1 from children) then 1
    else 0
end
