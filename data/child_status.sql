-- child_status, rebuilt from the extract tables (run by data/status.py, two statements).
--
-- A visit counts when listed_on <= visit_date <= D (metrics.md). The limit D only cuts the
-- visits off at the end, so each "as of D" fact is a date, computed once here without D, and a
-- query compares it with D.
--   seen by D                       first_seen_on <= D (and then it is the first seen date)
--   a counted visit by D            first_visit_on <= D
--   three or more counted visits    third_visit_on <= D (visits in date order; ties share a date)
--   a counted high-risk seen visit  first_high_risk_on <= D (the earliest, the attention "since")
--   a protective referral by D      first_protective_referral_on <= D (police_investigation,
--                                   protection_agency or emergency_protection); a referral also
--                                   needs its child on the list at D, which every query asks
--   first_unlisted_visit_on         the earliest visit dated before the listing (a data-quality
--                                   finding, not a counted visit)
--   first_early_referral_on         the earliest referral dated before the visit it names (a
--                                   data-quality finding too)
-- Every child gets a row, with its district, cohort, listed_on and removed_on copied and nulls
-- for what never happened, so a figure about children reads this table alone.
delete from child_status;

insert into child_status (
    child_id, district_code, cohort, listed_on, removed_on, first_visit_on, third_visit_on, first_seen_on, first_high_risk_on,
    first_protective_referral_on, first_unlisted_visit_on, first_early_referral_on
)
with
numbered_visits as (
    select
        v.child_id,
        v.visit_date,
        v.outcome,
        v.risk_level,
        v.abuse_suspected,
        case when v.visit_date >= c.listed_on then 1 else 0 end as counted,
        -- Counted visits are numbered apart from the others, in date order.
        row_number() over (
            partition by v.child_id, case when v.visit_date >= c.listed_on then 1 else 0 end
            order by v.visit_date, v.visit_id
        ) as visit_number
    from visits v
    join children c on c.child_id = v.child_id
),

visit_dates as (
    select
        child_id,
        min(case when counted = 1 then visit_date end) as first_visit_on,
        min(case when counted = 1 and visit_number = 3 then visit_date end) as third_visit_on,
        min(case when counted = 1 and outcome = 'seen' then visit_date end) as first_seen_on,
        min(case when counted = 1 and outcome = 'seen'
                and (risk_level in ('high', 'emergency') or abuse_suspected = true)
            then visit_date end) as first_high_risk_on,
        min(case when counted = 0 then visit_date end) as first_unlisted_visit_on
    from numbered_visits
    group by child_id
),

protective_referrals as (
    select child_id, min(referred_on) as first_protective_referral_on
    from referrals
    where kind in ('police_investigation', 'protection_agency', 'emergency_protection')
    group by child_id
),

early_referrals as (
    select r.child_id, min(r.referred_on) as first_early_referral_on
    from referrals r
    join visits v on v.visit_id = r.visit_id
    where r.referred_on < v.visit_date
    group by r.child_id
)

select
    c.child_id,
    c.district_code,
    c.cohort,
    c.listed_on,
    c.removed_on,
    d.first_visit_on,
    d.third_visit_on,
    d.first_seen_on,
    d.first_high_risk_on,
    p.first_protective_referral_on,
    d.first_unlisted_visit_on,
    e.first_early_referral_on
from children c
left join visit_dates d on d.child_id = c.child_id
left join protective_referrals p on p.child_id = c.child_id
left join early_referrals e on e.child_id = c.child_id
