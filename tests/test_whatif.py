"""The staffing what-if model: pace scales with staff; edge cases give a reason, not a date."""
from datetime import date

import pytest

from pages.common import whatif
from pages.common.whatif import Scenario, project

D = date(2021, 3, 1)
T = date(2021, 3, 31)


def scenario(**kw):
    base = dict(as_of=D, deadline=T, remaining=60, pace_7d=2.0, staff=4, added=0)
    base.update(kw)
    return Scenario(**base)


@pytest.mark.parametrize("added, pace, completion, on_time", [
    (0, 2.0, date(2021, 3, 31), True),    # 60 / 2 = 30 days: exactly the deadline
    (4, 4.0, date(2021, 3, 16), True),    # twice the staff, twice the pace: 15 days
    (2, 3.0, date(2021, 3, 21), True),    # 60 / 3 = 20 days
    (1, 2.5, date(2021, 3, 25), True),    # 60 / 2.5 = 24 days
])
def test_extra_staff_raise_pace_in_proportion(added, pace, completion, on_time):
    p = project(scenario(added=added))
    assert p.status == whatif.PROJECTED
    assert p.pace == pytest.approx(pace)
    assert p.completion == completion
    assert p.on_time is on_time


def test_one_day_late_is_not_on_time():
    p = project(scenario(remaining=61))
    assert p.completion == date(2021, 4, 1)   # ceil(30.5) = 31 days
    assert p.on_time is False


def test_pace_from_a_weekly_count_does_not_round_up_a_whole_day():
    # 3 children seen in 7 days, 3 left: exactly 7 days, although 3 / (3/7) is 7.000000000000001.
    p = project(scenario(remaining=3, pace_7d=3 / 7, staff=1))
    assert p.completion == date(2021, 3, 8)


def test_zero_pace_gives_no_date_even_with_more_staff():
    for added in (0, 5):
        p = project(scenario(pace_7d=0.0, added=added))
        assert (p.status, p.completion, p.on_time) == (whatif.NO_PACE, None, None)
    assert project(scenario(pace_7d=None)).status == whatif.NO_PACE


def test_zero_staff_has_no_rate_per_person_to_scale():
    p = project(scenario(staff=0, added=3))
    assert (p.status, p.pace, p.completion) == (whatif.NO_STAFF, None, None)
    assert whatif.rate_per_person(2.0, 0) is None
    # Nobody in post and nobody added: the observed pace still gives the current projection.
    assert project(scenario(staff=0, pace_7d=2.0)).completion == date(2021, 3, 31)
    assert project(scenario(staff=0, pace_7d=0.0)).status == whatif.NO_STAFF


def test_already_complete_needs_no_more_staff():
    p = project(scenario(remaining=0, pace_7d=0.0, added=3))
    assert (p.status, p.completion, p.on_time) == (whatif.COMPLETE, None, True)


def test_past_the_deadline_the_projection_is_late_whatever_is_added():
    late = scenario(as_of=date(2021, 4, 10), remaining=10, pace_7d=1.0, staff=2)
    for added in (0, 10):
        p = project(late, added=added)
        assert p.status == whatif.PROJECTED
        assert p.completion > T
        assert p.on_time is False
    assert project(late, added=2).completion == date(2021, 4, 15)  # pace 2/day, 5 days


def test_days_saved():
    s = scenario()
    assert whatif.days_saved(project(s), project(s, added=4)) == 15
    assert whatif.days_saved(project(s), project(scenario(pace_7d=0.0))) is None


@pytest.mark.parametrize("reports, officials, added, expected", [
    (150, 3, 0, 50.0),
    (150, 3, 2, 30.0),
    (150, 0, 0, None),     # nobody in post
    (150, 0, 3, 50.0),
    (None, 3, 0, None),
    (0, 3, 0, 0.0),
])
def test_reports_per_official(reports, officials, added, expected):
    assert whatif.reports_per_official(reports, officials, added) == expected


def test_officials_needed_for_the_standard():
    assert whatif.officials_needed(151, 50) == 4
    assert whatif.officials_needed(150, 50) == 3
    assert whatif.officials_needed(0, 50) == 0
    assert whatif.officials_needed(None, 50) is None


def test_negative_inputs_are_refused():
    with pytest.raises(ValueError):
        scenario(added=-1)
    with pytest.raises(ValueError):
        scenario(remaining=-1)


# --- the answer: how many people finish by the deadline -------------------------------------

@pytest.mark.parametrize("remaining, pace, staff, total, added", [
    (60, 2.0, 4, 4, 0),     # 30 days at 2 a day: exactly the deadline with those in post
    (120, 2.0, 4, 8, 4),    # twice the work in the same 30 days: twice the people
    (61, 2.0, 4, 5, 1),     # one child more than 4 people finish: a fifth person
    (30, 2.0, 4, 4, 0),     # those in post finish early: nobody to add, total stays in post
    (3000, 0.5, 2, 400, 398),
])
def test_staff_to_finish_is_computed(remaining, pace, staff, total, added):
    answer = whatif.staff_to_finish(scenario(remaining=remaining, pace_7d=pace, staff=staff))
    assert answer.status == whatif.NEEDED
    assert (answer.total, answer.added) == (total, added)


@pytest.mark.parametrize("remaining", [1, 7, 59, 60, 61, 97, 250, 1001])
@pytest.mark.parametrize("pace, staff", [(2.0, 4), (3 / 7, 1), (6 / 7, 3), (10.4, 13)])
def test_staff_to_finish_is_the_fewest_that_project_on_time(remaining, pace, staff):
    s = scenario(remaining=remaining, pace_7d=pace, staff=staff)
    answer = whatif.staff_to_finish(s)
    assert project(s, added=answer.added).on_time is True
    if answer.added > 0:
        assert project(s, added=answer.added - 1).on_time is False


def test_staff_to_finish_without_a_rate_or_after_the_deadline():
    assert whatif.staff_to_finish(scenario(remaining=0)).status == whatif.COMPLETE
    assert whatif.staff_to_finish(scenario(pace_7d=0.0)).status == whatif.NO_PACE
    assert whatif.staff_to_finish(scenario(staff=0)).status == whatif.NO_STAFF
    late = whatif.staff_to_finish(scenario(as_of=T, remaining=10, pace_7d=2.0))
    assert late.status == whatif.DEADLINE_PASSED
    assert late.completion == date(2021, 4, 5)   # the date reached at the current pace
