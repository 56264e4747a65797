"""Language: the current language's texts, localized names, and numbers and dates per language.

Every page keeps its own texts as T = {"en": {...}, "ko": {...}} and calls `texts(T)`.
"""
from datetime import date

import pandas as pd

from access import safe_text
from pages.common import filters

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DASH = "—"

COHORT_NAMES = {
    "en": {"repeat_report": "Repeatedly reported", "neglect_risk": "Neglect risk", None: "Both cohorts"},
    "ko": {"repeat_report": "재신고 아동", "neglect_risk": "방임 위기 아동", None: "전체 대상군"},
}
CITY_NAME = {"en": "Seoul (all districts)", "ko": "서울시 전체"}


def lang() -> str:
    return filters.lang()


class Texts(dict):
    """A page's texts in one language. A key the page does not define that names a figure
    (pages/common/definitions.py) is that figure's label, so a page that leaves its figures'
    names out gets the one label every page uses."""

    def __init__(self, items: dict, language: str):
        super().__init__(items)
        self.language = language

    def __missing__(self, key):
        from pages.common import definitions
        if key in definitions.DEFINITIONS:
            return definitions.label(key, self.language)
        raise KeyError(key)

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key):
        return self.get(key) is not None


def texts(T: dict) -> Texts:
    """The current language's texts; a key missing in Korean falls back to English, and a
    figure's name missing from both to its label in the definitions."""
    return Texts({**T.get("en", {}), **T.get(lang(), {})}, lang())


def pick(en: str, ko: str) -> str:
    return ko if lang() == "ko" else en


def _district_name(code, names: dict) -> str:
    if code is None or code == filters.CITY:
        return CITY_NAME[lang()]
    entry = names.get(code)
    if not entry:
        return str(code)
    return entry["ko"] if lang() == "ko" else entry["en"]


def _districts() -> dict:
    from pages.common import data  # late: data imports filters, which is fine, but keep i18n light
    return data.district_names()


def district_name(code: str | None) -> str:
    """The district's name in the current language, from the districts table; the code if unknown.
    None (or filters.CITY) is the whole city. For a column of codes, use `district_names`."""
    return _district_name(code, _districts())


def district_namer():
    """`district_name` as a function of the code, with the names and the language read once:
    for a selectbox's format_func, which names every option on every run."""
    names, language = _districts(), lang()

    def name(code) -> str:
        if code is None or code == filters.CITY:
            return CITY_NAME[language]
        entry = names.get(code)
        if not entry:
            return str(code)
        return entry["ko"] if language == "ko" else entry["en"]
    return name


def district_title(code: str | None) -> str:
    """`district_name` for a Markdown-rendering call (title, subheader, caption, metric label):
    a name from an extract is shown as text, never as Markdown (access.safe_text)."""
    return safe_text.markdown(district_name(code))


def _each_once(values: pd.Series, name_of) -> pd.Series:
    # Name each distinct value once: child-level lists have tens of thousands of rows.
    names = {v: (name_of(v) if pd.notna(v) else DASH) for v in values.unique()}
    return values.map(names)


def district_names(codes: pd.Series) -> pd.Series:
    """`district_name` of every code in a column (a missing code is a dash)."""
    names = _districts()
    return _each_once(codes, lambda c: _district_name(str(c), names))


def district_labels(codes: pd.Series) -> pd.Series:
    """`district_names` for plotly text (hover, legend, axis labels): shown as text, never as
    plotly's HTML (access.safe_text)."""
    return district_names(codes).map(safe_text.html)


def with_names(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of df with display-name columns next to the code columns it has: `district_name`,
    `cohort_name`, and `<field>_name` for kind, outcome, reason and finding. Figures and tables
    show the names; the codes stay, for CSV downloads."""
    out = df.copy()
    if "district_code" in out:
        out["district_name"] = district_names(out["district_code"])
    if "cohort" in out:
        out["cohort_name"] = _each_once(out["cohort"], cohort_name)
    for field in ("kind", "outcome", "reason", "finding"):
        if field in out:
            out[f"{field}_name"] = _each_once(out[field], lambda v, f=field: value_name(f, v))
    return out


def name_each(values: pd.Series, name_of) -> pd.Series:
    """values.map(name_of), calling name_of once per distinct value."""
    # The language is read from the session on every call of a naming function: once per row
    # of a child list, that was most of the page's run.
    return values.map({v: name_of(v) for v in values.unique()})


def cohort_names(values: pd.Series) -> pd.Series:
    """`cohort_name` of every value in a column."""
    return name_each(values, cohort_name)


def value_names(field: str, values: pd.Series) -> pd.Series:
    """`value_name` of every value in a column (field: kind, outcome, reason, finding)."""
    return name_each(values, lambda v: value_name(field, v))


def labels_of(values: pd.Series, prefix: str = "") -> pd.Series:
    """`label(prefix + value)` of every value in a column."""
    return name_each(values, lambda v: label(f"{prefix}{v}"))


def cohort_name(c: str | None) -> str:
    """The cohort's name; None (or filters.BOTH_COHORTS) is both cohorts."""
    if c == filters.BOTH_COHORTS:
        c = None
    return COHORT_NAMES[lang()].get(c, str(c))


def _missing(x) -> bool:
    """None, NaN, pd.NA and NaT all print as a dash."""
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def fmt_int(n) -> str:
    if _missing(n):
        return DASH
    return f"{int(round(float(n))):,}"


def fmt_num(x, digits: int = 1) -> str:
    if _missing(x):
        return DASH
    return f"{float(x):,.{digits}f}"


def fmt_pace(x) -> str:
    """Children a day: whole numbers from 10 a day up ("611"), one decimal below ("6.4")."""
    if _missing(x):
        return DASH
    return fmt_num(x, 0 if abs(float(x)) >= 10 else 1)


def pace_value(x):
    """A pace rounded as `fmt_pace` prints it, for table columns that keep numbers sortable."""
    if _missing(x):
        return x
    return round(float(x), 0 if abs(float(x)) >= 10 else 1)


POINTS = {"en": "{v} pt", "ko": "{v}%p"}


def points_unit() -> str:
    """The unit of a difference of two percentages: "pt" / "%p"."""
    return POINTS[lang()].format(v="").strip()


def fmt_points(gap) -> str:
    """A difference of two 0..1 rates in percentage points, signed: "-3.2 pt" / "-3.2%p"."""
    if _missing(gap):
        return DASH
    return POINTS[lang()].format(v=f"{float(gap) * 100:+.1f}")


WEEKDAYS = {"en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
            "ko": ("월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일")}
DELTA = {"en": "{n} vs {d} (a {w})", "ko": "{d}({w}) 대비 {n}"}


def fmt_day(d) -> str:
    """A day without the year, for labels next to a full date: "14 Feb" / "2월 14일"."""
    d = pd.Timestamp(d).date()
    return f"{d.month}월 {d.day}일" if lang() == "ko" else f"{d.day} {MONTHS_EN[d.month - 1]}"


def fmt_delta(n, other_day) -> str | None:
    """A change labelled with what it is compared with: "+1,190 vs 14 Feb (a Sunday)"."""
    if _missing(n):
        return None
    d = pd.Timestamp(other_day).date()
    return DELTA[lang()].format(n=f"{int(round(float(n))):+,}", d=fmt_day(d),
                                w=WEEKDAYS[lang()][d.weekday()])


def fmt_rate(x) -> str:
    """A 0..1 rate as a percentage with one decimal."""
    if _missing(x):
        return DASH
    return f"{float(x) * 100:.1f}%"


def fmt_date(d) -> str:
    if _missing(d):
        return DASH
    if isinstance(d, str):
        d = date.fromisoformat(d[:10])
    if hasattr(d, "date") and callable(d.date):  # pandas Timestamp / datetime
        d = d.date()
    if lang() == "ko":
        return f"{d.year}년 {d.month}월 {d.day}일"
    return f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}"


def label(key: str) -> str:
    """The short label of a figure (a column name of metrics.md) in the current language."""
    from pages.common import definitions
    return definitions.label(key, lang())


def value_name(field: str, value) -> str:
    """The name of a coded value (field: kind, outcome, reason, finding) in the current language."""
    from pages.common import definitions
    return definitions.value_name(field, value, lang())
