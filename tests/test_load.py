"""The extract loader against extract-format.md: one bad row per rule, exact messages, all or
nothing, references from the database, replacement of re-sent keys. Both databases."""
import pytest

from data.export import export_extract
from data.load import ExtractError, load_extract
from tests.extract_fixtures import (
    VALID, csv_text, read_folder, row_counts, with_file, with_row, write_extract,
)


def problems_of(engine, folder) -> list[str]:
    with pytest.raises(ExtractError) as caught:
        load_extract(engine, folder)
    return caught.value.problems


def line_after(name: str) -> int:
    """Line number of a row appended to VALID's file `name`."""
    return VALID[name].count("\n") + 1


# (file, appended row, column, what is wrong): each row breaks exactly one rule of the spec.
BAD_ROWS = [
    # programme.csv (a second row is itself wrong, so the rule is checked on a replaced file)
    ("districts.csv", "1111,구C,District C,5", "district_code", "not a five-digit district code: '1111'"),
    ("districts.csv", "11170,,District C,5", "name_ko", "required"),
    ("districts.csv", "11170,구C,,5", "name_en", "required"),
    ("districts.csv", "11170,구C,District C,", "child_population", "required"),
    ("districts.csv", "11170,구C,District C,-1", "child_population", "must be 0 or more: -1"),
    ("districts.csv", "11170,구C,District C,1.5", "child_population", "not an integer: '1.5'"),
    ("districts.csv", "11170,구C,District C,99999999999", "child_population",
     "too large for an integer: '99999999999'"),
    ("agencies.csv", "A2,Agency two,city,111100", "district_code",
     "no district '111100' in districts.csv or the database"),
    ("agencies.csv", "A2,Agency\x00two,city,11110", "name", "contains a NUL character"),
    ("agencies.csv", "A2,Agency two,public,11110", "operator", "not one of private, city: 'public'"),
    ("agencies.csv", "A2,,city,11110", "name", "required"),
    ("agencies.csv", "A 2,Agency two,city,11110", "agency_id",
     "not an identifier (1 to 32 letters, digits, - or _): 'A 2'"),
    ("agencies.csv", "A2,Agency two,city,99999", "district_code",
     "no district '99999' in districts.csv or the database"),
    ("agencies.csv", "A2,Agency two,city,", "district_code", "required"),
    ("staff.csv", "S3,11110,driver,2020-01-01,", "role",
     "not one of abuse_official, welfare_planner: 'driver'"),
    ("staff.csv", "S3,11110,abuse_official,,", "start_date", "required"),
    ("staff.csv", "S3,11110,abuse_official,2021-02-30,", "start_date",
     "not a date (YYYY-MM-DD): '2021-02-30'"),
    ("staff.csv", "S3,11110,abuse_official,2021-1-5,", "start_date",
     "not a date (YYYY-MM-DD): '2021-1-5'"),
    ("staff.csv", "S3,11110,abuse_official,2021-03-01,2021-02-28", "end_date",
     "must not be before start_date (2021-03-01): 2021-02-28"),
    ("staff.csv", "S3,99999,abuse_official,2021-03-01,", "district_code",
     "no district '99999' in districts.csv or the database"),
    ("staff.csv", "S" + "9" * 32 + ",11110,abuse_official,2021-03-01,", "staff_id",
     "not an identifier (1 to 32 letters, digits, - or _): '" + "S" + "9" * 32 + "'"),
    ("staffing_targets.csv", "11110,welfare_planner,2021-03-01,-2", "target", "must be 0 or more: -2"),
    ("staffing_targets.csv", "11110,welfare_planner,,2", "effective_on", "required"),
    ("staffing_targets.csv", "99999,welfare_planner,2021-03-01,2", "district_code",
     "no district '99999' in districts.csv or the database"),
    ("children.csv", "C3,11110,orphan,2015,2021-03-01,", "cohort",
     "not one of repeat_report, neglect_risk: 'orphan'"),
    ("children.csv", "C3,11110,neglect_risk,1989,2021-03-01,", "birth_year",
     "must be between 1990 and 2030: 1989"),
    ("children.csv", "C3,11110,neglect_risk,2031,2021-03-01,", "birth_year",
     "must be between 1990 and 2030: 2031"),
    ("children.csv", "C3,11110,neglect_risk,2015,,", "listed_on", "required"),
    ("children.csv", "C3,11110,neglect_risk,2015,2021-03-01,2021-03-01", "removed_on",
     "must be after listed_on (2021-03-01): 2021-03-01"),
    ("children.csv", "C3,99999,neglect_risk,2015,2021-03-01,", "district_code",
     "no district '99999' in districts.csv or the database"),
    ("reports.csv", "R3,11110,2021-03-02,phone,", "channel",
     "not one of 112, school, medical, welfare, neighbour, family, other: 'phone'"),
    ("reports.csv", "R3,11110,2021-03-02,112,C9", "child_id",
     "no child 'C9' in children.csv or the database"),
    ("reports.csv", "R3,,2021-03-02,112,", "district_code", "required"),
    ("visits.csv", "V3,,2021-03-05,S1,,not_home,,", "child_id", "required"),
    ("visits.csv", "V3,C9,2021-03-05,S1,,not_home,,", "child_id",
     "no child 'C9' in children.csv or the database"),
    ("visits.csv", "V3,C1,2021-03-05,S9,,not_home,,", "staff_id",
     "no staff member 'S9' in staff.csv or the database"),
    ("visits.csv", "V3,C1,2021-03-05,S1,S9,not_home,,", "second_staff_id",
     "no staff member 'S9' in staff.csv or the database"),
    ("visits.csv", "V3,C1,2021-03-05,S1,S1,not_home,,", "second_staff_id",
     "must differ from staff_id: S1"),
    ("visits.csv", "V3,C1,2021-03-05,S1,,seen,,false", "risk_level", "required when outcome is seen"),
    ("visits.csv", "V3,C1,2021-03-05,S1,,seen,low,", "abuse_suspected",
     "required when outcome is seen"),
    ("visits.csv", "V3,C1,2021-03-05,S1,,refused,low,", "risk_level",
     "must be empty unless outcome is seen"),
    ("visits.csv", "V3,C1,2021-03-05,S1,,refused,,false", "abuse_suspected",
     "must be empty unless outcome is seen"),
    ("visits.csv", "V3,C1,2021-03-05,S1,,seen,low,yes", "abuse_suspected",
     "not true or false: 'yes'"),
    ("visits.csv", "V3,C1,2021-03-05,S1,,seen,severe,true", "risk_level",
     "not one of none, low, medium, high, emergency: 'severe'"),
    ("visits.csv", "V3,C1,2021-03-05,S1,,absent,,", "outcome",
     "not one of seen, not_home, refused, moved: 'absent'"),
    ("referrals.csv", "F3,C1,V9,2021-03-06,follow_up,,,", "visit_id",
     "no visit 'V9' in visits.csv or the database"),
    ("referrals.csv", "F3,C2,V1,2021-03-06,follow_up,,,", "visit_id",
     "visit 'V1' is of child_id 'C1', not 'C2'"),
    ("referrals.csv", "F3,C1,,2021-03-06,follow_up,A9,,", "agency_id",
     "no agency 'A9' in agencies.csv or the database"),
    ("referrals.csv", "F3,C9,,2021-03-06,follow_up,,,", "child_id",
     "no child 'C9' in children.csv or the database"),
    ("referrals.csv", "F3,C1,,2021-03-06,arrest,,,", "kind",
     "not one of police_investigation, protection_agency, emergency_protection, follow_up,"
     " welfare_service, medical: 'arrest'"),
    ("referrals.csv", "F3,C1,,2021-03-06,follow_up,,2021-03-05,declined", "closed_on",
     "must not be before referred_on (2021-03-06): 2021-03-05"),
    ("referrals.csv", "F3,C1,,2021-03-06,follow_up,,2021-03-07,", "result",
     "required when closed_on is set"),
    ("referrals.csv", "F3,C1,,2021-03-06,follow_up,,,declined", "result",
     "must be empty while closed_on is empty"),
    ("referrals.csv", "F3,C1,,2021-03-06,follow_up,,2021-03-07,won", "result",
     "not one of substantiated, not_substantiated, services_provided, declined, transferred:"
     " 'won'"),
    ("referrals.csv", "F3,C1,,,follow_up,,,", "referred_on", "required"),
]


@pytest.mark.parametrize("name, row, column, message", BAD_ROWS,
                         ids=[f"{n}-{c}-{i}" for i, (n, _, c, _) in enumerate(BAD_ROWS)])
def test_each_rule_rejects_the_row_and_writes_nothing(engine, tmp_path, name, row, column,
                                                      message):
    folder = write_extract(tmp_path / "x", with_row(VALID, name, row))
    assert problems_of(engine, folder) == [f"{name}:{line_after(name)}: {column}: {message}"]
    assert set(row_counts(engine).values()) == {0}


@pytest.mark.parametrize("text, expected", [
    ("start_date,deadline,reports_per_official\n2021-03-01,2021-02-28,50\n",
     "programme.csv:2: deadline: must not be before start_date (2021-03-01): 2021-02-28"),
    ("start_date,deadline,reports_per_official\n2021-03-01,2021-04-30,0\n",
     "programme.csv:2: reports_per_official: must be more than 0: 0"),
    ("start_date,deadline,reports_per_official\n,2021-04-30,50\n",
     "programme.csv:2: start_date: required"),
    ("start_date,deadline,reports_per_official\n2021-03-01,2021-04-30,50\n"
     "2021-03-01,2021-04-30,40\n",
     "programme.csv:3: row: programme.csv holds a single row"),
])
def test_programme_rules(engine, tmp_path, text, expected):
    folder = write_extract(tmp_path / "x", {**VALID, "programme.csv": text})
    assert problems_of(engine, folder) == [expected]
    assert set(row_counts(engine).values()) == {0}


def test_header_missing_extra_and_repeated_columns(engine, tmp_path):
    files = with_file(VALID, "agencies.csv", """
        agency_id,name,district_code,colour
        A1,Agency one,11110,red
    """)
    files = with_file(files, "staff.csv", """
        staff_id,district_code,role,start_date,end_date,role
        S1,11110,abuse_official,2020-01-01,,abuse_official
    """)
    files.pop("visits.csv")
    files.pop("referrals.csv")
    assert problems_of(engine, write_extract(tmp_path / "x", files)) == [
        "agencies.csv:1: operator: missing column",
        "agencies.csv:1: colour: unexpected column",
        "staff.csv:1: role: column appears twice",
    ]


def test_columns_in_any_order_and_bom_and_crlf(engine, tmp_path):
    files = with_file(VALID, "children.csv", """
        removed_on,listed_on,birth_year,cohort,district_code,child_id
        ,2021-03-01,2015,repeat_report,11110,C1
        2021-04-01,2021-03-01,2018,neglect_risk,11140,C2
    """)
    files["children.csv"] = "\ufeff" + files["children.csv"].replace("\n", "\r\n")
    files["districts.csv"] = "\ufeff" + files["districts.csv"]
    load_extract(engine, write_extract(tmp_path / "x", files))
    export_extract(engine, tmp_path / "out")
    assert read_folder(tmp_path / "out")["children.csv"] == VALID["children.csv"].encode()


def test_wrong_field_count_and_bad_utf8_are_reported_by_line(engine, tmp_path):
    files = with_row(VALID, "reports.csv", "R3,11110,2021-03-02,112")
    folder = write_extract(tmp_path / "x", files)
    with open(folder / "districts.csv", "ab") as f:
        f.write(b"11170,\xff\xfe,District C,5\n")
    assert problems_of(engine, folder) == [
        "districts.csv:4: file: not valid UTF-8 (this line); a CSV file saved by Excel on"
        " Korean Windows is CP949: load it with --encoding cp949, or save it from Excel as"
        " 'CSV UTF-8 (comma delimited)'",
        f"reports.csv:{line_after('reports.csv')}: row: has 4 fields, the header has 5",
    ]


def test_quoted_fields_spanning_lines_count_editor_lines(engine, tmp_path):
    files = with_row(VALID, "agencies.csv", '"A2",\"Agency\ntwo, ""the second""\",city,11110')
    files = with_row(files, "agencies.csv", "A3,Agency three,town,11110")
    # The quoted name spans lines 3 and 4, so the next row is on line 5.
    assert problems_of(engine, write_extract(tmp_path / "x", files)) == [
        "agencies.csv:5: operator: not one of private, city: 'town'"]


def test_every_bad_row_of_every_file_is_reported_and_nothing_written(engine, tmp_path):
    load_extract(engine, write_extract(tmp_path / "first", VALID))
    before = row_counts(engine)
    export_extract(engine, tmp_path / "before")
    files = with_row(VALID, "districts.csv", "11170,구C,District C,-5")
    files = with_row(files, "children.csv", "C3,11110,neglect_risk,1900,2021-03-01,")
    files = with_row(files, "children.csv", "C4,11110,neglect_risk,2015,2021-3-1,")
    files = with_row(files, "visits.csv", "V3,C3,2021-03-05,S1,,moved,,")
    files = with_row(files, "referrals.csv", "F3,C1,,2021-03-06,follow_up,,,declined")
    assert problems_of(engine, write_extract(tmp_path / "x", files)) == [
        "districts.csv:4: child_population: must be 0 or more: -5",
        "children.csv:4: birth_year: must be between 1990 and 2030: 1900",
        "children.csv:5: listed_on: not a date (YYYY-MM-DD): '2021-3-1'",
        "visits.csv:4: child_id: child 'C3' is not loaded (children.csv:4 is wrong)",
        "referrals.csv:4: result: must be empty while closed_on is empty",
    ]
    assert row_counts(engine) == before
    export_extract(engine, tmp_path / "after")
    assert read_folder(tmp_path / "after") == read_folder(tmp_path / "before")


def test_bad_row_in_the_last_file_rolls_back_the_earlier_files(engine, tmp_path):
    files = with_row(VALID, "referrals.csv", "F3,C1,,2021-03-06,follow_up,,2021-03-07,")
    problems_of(engine, write_extract(tmp_path / "x", files))
    assert set(row_counts(engine).values()) == {0}


def test_references_resolve_from_the_database(engine, tmp_path):
    load_extract(engine, write_extract(tmp_path / "first", VALID))
    later = {
        "visits.csv": csv_text("""
            visit_id,child_id,visit_date,staff_id,second_staff_id,outcome,risk_level,abuse_suspected
            V3,C2,2021-04-02,S1,S2,seen,none,false
        """),
        "referrals.csv": csv_text("""
            referral_id,child_id,visit_id,referred_on,kind,agency_id,closed_on,result
            F3,C1,V1,2021-04-03,medical,A1,,
            F4,C2,V3,2021-04-03,follow_up,,,
        """),
    }
    assert load_extract(engine, write_extract(tmp_path / "later", later)) == {
        "visits.csv": 1, "referrals.csv": 2}
    assert row_counts(engine)["visits"] == 3
    assert row_counts(engine)["referrals"] == 4


def test_referral_naming_a_database_visit_of_another_child_is_rejected(engine, tmp_path):
    load_extract(engine, write_extract(tmp_path / "first", VALID))
    later = {"referrals.csv": csv_text("""
        referral_id,child_id,visit_id,referred_on,kind,agency_id,closed_on,result
        F3,C2,V1,2021-04-03,medical,,,
    """)}
    assert problems_of(engine, write_extract(tmp_path / "later", later)) == [
        "referrals.csv:2: visit_id: visit 'V1' is of child_id 'C1', not 'C2'"]


def test_visit_resent_for_another_child_must_not_contradict_kept_referrals(engine, tmp_path):
    load_extract(engine, write_extract(tmp_path / "first", VALID))
    later = {"visits.csv": csv_text("""
        visit_id,child_id,visit_date,staff_id,second_staff_id,outcome,risk_level,abuse_suspected
        V1,C2,2021-03-05,S1,S2,seen,high,true
    """)}
    assert problems_of(engine, write_extract(tmp_path / "later", later)) == [
        "visits.csv:2: child_id: referral_id 'F1' in the database names this visit"
        " for child_id 'C1'"]


def test_resent_keys_replace_their_rows(engine, tmp_path):
    load_extract(engine, write_extract(tmp_path / "first", VALID))
    corrected = {
        "programme.csv": csv_text("""
            start_date,deadline,reports_per_official
            2021-03-01,2021-05-31,40
        """),
        "children.csv": csv_text("""
            child_id,district_code,cohort,birth_year,listed_on,removed_on
            C1,11140,neglect_risk,2016,2021-03-02,2021-04-10
        """),
        "staffing_targets.csv": csv_text("""
            district_code,role,effective_on,target
            11110,abuse_official,2021-03-01,3
        """),
    }
    load_extract(engine, write_extract(tmp_path / "corrected", corrected))
    export_extract(engine, tmp_path / "out")
    out = read_folder(tmp_path / "out")
    assert out["programme.csv"].decode() == corrected["programme.csv"]
    assert out["staffing_targets.csv"].decode() == corrected["staffing_targets.csv"]
    assert out["children.csv"].decode() == csv_text("""
        child_id,district_code,cohort,birth_year,listed_on,removed_on
        C1,11140,neglect_risk,2016,2021-03-02,2021-04-10
        C2,11140,neglect_risk,2018,2021-03-01,2021-04-01
    """)
    # The visits and referrals of the replaced child are still there.
    assert row_counts(engine)["visits"] == 2


def test_loading_twice_leaves_the_database_as_after_the_first_load(engine, tmp_path):
    folder = write_extract(tmp_path / "x", VALID)
    load_extract(engine, folder)
    export_extract(engine, tmp_path / "once")
    load_extract(engine, folder)
    export_extract(engine, tmp_path / "twice")
    assert read_folder(tmp_path / "twice") == read_folder(tmp_path / "once")


def test_same_key_twice_in_one_load(engine, tmp_path):
    files = with_row(VALID, "children.csv", "C1,11110,neglect_risk,2015,2021-03-01,")
    files = with_row(files, "staffing_targets.csv", "11110,abuse_official,2021-03-01,5")
    assert problems_of(engine, write_extract(tmp_path / "x", files)) == [
        "staffing_targets.csv:3: district_code,role,effective_on:"
        " 11110,abuse_official,2021-03-01 appears twice in staffing_targets.csv (first on line 2)",
        "children.csv:4: child_id: C1 appears twice in children.csv (first on line 2)",
    ]
    assert set(row_counts(engine).values()) == {0}


def test_unknown_csv_file_is_an_error_other_files_are_ignored(engine, tmp_path):
    files = {**VALID, "visit.csv": "visit_id\nV1\n", "README.txt": "notes\n"}
    assert problems_of(engine, write_extract(tmp_path / "x", files)) == [
        "visit.csv:1: file: not an extract file (expected one of programme.csv, districts.csv,"
        " agencies.csv, staff.csv, staffing_targets.csv, children.csv, reports.csv, visits.csv,"
        " referrals.csv)"]
    del files["visit.csv"]
    load_extract(engine, write_extract(tmp_path / "y", files))
    assert row_counts(engine)["visits"] == 2


def test_missing_or_empty_folder_and_empty_file(engine, tmp_path):
    assert problems_of(engine, tmp_path / "nowhere") == [f"{tmp_path / 'nowhere'}: no such folder"]
    (tmp_path / "empty").mkdir()
    assert problems_of(engine, tmp_path / "empty")[0].startswith(f"{tmp_path / 'empty'}: no extract")
    folder = write_extract(tmp_path / "x", {"districts.csv": ""})
    assert problems_of(engine, folder) == ["districts.csv:1: row: empty file; a header row is expected"]


def test_header_only_files_load_nothing(engine, tmp_path):
    files = {name: text.split("\n", 1)[0] + "\n" for name, text in VALID.items()}
    counts = load_extract(engine, write_extract(tmp_path / "x", files))
    assert counts == {name: 0 for name in VALID}
    assert set(row_counts(engine).values()) == {0}


def test_progress_is_reported(engine, tmp_path):
    messages = []
    load_extract(engine, write_extract(tmp_path / "x", VALID), progress=messages.append)
    assert "children.csv: 2 rows read" in messages


def test_a_good_row_the_line_screen_refuses_is_loaded_from_the_parsers_values(engine, tmp_path):
    # Ten digits: beyond the screen's integers (data/screen.py), so RowParser judges the row and
    # it reaches PostgreSQL written from the parsed values, not as its text.
    files = with_row(VALID, "children.csv", "C3,11110,neglect_risk,0000002015,2021-03-01,")
    files = with_row(files, "visits.csv", "V3,C3,2021-03-05,S1,,seen,low,TRUE")
    load_extract(engine, write_extract(tmp_path / "x", files))
    export_extract(engine, tmp_path / "out")
    out = read_folder(tmp_path / "out")
    assert out["children.csv"].decode().splitlines()[-1] == "C3,11110,neglect_risk,2015,2021-03-01,"
    assert out["visits.csv"].decode().splitlines()[-1] == "V3,C3,2021-03-05,S1,,seen,low,true"
