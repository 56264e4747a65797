-- programme
-- One row (or none before a programme is loaded), the programme's dates and staffing standard.
--
-- Answers   When did the programme start, when is the deadline?
-- Params    none
-- Grain     the single programme row.
-- Columns
--   start_date             date    S, the first day of the programme
--   deadline               date    T, the last day
--   reports_per_official   count   the staffing standard (reports a year per official)
select start_date, deadline, reports_per_official
from programme
