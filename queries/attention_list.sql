-- attention_list
-- One row per child and reason, the children who need action now, as of day D.
--
-- Answers   Which children need action now, since when?
-- Params    as_of (D), district (a code, or null for the whole city), cohort (or null for both)
-- Grain     children on the list at D only; a child can have both reasons (two rows).
--           unreachable when three or more counted visits and none seen, since the date of the
--           third counted visit in date order. high_risk_no_referral when a counted seen visit
--           found risk high or emergency, or abuse suspected, and the child has no counted
--           referral of kind police_investigation, protection_agency or emergency_protection,
--           since the earliest such visit.
-- Order     since, child_id, reason
--           (the first rows a page shows: the longest waiting first)
-- Columns
--   child_id        text   the child's pseudonymous id
--   district_code   text   the child's district
--   cohort          text   the child's cohort
--   reason          text   unreachable or high_risk_no_referral
--   since           date   see above
-- The days each child is on the list for each reason come from attention_spans (built from
-- child_status in data/day_facts.sql): on the list at D is starts_on <= D < ends_on, and since
-- is starts_on. Reading that table (children ever on the list only) instead of picking them out
-- of every child's status made the list several times cheaper at scale 30. No order here: the
-- runner appends the header's order and a limit when a page asks for the first rows.
select child_id, district_code, cohort, reason, starts_on as since
from attention_spans
where starts_on <= :as_of
  and (ends_on is null or ends_on > :as_of)
  and (cast(:district as text) is null or district_code = :district)
  and (cast(:cohort as text) is null or cohort = :cohort)
