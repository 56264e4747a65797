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
-- Per-child facts come from child_status (data/child_status.sql): three counted visits by D is
-- third_visit_on <= D, seen by D is first_seen_on <= D, a counted high-risk seen visit by D is
-- first_high_risk_on <= D, and a counted protective referral is first_protective_referral_on
-- <= D (the child being on the list at D, required here anyway). Each reason is its own branch
-- so that each can start from the few children its date index picks. No order here: the runner
-- appends the header's order and a limit when a page asks for the first rows.
select s.child_id, s.district_code, s.cohort, 'unreachable' as reason, s.third_visit_on as since
from child_status s
where s.third_visit_on <= :as_of
  and (s.first_seen_on is null or s.first_seen_on > :as_of)
  and s.listed_on <= :as_of
  and (s.removed_on is null or s.removed_on > :as_of)
  and (cast(:district as text) is null or s.district_code = :district)
  and (cast(:cohort as text) is null or s.cohort = :cohort)

union all

select s.child_id, s.district_code, s.cohort, 'high_risk_no_referral' as reason,
    s.first_high_risk_on as since
from child_status s
where s.first_high_risk_on <= :as_of
  and (s.first_protective_referral_on is null or s.first_protective_referral_on > :as_of)
  and s.listed_on <= :as_of
  and (s.removed_on is null or s.removed_on > :as_of)
  and (cast(:district as text) is null or s.district_code = :district)
  and (cast(:cohort as text) is null or s.cohort = :cohort)
