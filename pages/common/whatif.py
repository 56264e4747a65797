"""What if a district had more staff? A pure model, no Streamlit, so it can be unit-tested.

Assumption (stated on the Staffing page too): each person in post keeps visiting at the
district's recent rate, `pace_7d / staff in post` children first seen per person per day. Extra
staff therefore raise the pace in proportion: pace * (staff + added) / staff. The model knows
nothing of travel, training time or a shrinking pool of easy cases, so it is an upper bound on
what extra staff buy.

Abuse officials visit the `repeat_report` cohort, welfare planners the `neglect_risk` cohort; the
page pairs them. Reports per official change only when officials are added.
"""
import math
from dataclasses import dataclass
from datetime import date, timedelta

# Projection.status values, so the page can say why there is no date.
COMPLETE = "complete"        # nothing left to inspect
PROJECTED = "projected"      # a date at the (scenario) pace
NO_PACE = "no_pace"          # nobody first seen in the last 7 days: no date at this pace
NO_STAFF = "no_staff"        # nobody in post: the rate per person is unknown


@dataclass(frozen=True)
class Scenario:
    as_of: date
    deadline: date
    remaining: int             # children on the list and not yet seen (listed - seen)
    pace_7d: float | None      # children first seen per day over the 7 days ending as_of
    staff: int                 # people in post who make these visits
    added: int = 0             # people added in the scenario

    def __post_init__(self):
        if self.remaining < 0 or self.staff < 0 or self.added < 0:
            raise ValueError("remaining, staff and added must not be negative")


@dataclass(frozen=True)
class Projection:
    status: str
    pace: float | None         # children first seen per day
    completion: date | None    # the day the last child is projected to be seen
    on_time: bool | None       # completion on or before the deadline; None without a date


def rate_per_person(pace_7d: float | None, staff: int) -> float | None:
    """Children first seen per person per day; None when nobody is in post."""
    if staff <= 0 or pace_7d is None:
        return None
    return pace_7d / staff


def days_to_finish(remaining: int, pace: float) -> int:
    """Whole days needed at `pace` (> 0); rounded first so 3 / (3/7) is 7, not 7.0000001 -> 8."""
    return math.ceil(round(remaining / pace, 9))


def project(s: Scenario, added: int | None = None) -> Projection:
    """The projected completion with `added` extra staff (default: the scenario's own)."""
    added = s.added if added is None else added
    if s.remaining == 0:
        return Projection(COMPLETE, s.pace_7d, None, True)
    if s.staff == 0 and added == 0:
        # Nobody in post and nobody added: only the observed pace (if any) tells us anything.
        if not s.pace_7d:
            return Projection(NO_STAFF, s.pace_7d, None, None)
        pace = s.pace_7d
    elif s.staff == 0:
        # Somebody added to a district with nobody in post: no rate per person to scale.
        return Projection(NO_STAFF, None, None, None)
    else:
        pace = (s.pace_7d or 0.0) * (s.staff + added) / s.staff
    if pace <= 0:
        return Projection(NO_PACE, 0.0, None, None)
    completion = s.as_of + timedelta(days=days_to_finish(s.remaining, pace))
    return Projection(PROJECTED, pace, completion, completion <= s.deadline)


# StaffAnswer.status values besides COMPLETE, NO_PACE and NO_STAFF.
NEEDED = "needed"                    # `added` more people finish by the deadline
DEADLINE_PASSED = "deadline_passed"  # as_of is on or after the deadline: `completion` instead


@dataclass(frozen=True)
class StaffAnswer:
    status: str
    total: int | None          # people needed in post to finish by the deadline
    added: int | None          # of whom not yet in post (0 when those in post suffice)
    completion: date | None    # after the deadline: the day reached at the current pace


def staff_to_finish(s: Scenario) -> StaffAnswer:
    """How many people a district needs to see its remaining children by the deadline, each at
    the district's current pace per person: computed, not found by trying numbers.

    Finishing by the deadline needs ceil(remaining / pace) <= days left, i.e. a pace of at
    least remaining / days left; at `pace_7d / staff` a person that takes
    remaining * staff / (days left * pace_7d) people, rounded up. `project` agrees.
    """
    if s.remaining == 0:
        return StaffAnswer(COMPLETE, s.staff, 0, None)
    days_left = (s.deadline - s.as_of).days
    if days_left <= 0:
        return StaffAnswer(DEADLINE_PASSED, None, None, project(s, added=0).completion)
    if s.staff == 0:
        return StaffAnswer(NO_STAFF, None, None, None)
    if not s.pace_7d:
        return StaffAnswer(NO_PACE, None, None, None)
    # Rounded first, as in days_to_finish, so an exact fit is not pushed up by float noise.
    total = math.ceil(round(s.remaining * s.staff / (days_left * s.pace_7d), 9))
    return StaffAnswer(NEEDED, max(total, s.staff), max(total - s.staff, 0), None)


def days_saved(before: Projection, after: Projection) -> int | None:
    """How many days earlier the scenario finishes; None unless both have a date."""
    if before.completion is None or after.completion is None:
        return None
    return (before.completion - after.completion).days


def reports_per_official(reports_12m: int | None, officials: int, added: int = 0) -> float | None:
    """Reports of the last 12 months per official in post; None when nobody would be in post."""
    if reports_12m is None or officials + added <= 0:
        return None
    return reports_12m / (officials + added)


def officials_needed(reports_12m: int | None, standard: int) -> int | None:
    # The page says "7 in total, 4 more than in post": more = max(needed - in post, 0).
    """Officials needed to meet the standard of `standard` reports per official per year."""
    if reports_12m is None or standard <= 0:
        return None
    return math.ceil(reports_12m / standard)
