-- findings_never_visited: the data-quality finding never_visited_past_midpoint (see
-- data_quality_findings.sql's header), the part of the findings that can hold a third of the
-- children in mid-programme (10,300 at scale 1 on 10 March).
-- Columns
--   child_id        text   the child's pseudonymous id
--   district_code   text   the child's district
--   cohort          text   the child's cohort
--   finding         text   never_visited_past_midpoint
--   finding_on      date   listed_on
-- No counted visit up to D: read whole (the download, the counts), the index on first_visit_on
-- picks those children instead of a read of every child; read in the order district_code,
-- listed_on, child_id for the first rows (data_quality_findings_first.sql), the index
-- ix_child_status_progress gives them in district order and the read stops at the first 1,000.
-- Not seen by D follows from it (a first seen visit is a counted visit); said as well, it made
-- the planners pick every child not seen by the index on first_seen_on (five times as many).
select s.child_id, s.district_code, s.cohort, 'never_visited_past_midpoint' as finding,
    s.listed_on as finding_on
from child_status s
where s.listed_on <= :midpoint
  and :midpoint <= :as_of
  and (s.removed_on is null or s.removed_on > :as_of)
  and (s.first_visit_on is null or s.first_visit_on > :as_of)
  and (cast(:district as text) is null or s.district_code = :district)
  and (cast(:cohort as text) is null or s.cohort = :cohort)
