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
-- Columns
--   child_id        text   the child's pseudonymous id
--   district_code   text   the child's district
--   cohort          text   the child's cohort
--   reason          text   unreachable or high_risk_no_referral
--   since           date   see above
with
listed_children as (
    select c.child_id, c.district_code, c.cohort, c.listed_on
    from children c
    where c.listed_on <= :as_of
      and (c.removed_on is null or c.removed_on > :as_of)
      and (cast(:district as text) is null or c.district_code = :district)
      and (cast(:cohort as text) is null or c.cohort = :cohort)
),

child_visits as (
    select
        l.child_id,
        l.district_code,
        l.cohort,
        l.listed_on,
        count(v.visit_date) as counted_visits,
        sum(case when v.outcome = 'seen' then 1 else 0 end) as seen_visits,
        min(case when v.outcome = 'seen'
                and (v.risk_level in ('high', 'emergency') or v.abuse_suspected = true)
            then v.visit_date end) as first_high_risk_on
    from listed_children l
    join visits v
        on v.child_id = l.child_id
        and v.visit_date >= l.listed_on
        and v.visit_date <= :as_of
    group by l.child_id, l.district_code, l.cohort, l.listed_on
),

unreachable_visits as (
    select
        s.child_id,
        s.district_code,
        s.cohort,
        v.visit_date,
        row_number() over (partition by s.child_id order by v.visit_date, v.visit_id) as visit_number
    from child_visits s
    join visits v
        on v.child_id = s.child_id
        and v.visit_date >= s.listed_on
        and v.visit_date <= :as_of
    where s.counted_visits >= 3
      and s.seen_visits = 0
),

high_risk_children as (
    select s.child_id, s.district_code, s.cohort, s.first_high_risk_on as since
    from child_visits s
    where s.first_high_risk_on is not null
      and not exists (
          select 1
          from referrals r
          where r.child_id = s.child_id
            and r.referred_on <= :as_of
            and r.kind in ('police_investigation', 'protection_agency', 'emergency_protection')
      )
)

select child_id, district_code, cohort, 'unreachable' as reason, visit_date as since
from unreachable_visits
where visit_number = 3
union all
select child_id, district_code, cohort, 'high_risk_no_referral' as reason, since
from high_risk_children
