"""The viewer of a page: who they are and what their role lets them see.

A Viewer is made on the server from the login (or, in the labelled synthetic demo only, from the
"view as" switch); never from a widget value, URL parameter or anything else the browser sends.
"""
from dataclasses import dataclass

ROLES = ("city", "response_team", "district")


@dataclass(frozen=True)
class Viewer:
    subject: str                      # the login's subject or email; "demo" in the demo
    role: str                         # one of ROLES
    district_code: str | None = None  # set for role "district" only
    demo: bool = False                # the labelled synthetic demo (no login): access/login.py

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}")
        if (self.role == "district") != (self.district_code is not None):
            raise ValueError("a district code goes with the role 'district', and only with it")

    @property
    def sees_child_rows(self) -> bool:
        """Whether this viewer may see child-level rows at all (in some district)."""
        return self.role in ("response_team", "district")

    def child_rows_scope(self, requested_district: str | None) -> str | None:
        """The district to pass to a child-level query, or None for the whole city.

        A district viewer always gets their own district, whatever was requested; the city role
        gets no child-level rows (PermissionError).
        """
        if self.role == "city":
            raise PermissionError("the city role sees no child-level rows")
        if self.role == "district":
            return self.district_code
        return requested_district

    def sees_raw_figures_of(self, district_code: str | None) -> bool:
        """Whether aggregate figures of this district (None: the city) are shown unsuppressed."""
        return self.role != "district" or district_code in (None, self.district_code)


DEMO_DEFAULT = Viewer(subject="demo", role="response_team", demo=True)
