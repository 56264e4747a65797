"""The loader's line screen (data/screen.py) against the row parser it stands in front of: it may
refuse a good row (RowParser then judges it), never pass a bad one. Pure Python, no database;
the load of such rows on PostgreSQL is in tests/test_load.py."""
import dataclasses

import pytest

from data.extract import BY_FILE, RowParser
from data.screen import LineScreen, plain_file
from tests.extract_fixtures import VALID
from tests.test_load import BAD_ROWS


def _verdicts(name: str, row: str) -> tuple[bool, bool]:
    """(the screen passes the line, RowParser finds no problem in any column on its own).
    The rules between columns are not the screen's: they run in SQL on what it passes."""
    fmt = BY_FILE[name]
    header = VALID[name].split("\n", 1)[0].split(",")
    record = row.split(",")
    own_columns = RowParser(dataclasses.replace(fmt, rules=[]), header)
    parsed_good = len(record) == len(header) and not own_columns(record)[1]
    return LineScreen(fmt, header)((row + "\n").encode()), parsed_good


@pytest.mark.parametrize("name, row", [(n, r) for n, r, _, _ in BAD_ROWS])
def test_the_screen_never_passes_a_row_the_parser_rejects_for_its_own_columns(name, row):
    passed, good = _verdicts(name, row)
    # Rows broken only by a rule between rows (references) or between columns are good here.
    assert not passed or good


@pytest.mark.parametrize("name, row, passed, good", [
    # Every row of the valid extract passes: the screen is not refusing everything.
    *[(n, r, True, True) for n, text in VALID.items() if n != "programme.csv"
      for r in text.splitlines()[1:]],
    ("children.csv", "C3,11110,neglect_risk,2015,2020-02-29,", True, True),      # leap day
    ("children.csv", "C3,11110,neglect_risk,2015,2021-02-29,", False, False),
    ("children.csv", "C3,11110,neglect_risk,2015,0000-01-01,", False, False),
    ("children.csv", "C3,11110,neglect_risk,2015,2021-13-01,", False, False),
    ("children.csv", "C3,11110,neglect_risk,1989,2021-03-01,", False, False),    # its check
    ("children.csv", "C3,11110,neglect_risk,२०१५,2021-03-01,", False, False),    # not ASCII
    # Good, but more than nine digits: refused by the screen, so RowParser judges (and keeps) it.
    ("children.csv", "C3,11110,neglect_risk,0000002015,2021-03-01,", False, True),
    ("visits.csv", "V3,C1,2021-03-05,S1,,seen,low,TRUE", True, True),
    ("visits.csv", "V3,C1,2021-03-05,S1,,seen,low,truE", True, True),
    ("visits.csv", "V3,C1,2021-03-05,S1,,seen,low,yes", False, False),
    ("visits.csv", "V3,C1,2021-03-05,S1,,seen,Low,true", False, False),
    ("visits.csv", "V" + "9" * 31 + ",C1,2021-03-05,S1,,not_home,,", True, True),   # 32 long
    ("visits.csv", "V" + "9" * 32 + ",C1,2021-03-05,S1,,not_home,,", False, False),
    ("visits.csv", "V3,C1,2021-03-05,S1,,not_home,,,", False, False),           # a field more
])
def test_the_screen_against_the_parser(name, row, passed, good):
    assert _verdicts(name, row) == (passed, good)


def test_plain_files(tmp_path):
    cases = {
        "plain.csv": b"a,b\n1,2\n",
        "quoted.csv": b'a,b\n"1",2\n',
        "crlf.csv": b"a,b\r\n1,2\r\n",
        "backslash.csv": b"a,b\n1\\,2\n",
        "nul.csv": b"a,b\n1\x00,2\n",
        "latin1.csv": b"a,b\n\xe9,2\n",
        "cut.csv": b"a,b\n1,2",
        "empty.csv": b"",
    }
    for name, body in cases.items():
        (tmp_path / name).write_bytes(body)
    assert {n for n in cases if plain_file(tmp_path / n, "utf-8")} == {"plain.csv"}
    assert not plain_file(tmp_path / "plain.csv", "cp949")
