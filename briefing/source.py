"""Where a pack's figures come from: the dashboard's own server-side code, with the recipient's
scope as the viewer.

Every figure goes through `access.scoped` exactly as the dashboard's pages do (the policy is
applied to the whole city's result for that scope, child-level queries are scoped in SQL), so a
pack holds what its recipient would see on the Daily briefing and District detail pages, never
an unscoped result filtered afterwards. `Source` only adds a memo of the raw query results for
one build (like the dashboard's query cache, keyed on small values, and shared across recipients
because it holds query results before any decision about who may see them).
"""
from datetime import date

import pandas as pd

import queries
from access import scoped
from access.viewer import Viewer

Scope = scoped.Scope


class Source:
    """One database and one day; figures for any scope, raw query results run once."""

    def __init__(self, engine, as_of: date):
        self.engine = engine
        self.as_of = as_of
        self._memo: dict = {}

    def run(self, name, engine, *, as_of, district=None, cohort=None) -> pd.DataFrame:
        """`queries.run`, remembered for this build (the `run` that access.scoped accepts)."""
        key = (name, as_of, district, cohort)
        if key not in self._memo:
            self._memo[key] = queries.run(name, engine, as_of=as_of, district=district,
                                          cohort=cohort)
        return self._memo[key].copy()

    # --- what one scope may see (access.scoped) -----------------------------------------------

    def figure(self, name: str, scope: Scope, *, as_of: date | None = None,
               district: str | None = None, cohort: str | None = None) -> pd.DataFrame:
        return scoped.figure(self.engine, name, scope, as_of=as_of or self.as_of,
                             district=district, cohort=cohort, run=self.run)

    def city_progress(self, by: list[str], *, cohort: str | None = None) -> pd.DataFrame:
        return scoped.city_progress(self.engine, by, as_of=self.as_of, cohort=cohort,
                                    run=self.run)

    def city_sums(self, name: str, by: list[str], columns: list[str]) -> pd.DataFrame:
        return scoped.city_sums(self.engine, name, by, columns, as_of=self.as_of, run=self.run)

    def district_comparison(self, scope: Scope) -> pd.DataFrame:
        return scoped.district_comparison(self.engine, as_of=self.as_of, scope=scope,
                                          run=self.run)

    # --- public facts (no child figure: the same for every role) ------------------------------

    def programme(self) -> dict:
        df = self.run("programme", self.engine, as_of=self.as_of)
        if df.empty:
            raise LookupError("the database holds no programme (load an extract first)")
        row = df.iloc[0].to_dict()
        for key in ("start_date", "deadline"):
            row[key] = pd.Timestamp(row[key]).date()
        return row

    def district_names(self, lang: str) -> dict[str, str]:
        df = self.run("districts", self.engine, as_of=self.as_of)
        column = "name_ko" if lang == "ko" else "name_en"
        return {str(code): name for code, name in zip(df["district_code"], df[column])}

    def synthetic(self) -> bool:
        df = self.run("dataset_info", self.engine, as_of=self.as_of)
        values = dict(zip(df["key"], df["value"]))
        return str(values.get("synthetic", "")).strip().lower() == "true"

    def attention(self, scope: Scope, district: str | None = None) -> pd.DataFrame:
        """The attention list as the scope may see it, in the order to act on it (the dashboard's:
        severity, then the longest waiting), with days waited. PermissionError for the city."""
        df = self.figure("attention_detail", scope, district=district)
        df["since"] = pd.to_datetime(df["since"])
        df["days_waited"] = (pd.Timestamp(self.as_of) - df["since"]).dt.days
        return df.sort_values(["severity", "since", "child_id"], ignore_index=True)


def scope_of(viewer: Viewer) -> Scope:
    return scoped.scope_of(viewer)
