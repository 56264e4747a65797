-- alerts_children
-- Children on the list at D who may need action, with the dates the child rules turn on:
--   high risk: a repeatedly reported child with a counted high-risk seen visit on or before
--              high_risk_by (D minus the rule's days) and no protective referral by D
--              (police_investigation, protection_agency or emergency_protection, as the
--              attention list);
--   unreachable: three or more counted visits by D, none seen, with the latest counted visit.
-- Read by queries/alerts.py, which applies the thresholds. The latest visit is looked up child
-- by child on the index of visits by child and date (the third visit makes it exist).
-- This file is alerts_children.sql but for the collation: child_status's ids compare bytewise
-- (COLLATE "C"), and a comparison in that collation cannot use the index on visits.child_id
-- (the default collation): PostgreSQL joined every visit instead (2.5 s at scale 30).
-- Params    as_of (D), high_risk_by
-- Columns
--   child_id              text
--   district_code         text
--   cohort                text
--   first_high_risk_on    date    null for an unreachable row
--   last_visit_on         date    null for a high-risk row
select s.child_id, s.district_code, s.cohort, s.first_high_risk_on,
    cast(null as date) as last_visit_on
from child_status s
where s.cohort = 'repeat_report'
  and s.listed_on <= :as_of
  and (s.removed_on is null or s.removed_on > :as_of)
  and s.first_high_risk_on <= :high_risk_by
  and (s.first_protective_referral_on is null or s.first_protective_referral_on > :as_of)

union all

select s.child_id, s.district_code, s.cohort, cast(null as date) as first_high_risk_on,
    (select max(v.visit_date) from visits v
     where v.child_id = s.child_id collate "default"
       and v.visit_date >= s.listed_on
       and v.visit_date <= :as_of) as last_visit_on
from child_status s
where s.third_visit_on <= :as_of
  and (s.first_seen_on is null or s.first_seen_on > :as_of)
  and s.listed_on <= :as_of
  and (s.removed_on is null or s.removed_on > :as_of)
