"""Who receives a pack: every entry of the role map (CASES_ROLE_MAP), each with its role, district
and language (`lang`, Korean by default); on the synthetic demo without a role map, one recipient
per role and per district of the database.

A recipient's id is the entry's e-mail (or its `sub` when it has none); file names use it as is
when it is safe in a file name, with any other character replaced by `_`.
"""
import os
import re

from access import rolemap
from briefing.content import Recipient

SAFE = re.compile(r"[^A-Za-z0-9._@+-]")


class RecipientError(ValueError):
    """No usable recipient list, or an unknown recipient asked for; the message says which."""


def file_stem(recipient: Recipient) -> str:
    return SAFE.sub("_", recipient.id)


def from_role_map(path=None) -> list[Recipient]:
    try:
        roles = rolemap.load(path)
    except rolemap.RoleMapError as exc:
        raise RecipientError(str(exc)) from None
    return [Recipient(id=entry.email or entry.sub, role=entry.role, district=entry.district,
                      lang=entry.lang, email=entry.email) for entry in roles.entries]


def demo(district_codes: list[str]) -> list[Recipient]:
    """One recipient per role and per district, for the synthetic demo only."""
    found = [Recipient("demo-city", "city", email="demo-city@example.invalid"),
             Recipient("demo-response_team", "response_team",
                       email="demo-response_team@example.invalid")]
    found += [Recipient(f"demo-district-{code}", "district", district=code,
                        email=f"demo-district-{code}@example.invalid")
              for code in sorted(district_codes)]
    return found


def resolve(source, wanted: list[str] | None = None) -> list[Recipient]:
    """The recipients of this run: the role map's, or the demo's on synthetic data without one;
    only those whose id is in `wanted` when given (an unknown id is an error)."""
    if os.environ.get(rolemap.ENV, "").strip():
        everyone = from_role_map()
    elif source.synthetic():
        everyone = demo(list(source.district_names("ko")))
    else:
        raise RecipientError(f"no role map: set {rolemap.ENV} to the role map file (the demo "
                             "recipients are only used on synthetic data)")
    if not wanted:
        return everyone
    by_id = {r.id.lower(): r for r in everyone}
    unknown = [w for w in wanted if w.lower() not in by_id]
    if unknown:
        raise RecipientError(f"unknown recipient(s): {', '.join(unknown)} (not in the "
                             f"{'role map' if os.environ.get(rolemap.ENV) else 'demo list'})")
    return [by_id[w.lower()] for w in dict.fromkeys(wanted)]
