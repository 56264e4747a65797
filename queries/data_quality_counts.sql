-- data_quality_counts
-- One row per district and kind of finding, how many suspicious rows the extract holds.
--
-- Answers   How much of each district's data needs checking, and of what kind?
-- The findings of data_quality_findings.sql counted (its dated part included below, not
-- copied; the never-visited kind counted from the per-day facts); only kinds with at least one
-- finding.
-- Params    as_of (D, the newest extract day by default), midpoint (S + floor((T - S) / 2), the
--           plan's midpoint), district (a code, or null for the whole city), cohort (or null)
-- Grain     the kinds of finding listed in data_quality_findings.sql's header
-- Columns
--   district_code   text    the children's district
--   finding         text    the kind of finding
--   findings        count   how many findings (rows)
--   children        count   how many distinct children
with
dated as (
    -- include sql/findings_dated
)

select district_code, finding, count(*) as findings, count(distinct child_id) as children
from dated
group by district_code, finding
union all
-- The never-visited kind from the per-day facts (data/day_facts.sql, first_visit_facts) instead of
-- one row per child: a child on the list counts under a missing first visit day from listed_on
-- until its first counted visit or its removal, so the children on the list at D, listed on or
-- before the midpoint and without a counted visit by D, are the facts dated up to D under a
-- missing first visit day, listed on or before the midpoint: findings_never_visited.sql's rows,
-- counted (tests/test_queries_reference.py). One finding per child: its children are its rows.
-- Scale 1 on 2 March: 17 ms to 5 for the whole query (14,000 children became 3,000 facts).
select district_code, 'never_visited_past_midpoint', sum(children), sum(children)
from first_visit_facts
where first_visit_on is null
  and listed_on <= :midpoint
  and :midpoint <= :as_of
  and day <= :as_of
  and (cast(:district as text) is null or district_code = :district)
  and (cast(:cohort as text) is null or cohort = :cohort)
group by district_code
having sum(children) > 0
