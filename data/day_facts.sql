-- district_day_facts and referral_day_facts, rebuilt from child_status, visits and referrals
-- (run by data/status.py right after child_status, in the same transaction), then
-- first_visit_facts, district_visit_days, child_alert_runs and table_counts (see each one's
-- comment below).
--
-- Each "as of D" count the figures need is a number of things (children, visits, referrals)
-- that count on an interval of days [starts_on, ends_on): from the day the thing starts to
-- count up to, not including, the day it stops (ends_on null: never stops). Such a count
-- changes by +1 on starts_on and by -1 on ends_on, so its value as of D is the sum of the
-- changes dated on or before D. An empty interval (ends_on <= starts_on) gives no change.
-- Every interval ends at the latest on removed_on, since only children on the list count.
--   listed              [listed_on, removed_on)
--   seen                [first_seen_on, removed_on): first_seen_on is a counted visit, so on or
--                       after listed_on
--   attempted           [first_visit_on, removed_on)
--   unreachable         [third_visit_on, first seen or removed_on, whichever is first)
--   seen_before_week    [first_seen_on + 7, removed_on): listed and seen on or before D - 7,
--                       so seen in D-6 .. D (pace_7d) is seen minus this
--   seen_visits         each counted seen visit, [visit_date, removed_on)
--   two_person_visits   those with a second staff member
-- and, dated on the day itself (summed over day = D, not up to it), for children on the list
-- that day: newly_seen (first seen that day), new_high_risk (distinct children with a counted
-- seen visit that day at risk high or emergency, or abuse suspected), new_referrals (referred
-- that day) and new_police_referrals (of kind police_investigation).
-- A referral counts from max(referred_on, listed_on); it is open until closed_on, then has its
-- result as outcome, up to removed_on. A child counts once per kind and outcome however many
-- such referrals it has: its changes are summed per child first, and it counts while that
-- running sum is above zero (the children column changes when it crosses zero).
-- Date arithmetic differs between SQLite and PostgreSQL: the two expressions named in braces
-- below are filled in per database by data/status.py (DATE_EXPRESSIONS).
delete from district_day_facts;

insert into district_day_facts (
    district_code, cohort, day, listed, seen, attempted, unreachable, seen_before_week,
    seen_visits, two_person_visits, newly_seen, new_high_risk, new_referrals,
    new_police_referrals
)
with
spans (district_code, cohort, starts_on, ends_on, listed, seen, attempted, unreachable,
       seen_before_week, seen_visits, two_person_visits) as (
    -- Each branch counts its children (or visits) per district, cohort and interval: a few
    -- thousand spans instead of one per child and fact (5 million at scale 30, each made twice
    -- below and summed again: 16 s of a national load).
    select district_code, cohort, listed_on, removed_on, cast(count(*) as integer), 0, 0, 0, 0,
        0, 0
    from child_status
    group by district_code, cohort, listed_on, removed_on
    union all
    select district_code, cohort, first_seen_on, removed_on, 0, cast(count(*) as integer), 0,
        0, 0, 0, 0
    from child_status
    where first_seen_on is not null
    group by district_code, cohort, first_seen_on, removed_on
    union all
    select district_code, cohort, first_visit_on, removed_on, 0, 0, cast(count(*) as integer),
        0, 0, 0, 0
    from child_status
    where first_visit_on is not null
    group by district_code, cohort, first_visit_on, removed_on
    union all
    select district_code, cohort, third_visit_on,
        case when removed_on is null then first_seen_on
            when first_seen_on is null then removed_on
            when first_seen_on < removed_on then first_seen_on
            else removed_on end,
        0, 0, 0, cast(count(*) as integer), 0, 0, 0
    from child_status
    where third_visit_on is not null
    group by district_code, cohort, third_visit_on, first_seen_on, removed_on
    union all
    select district_code, cohort, {week_after_first_seen}, removed_on, 0, 0, 0, 0,
        cast(count(*) as integer), 0, 0
    from child_status
    where first_seen_on is not null
    group by district_code, cohort, first_seen_on, removed_on
    union all
    select s.district_code, s.cohort, v.visit_date, s.removed_on, 0, 0, 0, 0, 0,
        cast(count(*) as integer),
        cast(sum(case when v.second_staff_id is not null then 1 else 0 end) as integer)
    from visits v
    join child_status s on s.child_id = v.child_id
    where v.outcome = 'seen'
      and v.visit_date >= s.listed_on
    group by s.district_code, s.cohort, v.visit_date, s.removed_on
),

changes (district_code, cohort, day, listed, seen, attempted, unreachable, seen_before_week,
         seen_visits, two_person_visits, newly_seen, new_high_risk, new_referrals,
         new_police_referrals) as (
    select district_code, cohort, starts_on, listed, seen, attempted, unreachable,
        seen_before_week, seen_visits, two_person_visits, seen, 0, 0, 0
    from spans
    where ends_on is null or ends_on > starts_on
    union all
    select district_code, cohort, ends_on, -listed, -seen, -attempted, -unreachable,
        -seen_before_week, -seen_visits, -two_person_visits, 0, 0, 0, 0
    from spans
    where ends_on > starts_on
    union all
    select s.district_code, s.cohort, v.visit_date, 0, 0, 0, 0, 0, 0, 0, 0,
        count(distinct v.child_id), 0, 0
    from visits v
    join child_status s on s.child_id = v.child_id
    where v.outcome = 'seen'
      and (v.risk_level in ('high', 'emergency') or v.abuse_suspected = true)
      and v.visit_date >= s.listed_on
      and (s.removed_on is null or s.removed_on > v.visit_date)
    group by s.district_code, s.cohort, v.visit_date
    union all
    select s.district_code, s.cohort, r.referred_on, 0, 0, 0, 0, 0, 0, 0, 0, 0, count(*),
        sum(case when r.kind = 'police_investigation' then 1 else 0 end)
    from referrals r
    join child_status s on s.child_id = r.child_id
    where r.referred_on >= s.listed_on
      and (s.removed_on is null or s.removed_on > r.referred_on)
    group by s.district_code, s.cohort, r.referred_on
)

select
    district_code, cohort, day,
    sum(listed), sum(seen), sum(attempted), sum(unreachable), sum(seen_before_week),
    sum(seen_visits), sum(two_person_visits), sum(newly_seen), sum(new_high_risk),
    sum(new_referrals), sum(new_police_referrals)
from changes
group by district_code, cohort, day;

delete from referral_day_facts;

insert into referral_day_facts (
    district_code, cohort, kind, outcome, day, referrals, children, named_visit, delay_days,
    same_day, days_1_7, days_8_30, over_30, before_visit
)
with
counted_referrals as (
    select
        s.district_code,
        s.cohort,
        r.child_id,
        r.kind,
        r.result,
        case when r.referred_on > s.listed_on then r.referred_on else s.listed_on end
            as counted_on,
        r.closed_on,
        s.removed_on,
        case when v.visit_id is not null then 1 else 0 end as named_visit,
        {referral_delay_days} as delay_days
    from referrals r
    join child_status s on s.child_id = r.child_id
    left join visits v on v.visit_id = r.visit_id
),

spans (district_code, cohort, child_id, kind, outcome, starts_on, ends_on, named_visit,
       delay_days) as (
    select district_code, cohort, child_id, kind, 'open', counted_on,
        case when closed_on is null then removed_on
            when removed_on is null then closed_on
            when closed_on < removed_on then closed_on
            else removed_on end,
        named_visit, delay_days
    from counted_referrals
    union all
    select district_code, cohort, child_id, kind, result,
        case when closed_on > counted_on then closed_on else counted_on end,
        removed_on, named_visit, delay_days
    from counted_referrals
    where closed_on is not null
),

changes (district_code, cohort, child_id, kind, outcome, day, change, named_visit,
         delay_days) as (
    select district_code, cohort, child_id, kind, outcome, starts_on, 1, named_visit, delay_days
    from spans
    where ends_on is null or ends_on > starts_on
    union all
    select district_code, cohort, child_id, kind, outcome, ends_on, -1, named_visit, delay_days
    from spans
    where ends_on > starts_on
),

per_child as (
    select
        district_code, cohort, child_id, kind, outcome, day,
        sum(change) as referrals,
        sum(change * named_visit) as named_visit,
        sum(case when delay_days >= 0 then change * delay_days else 0 end) as delay_days,
        sum(case when delay_days = 0 then change else 0 end) as same_day,
        sum(case when delay_days between 1 and 7 then change else 0 end) as days_1_7,
        sum(case when delay_days between 8 and 30 then change else 0 end) as days_8_30,
        sum(case when delay_days > 30 then change else 0 end) as over_30,
        sum(case when delay_days < 0 then change else 0 end) as before_visit
    from changes
    group by district_code, cohort, child_id, kind, outcome, day
),

running as (
    select
        p.*,
        sum(referrals) over (
            partition by child_id, kind, outcome order by day rows unbounded preceding
        ) as open_after
    from per_child p
)

select
    district_code, cohort, kind, outcome, day,
    sum(referrals),
    sum(case when open_after > 0 then 1 else 0 end
        - case when open_after - referrals > 0 then 1 else 0 end),
    sum(named_visit), sum(delay_days), sum(same_day), sum(days_1_7), sum(days_8_30),
    sum(over_30), sum(before_visit)
from running
group by district_code, cohort, kind, outcome, day;

-- first_visit_facts, for the completion forecast: a child on the list counts, on each day,
-- under the pair (first_visit_on, first_seen_on) known by that day:
--   not visited yet        [listed_on, first_visit_on or removed_on)       under (null, null)
--   visited, not seen yet  [first_visit_on, first_seen_on or removed_on)  under (first_visit_on, null)
--   seen                   [first_seen_on, removed_on)                     under both dates
-- (a counted visit is on or after listed_on, so the three follow each other). As above, each
-- interval is +1 on its first day and -1 on its end, so the children on the list at D under
-- each pair are the sum of the changes dated on or before D.
delete from first_visit_facts;

insert into first_visit_facts (
    district_code, cohort, listed_on, first_visit_on, first_seen_on, day, children
)
with
spans (district_code, cohort, listed_on, first_visit_on, first_seen_on, starts_on, ends_on,
       children) as (
    -- Children counted per span first (as for district_day_facts): a few hundred thousand
    -- spans instead of one per child and fact, each made twice below.
    select district_code, cohort, listed_on, cast(null as date), cast(null as date), listed_on,
        case when first_visit_on is null then removed_on
            when removed_on is null then first_visit_on
            when first_visit_on < removed_on then first_visit_on
            else removed_on end,
        cast(count(*) as integer)
    from child_status
    group by district_code, cohort, listed_on, first_visit_on, removed_on
    union all
    select district_code, cohort, listed_on, first_visit_on, cast(null as date), first_visit_on,
        case when first_seen_on is null then removed_on
            when removed_on is null then first_seen_on
            when first_seen_on < removed_on then first_seen_on
            else removed_on end,
        cast(count(*) as integer)
    from child_status
    where first_visit_on is not null
    group by district_code, cohort, listed_on, first_visit_on, first_seen_on, removed_on
    union all
    select district_code, cohort, listed_on, first_visit_on, first_seen_on, first_seen_on,
        removed_on, cast(count(*) as integer)
    from child_status
    where first_seen_on is not null
    group by district_code, cohort, listed_on, first_visit_on, first_seen_on, removed_on
),

changes (district_code, cohort, listed_on, first_visit_on, first_seen_on, day, change) as (
    select district_code, cohort, listed_on, first_visit_on, first_seen_on, starts_on, children
    from spans
    where ends_on is null or ends_on > starts_on
    union all
    select district_code, cohort, listed_on, first_visit_on, first_seen_on, ends_on, -children
    from spans
    where ends_on > starts_on
)

select district_code, cohort, listed_on, first_visit_on, first_seen_on, day, sum(change)
from changes
group by district_code, cohort, listed_on, first_visit_on, first_seen_on, day
having sum(change) <> 0;

-- first_visit_states, for the completion forecast: first_visit_facts added up per district,
-- cohort, first visit day and first seen day, as intervals [starts_on, ends_on) over which the
-- sum of the changes dated on or before the day stays the same (ends_on: the group's next
-- change, null after its last). Only intervals with children on the list (the facts' counts are
-- never negative).
delete from first_visit_states;

insert into first_visit_states (
    district_code, cohort, first_visit_on, first_seen_on, starts_on, ends_on, children
)
with
daily (district_code, cohort, first_visit_on, first_seen_on, day, change) as (
    select district_code, cohort, first_visit_on, first_seen_on, day, sum(children)
    from first_visit_facts
    group by district_code, cohort, first_visit_on, first_seen_on, day
    -- Changes under different listed_on days may cancel out: no new interval then.
    having sum(children) <> 0
),

running as (
    -- One row per group and day (grouped above), so the running sum up to the current row is
    -- the sum of the changes dated on or before that day.
    select district_code, cohort, first_visit_on, first_seen_on, day as starts_on,
        lead(day) over w as ends_on,
        sum(change) over w as children
    from daily
    window w as (partition by district_code, cohort, first_visit_on, first_seen_on
                 order by day)
)

select district_code, cohort, first_visit_on, first_seen_on, starts_on, ends_on, children
from running
where children <> 0;

-- first_visit_groups, for the completion forecast's read (queries/inputs/forecast_visited.sql):
-- first_visit_states added up per district, cohort and first visit day, as intervals over which
-- none of the group's states starts or ends: the children on the list, those of them not seen
-- (first seen day null), and the latest first seen day. The forecast reads the few groups that
-- hold D (1,500 of 11,500 rows at scale 1) instead of adding up the 6,000 states that hold it
-- on every reading. A missing first visit day is a group of its own: it is joined on a day no
-- visit has (visit_key), a plain equality both databases join on, where "equal or both null"
-- left PostgreSQL joining every state of a district and cohort to every span (18 s at scale 30).
delete from first_visit_groups;

insert into first_visit_groups (
    district_code, cohort, first_visit_on, starts_on, ends_on, children, open, first_seen_on
)
with
states (district_code, cohort, first_visit_on, visit_key, first_seen_on, starts_on, ends_on,
        children) as (
    select district_code, cohort, first_visit_on, coalesce(first_visit_on, '1900-01-01'),
        first_seen_on, starts_on, ends_on, children
    from first_visit_states
),

changes (district_code, cohort, first_visit_on, visit_key, day) as (
    select district_code, cohort, first_visit_on, visit_key, starts_on from states
    union
    select district_code, cohort, first_visit_on, visit_key, ends_on from states
    where ends_on is not null
),

spans as (
    select district_code, cohort, first_visit_on, visit_key, day as starts_on,
        lead(day) over (partition by district_code, cohort, visit_key order by day) as ends_on
    from changes
)

select p.district_code, p.cohort, p.first_visit_on, p.starts_on, p.ends_on, sum(s.children),
    sum(case when s.first_seen_on is null then s.children else 0 end), max(s.first_seen_on)
from spans p
join states s
  on s.district_code = p.district_code and s.cohort = p.cohort and s.visit_key = p.visit_key
 and s.starts_on <= p.starts_on and (s.ends_on is null or s.ends_on > p.starts_on)
group by p.district_code, p.cohort, p.first_visit_on, p.starts_on, p.ends_on;

-- first_visit_attempts, for the same read: first_visit_facts added up per cohort (every
-- district together), first visit day and first seen day, as first_visit_states is per
-- district: the failed first visits the forecast fits what becomes of (654 groups hold 10 March
-- at scale 1, of the 6,000 states). Only children with a first visit.
delete from first_visit_attempts;

insert into first_visit_attempts (
    cohort, first_visit_on, first_seen_on, starts_on, ends_on, children
)
with
daily (cohort, first_visit_on, first_seen_on, day, change) as (
    select cohort, first_visit_on, first_seen_on, day, sum(children)
    from first_visit_facts
    where first_visit_on is not null
    group by cohort, first_visit_on, first_seen_on, day
    having sum(children) <> 0
),

running as (
    select cohort, first_visit_on, first_seen_on, day as starts_on,
        lead(day) over w as ends_on,
        sum(change) over w as children
    from daily
    window w as (partition by cohort, first_visit_on, first_seen_on order by day)
)

select cohort, first_visit_on, first_seen_on, starts_on, ends_on, children
from running
where children <> 0;

-- district_visit_days, for the stale-data alert: visits recorded per district and day, any
-- outcome, counted or not (the rule asks whether the district's data arrived at all).
delete from district_visit_days;

insert into district_visit_days (district_code, day, visits)
select s.district_code, v.visit_date, count(*)
from visits v
join child_status s on s.child_id = v.child_id
group by s.district_code, v.visit_date
;

-- child_alert_runs, for the two child alerts (queries/alerts.py adds the rules' days). A rule
-- holds on D for a child on the list at D (listed_on <= D < removed_on) when
--   high_risk_no_referral  a repeatedly reported child has a counted high-risk seen visit by D
--                          and no protective referral by D: from first_high_risk_on (the date
--                          to count from) to the referral or the removal,
--   unreachable_no_visit   the child has three or more counted visits by D and none seen: from
--                          third_visit_on to the first seen visit or the removal, counted from
--                          the latest counted visit by D, so each visit day starts a run of its
--                          own that lasts to the next visit day.
-- Counted visits are on or after listed_on, so no run starts before the listing. A run that
-- never holds (a referral or removal on or before its first day) gets no row. The runs are
-- stored grouped, their children's ids joined by spaces.
delete from child_alert_runs;

insert into child_alert_runs (rule, district_code, cohort, since_on, ends_on, child_ids)
with
unreachable (child_id, district_code, cohort, third_visit_on, ends_on) as (
    select child_id, district_code, cohort, third_visit_on,
        case when removed_on is null then first_seen_on
            when first_seen_on is null then removed_on
            when first_seen_on < removed_on then first_seen_on
            else removed_on end
    from child_status
    where third_visit_on is not null
),

unreachable_visits (child_id, district_code, cohort, visit_date, next_visit, ends_on) as (
    -- Every visit of such a child from the third counted one to the end, with the next visit's
    -- date: a later day's, or the same day's when the child had several visits that day (the
    -- last of them, whose next visit is a later day's or none, makes the day's run below).
    select u.child_id, u.district_code, u.cohort, v.visit_date,
        lead(v.visit_date) over (partition by u.child_id order by v.visit_date),
        u.ends_on
    from unreachable u
    join visits v on v.child_id = u.child_id
    where v.visit_date >= u.third_visit_on
      and (u.ends_on is null or v.visit_date < u.ends_on)
),

runs (rule, child_id, district_code, cohort, since_on, ends_on) as (
    select 'unreachable_no_visit', child_id, district_code, cohort, visit_date,
        coalesce(next_visit, ends_on)
    from unreachable_visits
    where next_visit is null or next_visit > visit_date
    union all
    select 'high_risk_no_referral', child_id, district_code, cohort, first_high_risk_on,
        case when removed_on is null then first_protective_referral_on
            when first_protective_referral_on is null then removed_on
            when first_protective_referral_on < removed_on then first_protective_referral_on
            else removed_on end
    from child_status
    where cohort = 'repeat_report'
      and first_high_risk_on is not null
      and (first_protective_referral_on is null
           or first_protective_referral_on > first_high_risk_on)
      and (removed_on is null or removed_on > first_high_risk_on)
)

select rule, district_code, cohort, since_on, ends_on, {child_ids}
from runs
group by rule, district_code, cohort, since_on, ends_on
;

-- table_counts, for table_freshness: rows and newest date of the tables this rebuild reads.
delete from table_counts;

insert into table_counts (table_name, newest_date, row_count)
select 'children', max(listed_on), count(*) from children
union all
select 'visits', max(visit_date), count(*) from visits
union all
select 'referrals', max(referred_on), count(*) from referrals
;

-- attention_spans, for the attention list: each child and reason on the list, from the day it
-- starts to count up to, not including, the day it stops (null: never stops):
--   unreachable             [third_visit_on, first seen or removed_on, whichever is first)
--   high_risk_no_referral   [first_high_risk_on, first protective referral or removed_on,
--                           whichever is first)
-- Both starts are counted visits, so on or after listed_on: on the list at D is then
-- starts_on <= D < ends_on, the conditions of attention_list.sql before this table. A child
-- whose interval is empty (seen by its third visit's day) is never on the list for that reason
-- and gets no row.
delete from attention_spans;

insert into attention_spans (child_id, reason, district_code, cohort, listed_on, starts_on, ends_on)
select child_id, reason, district_code, cohort, listed_on, starts_on, ends_on
from (
    select child_id, 'unreachable' as reason, district_code, cohort, listed_on,
        third_visit_on as starts_on,
        case when first_seen_on is null then removed_on
             when removed_on is null or first_seen_on < removed_on then first_seen_on
             else removed_on end as ends_on
    from child_status
    where third_visit_on is not null

    union all

    select child_id, 'high_risk_no_referral' as reason, district_code, cohort, listed_on,
        first_high_risk_on as starts_on,
        case when first_protective_referral_on is null then removed_on
             when removed_on is null or first_protective_referral_on < removed_on
                 then first_protective_referral_on
             else removed_on end as ends_on
    from child_status
    where first_high_risk_on is not null
) spans
where ends_on is null or ends_on > starts_on
;

-- attention_steps, for the attention list's details (attention_detail.sql): each row of
-- attention_spans cut at its child's counted visit days (listed_on <= visit_date) inside it, with
-- the attempts up to that day (the child's counted visits) and the day itself as the latest
-- visit. Both stay as they are until the next visit day, so the one step holding D gives the
-- attempts and last visit as of D. A span starts on a counted visit day (the third counted
-- visit, or the high-risk seen visit), so its steps cover it from its first day to its end.
delete from attention_steps;

insert into attention_steps (
    child_id, reason, starts_on, ends_on, district_code, cohort, since_on, attempts, last_visit_on
)
with
visit_days (child_id, day, visits) as (
    select s.child_id, v.visit_date, count(*)
    from (select distinct child_id, listed_on from attention_spans) s
    join visits v on v.child_id = s.child_id
    where v.visit_date >= s.listed_on
    group by s.child_id, v.visit_date
),

running (child_id, day, attempts) as (
    select child_id, day, sum(visits) over (partition by child_id order by day)
    from visit_days
)

select a.child_id, a.reason, r.day,
    coalesce(lead(r.day) over (partition by a.child_id, a.reason order by r.day), a.ends_on),
    a.district_code, a.cohort, a.starts_on, r.attempts, r.day
from attention_spans a
join running r on r.child_id = a.child_id
where r.day >= a.starts_on
  and (a.ends_on is null or r.day < a.ends_on)
