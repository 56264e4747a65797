-- attention_counts
-- How many rows the attention list holds, per district, cohort and reason.
--
-- Answers   How many children need action now, for each reason (the true count of a list a
--           page shows only the first rows of)?
-- Params    as_of (D), district (a code, or null for the whole city), cohort (or null for both)
-- Grain     the rows of attention_list.sql (included below, not copied), counted; only
--           combinations with at least one row. As sensitive as the list itself: child-level
--           in access/policy.py (a head asks for their own district only, the city role not
--           at all).
-- Columns
--   district_code   text    the children's district
--   cohort          text    the children's cohort
--   reason          text    unreachable or high_risk_no_referral
--   children        count   children on the list for this reason (one row each)
with
attention as (
    -- include attention_list
)

select district_code, cohort, reason, count(*) as children
from attention
group by district_code, cohort, reason
