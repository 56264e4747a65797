"""Small extract folders written as readable CSV text, for loader and exporter tests.

`VALID` is a tiny, hand-checked extract in which every file is present and every rule holds.
Ids are opaque (C1, V1, S1); names are placeholders, never a real person's or place's.
Tests copy it, change one file or one row, and write the folder with `write_extract`.
"""
from pathlib import Path
from textwrap import dedent

from sqlalchemy import func, select

from data.schema import EXTRACT_TABLES


def csv_text(text: str) -> str:
    """Dedented CSV with a final newline; leading/trailing blank lines dropped."""
    return dedent(text).strip("\n") + "\n"


VALID: dict[str, str] = {
    "programme.csv": csv_text("""
        start_date,deadline,reports_per_official
        2021-03-01,2021-04-30,50
    """),
    "districts.csv": csv_text("""
        district_code,name_ko,name_en,child_population
        11110,구A,District A,1000
        11140,구B,District B,0
    """),
    "agencies.csv": csv_text("""
        agency_id,name,operator,district_code
        A1,Agency one,city,11110
    """),
    "staff.csv": csv_text("""
        staff_id,district_code,role,start_date,end_date
        S1,11110,abuse_official,2020-01-01,
        S2,11110,welfare_planner,2020-01-01,2021-12-31
    """),
    "staffing_targets.csv": csv_text("""
        district_code,role,effective_on,target
        11110,abuse_official,2021-03-01,2
    """),
    "children.csv": csv_text("""
        child_id,district_code,cohort,birth_year,listed_on,removed_on
        C1,11110,repeat_report,2015,2021-03-01,
        C2,11140,neglect_risk,2018,2021-03-01,2021-04-01
    """),
    "reports.csv": csv_text("""
        report_id,district_code,received_on,channel,child_id
        R1,11110,2021-03-02,112,C1
        R2,11140,2021-03-03,school,
    """),
    "visits.csv": csv_text("""
        visit_id,child_id,visit_date,staff_id,second_staff_id,outcome,risk_level,abuse_suspected
        V1,C1,2021-03-05,S1,S2,seen,high,true
        V2,C2,2021-03-06,S2,,not_home,,
    """),
    "referrals.csv": csv_text("""
        referral_id,child_id,visit_id,referred_on,kind,agency_id,closed_on,result
        F1,C1,V1,2021-03-06,protection_agency,A1,2021-03-20,substantiated
        F2,C2,,2021-03-07,welfare_service,,,
    """),
}


def write_extract(folder: Path, files: dict[str, str], encoding: str = "utf-8") -> Path:
    """Write each file's text into `folder` (created); returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_bytes(text.encode(encoding))
    return folder


def with_row(files: dict[str, str], name: str, row: str) -> dict[str, str]:
    """A copy of `files` with one more line appended to file `name`."""
    return {**files, name: files[name] + row + "\n"}


def with_file(files: dict[str, str], name: str, text: str) -> dict[str, str]:
    return {**files, name: csv_text(text)}


def row_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in EXTRACT_TABLES}


def read_folder(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}
