"""The morning briefing pack (issue 9): built for a role map of four recipients on a generated
database, on SQLite and PostgreSQL, then read back with a PDF library (pypdf) and a workbook
reader (openpyxl) and compared with what the dashboard's server-side code gives each viewer.

A rendered page of each role's PDF is kept in tests/output/briefing/ (pdftoppm) to look at.
"""
import os
import re
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader
from sqlalchemy import text

import queries
from access import rolemap, scoped
from briefing import build as building
from briefing.content import Recipient
from briefing.recipients import resolve
from briefing.source import Source
from data.db import create_schema, make_engine
from data.generate import generate
from data.schema import metadata

AS_OF = date(2021, 3, 1)
OUTPUT = Path(__file__).resolve().parent / "output" / "briefing"
CHILD_ID = re.compile(r"\bC\d{7}\b")
HEAD_DISTRICT = "11440"      # Mapo-gu: the Korean head
OTHER_DISTRICT = "11680"     # Gangnam-gu: the English head
ROLE_MAP = f"""
[[viewer]]
email = "city@example.go.kr"
role = "city"

[[viewer]]
email = "team@example.go.kr"
role = "response_team"

[[viewer]]
email = "mapo@example.go.kr"
role = "district"
district = "{HEAD_DISTRICT}"

[[viewer]]
email = "gangnam@example.go.kr"
role = "district"
district = "{OTHER_DISTRICT}"
lang = "en"
"""
K = "40"  # a high suppression threshold, so that a head's pack has other districts' cells hidden


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def packs(request, tmp_path_factory):
    """Every recipient's pack as of AS_OF, built once per database."""
    folder = tmp_path_factory.mktemp(f"briefing_{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'cases.db'}"
    else:
        url = request.getfixturevalue("pg_server_url")
    engine = make_engine(url)
    metadata.drop_all(engine)
    create_schema(engine)
    generate(engine, seed=1, scale=0.2)
    role_map = folder / "roles.toml"
    role_map.write_text(ROLE_MAP, encoding="utf-8")
    saved = {k: os.environ.get(k) for k in (rolemap.ENV, "CASES_SUPPRESSION_K")}
    os.environ[rolemap.ENV] = str(role_map)
    os.environ["CASES_SUPPRESSION_K"] = K
    try:
        chosen = resolve(Source(engine, AS_OF))
        results = building.build(engine, AS_OF, chosen, folder / "out", say=lambda line: None)
        yield {"engine": engine, "url": url, "out": folder / "out", "db": request.param,
               "results": {r.recipient.id: r for r in results}, "role_map": role_map}
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        engine.dispose()


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def _cells(path: Path) -> dict[str, list[list]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in book}


def _scope(recipient_id, packs):
    return packs["results"][recipient_id].recipient.scope


def test_every_recipient_gets_a_pdf_and_a_workbook_named_by_day(packs):
    names = sorted(p.name for p in packs["out"].iterdir())
    expected = sorted(f"{AS_OF}_{who}.{ext}" for who in
                      ("city@example.go.kr", "team@example.go.kr", "mapo@example.go.kr",
                       "gangnam@example.go.kr") for ext in ("pdf", "xlsx"))
    assert names == expected  # and no temporary file left behind
    for result in packs["results"].values():
        assert result.error is None
        assert PdfReader(result.pdf).pages  # a whole, readable PDF
        assert openpyxl.load_workbook(result.xlsx).sheetnames


def test_a_rebuild_replaces_the_files_in_place(packs):
    engine, out = packs["engine"], packs["out"]
    city = packs["results"]["city@example.go.kr"]
    before = city.pdf.stat().st_ino
    again = building.build(engine, AS_OF, [city.recipient], out, say=lambda line: None)
    assert again[0].pdf == city.pdf and city.pdf.stat().st_ino != before  # renamed into place
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []
    assert oct(city.pdf.stat().st_mode & 0o777) == "0o600"


def test_city_pack_is_one_page_without_any_child_id(packs):
    city = packs["results"]["city@example.go.kr"]
    assert len(PdfReader(city.pdf).pages) == 1
    every_child = set(queries.run("attention_list", packs["engine"], as_of=AS_OF)["child_id"])
    assert every_child  # the check below would be empty otherwise
    pdf_text = _pdf_text(city.pdf)
    assert not CHILD_ID.findall(pdf_text)
    cells = [str(v) for rows in _cells(city.xlsx).values() for row in rows for v in row]
    assert not any(CHILD_ID.search(c) for c in cells)
    assert city.child_rows == {}


@pytest.mark.parametrize("who,code", [("mapo@example.go.kr", HEAD_DISTRICT),
                                      ("gangnam@example.go.kr", OTHER_DISTRICT)])
def test_a_head_sees_their_own_children_and_no_one_elses(packs, who, code):
    result = packs["results"][who]
    everyone = queries.run("attention_list", packs["engine"], as_of=AS_OF)
    own = set(everyone.loc[everyone["district_code"] == code, "child_id"])
    others = set(everyone.loc[everyone["district_code"] != code, "child_id"])
    assert own and others
    pdf_ids = set(CHILD_ID.findall(_pdf_text(result.pdf)))
    sheet_ids = {str(v) for rows in _cells(result.xlsx).values() for row in rows for v in row
                 if isinstance(v, str) and CHILD_ID.fullmatch(v)}
    assert pdf_ids == own
    assert sheet_ids == own
    assert not (pdf_ids | sheet_ids) & others


def test_a_heads_pack_holds_no_cell_the_dashboard_hides_from_them(packs):
    result = packs["results"]["mapo@example.go.kr"]
    shown = scoped.district_comparison(packs["engine"], as_of=AS_OF, scope=result.recipient.scope)
    hidden = [(row.district_code, col) for row in shown.itertuples()
              for col in ("listed", "seen", "completion_rate", "gap_to_plan", "unreachable")
              if getattr(row, f"{col}_suppressed")]
    assert hidden, "with k=40 some other district's cells are suppressed"
    assert all(code != HEAD_DISTRICT for code, _ in hidden)
    rows = _cells(result.xlsx)["전체 자치구"]
    header, body = rows[0], rows[1:]
    by_code = {r[header.index("자치구 코드")]: r for r in body}
    labels = {"listed": "대상 아동", "seen": "대면 확인", "completion_rate": "완료율",
              "gap_to_plan": "차이 (%p)", "unreachable": "연락 불가"}
    for code, col in hidden:
        assert by_code[code][header.index(labels[col])] is None, (code, col)
    # In the PDF, each hidden district's line shows a dash where its hidden counts would be.
    lines = _pdf_text(result.pdf).splitlines()
    for code in {c for c, col in hidden if col == "unreachable"}:
        line = next(l for l in lines if f" {code} " in f" {l} ")
        assert line.rstrip().endswith("—"), line


def test_response_team_pdf_lists_every_attention_row_with_its_days_waited(packs):
    result = packs["results"]["team@example.go.kr"]
    expected = queries.run("attention_list", packs["engine"], as_of=AS_OF)
    assert len(expected) > 100
    lines = {}
    for line in _pdf_text(result.pdf).splitlines():
        found = CHILD_ID.match(line.strip())
        if found:
            lines.setdefault(found.group(0), []).append(line)
    reasons = {"unreachable": "연락 불가", "high_risk_no_referral": "고위험·연계 없음"}
    for row in expected.itertuples():
        waited = (pd.Timestamp(AS_OF) - pd.Timestamp(row.since)).days
        matching = [l for l in lines.get(row.child_id, [])
                    if reasons[row.reason] in l and f" {waited} {pd.Timestamp(row.since).date()}" in l]
        assert matching, (row.child_id, row.reason, waited, lines.get(row.child_id))
    assert sum(len(v) for v in lines.values()) == len(expected)
    assert result.child_rows == {"조치 대상 아동": len(expected)}


def test_pdf_figures_equal_the_dashboards_for_the_same_viewer_and_day(packs):
    engine = packs["engine"]
    city_text = _pdf_text(packs["results"]["city@example.go.kr"].pdf)
    per_cohort = scoped.city_progress(engine, ["cohort"], as_of=AS_OF)
    names = {"repeat_report": "재신고 아동", "neglect_risk": "방임 위기 아동"}
    for row in per_cohort.itertuples():
        line = next(l for l in city_text.splitlines() if l.startswith(names[row.cohort]))
        assert f"{int(row.listed):,} {int(row.seen):,} {row.completion_rate * 100:.1f}%" in line
    behind = scoped.district_comparison(engine, as_of=AS_OF, scope=("city", None))
    n = int(behind["districts_behind"].iloc[0])
    assert f"(자치구 {int(behind['districts_active'].iloc[0])}곳 중 {n}곳이 늦음)" in city_text

    head = packs["results"]["gangnam@example.go.kr"]
    head_text = _pdf_text(head.pdf)
    mine = scoped.district_comparison(engine, as_of=AS_OF, scope=head.recipient.scope)
    mine = mine[mine["district_code"] == OTHER_DISTRICT].iloc[0]
    city = scoped.city_progress(engine, [], as_of=AS_OF).iloc[0]
    line = next(l for l in head_text.splitlines() if l.startswith("Completion "))
    assert line.split()[1:4] == [f"{mine['completion_rate'] * 100:.1f}%",
                                 f"{city['completion_rate'] * 100:.1f}%",
                                 mine["rank_completion_rate"].split()[0]]


def test_korean_pack_has_korean_titles_and_embeds_its_fonts(packs):
    result = packs["results"]["team@example.go.kr"]
    reader = PdfReader(result.pdf)
    pdf_text = _pdf_text(result.pdf)
    for title in ("아동학대 전수점검 아침 브리핑", "대상군별 진행", "지금 조치가 필요한 아동",
                  "오늘 연락할 자치구", "데이터 품질 점검 결과", "용어 정의", "기준일 2021년 3월 1일",
                  "시연: 합성 자료이며 실제 아동이 아닙니다"):
        assert title in pdf_text, title
    fonts_seen = 0
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, font["/BaseFont"]  # embedded TrueType
            fonts_seen += 1
    assert fonts_seen
    assert f"{len(reader.pages)} / {len(reader.pages)} 쪽" in pdf_text  # numbered pages


def test_english_recipient_gets_english(packs):
    pdf_text = _pdf_text(packs["results"]["gangnam@example.go.kr"].pdf)
    assert "Child-abuse inspection: morning briefing" in pdf_text
    assert "Data as of 1 Mar 2021" in pdf_text
    book = openpyxl.load_workbook(packs["results"]["gangnam@example.go.kr"].xlsx)
    assert "Attention list" in book.sheetnames and "Definitions" in book.sheetnames


def test_workbook_types_header_and_child_sheets_by_role(packs):
    team = openpyxl.load_workbook(packs["results"]["team@example.go.kr"].xlsx)
    sheet = team["조치 대상 아동"]
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["아동", "사유"]
    assert sheet.freeze_panes == "A2"
    first = [c.value for c in sheet[2]]
    assert isinstance(first[header.index("대기 일수")], int)
    assert isinstance(first[header.index("시작일")], datetime)
    assert sheet.column_dimensions["A"].width >= len("C0000000")
    cohorts = team["대상군별 진행"]
    rate = cohorts.cell(row=2, column=4)
    assert isinstance(rate.value, float) and rate.number_format == "0.0%"
    city = openpyxl.load_workbook(packs["results"]["city@example.go.kr"].xlsx)
    assert "조치 대상 아동" not in city.sheetnames


def test_text_cells_that_could_run_as_formulas_are_neutralised(packs):
    engine, out = packs["engine"], packs["out"]
    code = HEAD_DISTRICT
    with engine.begin() as conn:
        old = conn.execute(text("select name_ko from districts where district_code = :c"),
                           {"c": code}).scalar()
        conn.execute(text("update districts set name_ko = :n where district_code = :c"),
                     {"n": '=HYPERLINK("http://example.invalid","x")', "c": code})
    try:
        city = packs["results"]["city@example.go.kr"].recipient
        head = packs["results"]["mapo@example.go.kr"].recipient
        results = building.build(engine, AS_OF, [city, head], out / "formula",
                                 say=lambda line: None)
        for result in results:
            for rows in _cells(result.xlsx).values():
                for row in rows:
                    for value in row:
                        assert not (isinstance(value, str) and value.startswith("=")), value
    finally:
        with engine.begin() as conn:
            conn.execute(text("update districts set name_ko = :n where district_code = :c"),
                         {"n": old, "c": code})


def test_every_pack_is_audited_with_its_child_rows(packs):
    with packs["engine"].connect() as conn:
        rows = conn.execute(text(
            "select subject, role, district_code, action, detail, rows from audit_log "
            "where action = 'pack_built'")).all()
    by_subject = {}
    for row in rows:
        by_subject.setdefault(row.subject, row)
    assert set(by_subject) == set(packs["results"])
    team = by_subject["team@example.go.kr"]
    assert team.rows == packs["results"]["team@example.go.kr"].child_rows["조치 대상 아동"]
    assert '"as_of":"2021-03-01"' in team.detail
    assert by_subject["city@example.go.kr"].rows == 0
    assert by_subject["mapo@example.go.kr"].district_code == HEAD_DISTRICT


def test_a_rendered_page_of_each_role_is_kept_as_png(packs):
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: install poppler-utils (listed in .ci/run)")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    pages = {"city": ("city@example.go.kr", 1), "response_team": ("team@example.go.kr", 3),
             "district": ("mapo@example.go.kr", 1)}
    for role, (who, page) in pages.items():
        target = OUTPUT / f"{role}_{packs['db']}"
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page),
                        "-singlefile", str(packs["results"][who].pdf), str(target)], check=True)
        assert target.with_suffix(".png").stat().st_size > 10_000


def test_command_line_errors_are_one_line(packs, tmp_path):
    env = {**os.environ, rolemap.ENV: str(packs["role_map"])}
    done = subprocess.run([sys.executable, "-m", "briefing", "build", "--db", packs["url"],
                           "--recipient", "nobody@example.go.kr", "--out", str(tmp_path)],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 1
    assert done.stderr.strip() == ("error: unknown recipient(s): nobody@example.go.kr "
                                   "(not in the role map)")
    done = subprocess.run([sys.executable, "-m", "briefing", "build", "--db", packs["url"],
                           "--as-of", "2021-13-01", "--out", str(tmp_path)],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 2 and "not a date" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run([sys.executable, "-m", "briefing", "build", "--db",
                           f"sqlite:///{tmp_path / 'empty.db'}", "--out", str(tmp_path)],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 1 and done.stderr.startswith("error: ")
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_building_a_pack_reaches_nothing_off_the_machine(packs, tmp_path):
    """The charts' Chromium included: no TCP connection and no datagram to anything but
    loopback. Chromium checks whether IPv6 is reachable with a UDP connect() to a public address
    that sends no packet (it only asks the kernel for a route); such a socket is allowed as long
    as nothing is sent on it before it is closed."""
    if shutil.which("strace") is None:
        pytest.fail("strace is missing: install it (listed in .ci/run)")
    trace = tmp_path / "trace"
    env = {**os.environ, rolemap.ENV: str(packs["role_map"])}
    done = subprocess.run(
        ["strace", "-ff", "-qq", "-e", "trace=socket,connect,sendto,sendmsg,write,close",
         "-e", "signal=none", "-o", str(trace),
         sys.executable, "-m", "briefing", "build", "--db", packs["url"], "--as-of", str(AS_OF),
         "--recipient", "mapo@example.go.kr", "--out", str(tmp_path / "out")],
        capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    address = re.compile(r'(?:sin_addr=inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)")')
    call = re.compile(r"^(socket|connect|sendto|sendmsg|write|close)\((\d+|[A-Z_]+)")
    loopback = {"127.0.0.1", "::1", "::ffff:127.0.0.1"}
    kinds, probes, seen = {}, {}, set()
    # -ff: one file per process, so no call is split across lines by another process's.
    lines = [(path.name, line) for path in tmp_path.glob("trace.*")
             for line in path.read_text().splitlines()]
    for pid, line in lines:
        m = call.match(line)
        if not m:
            continue
        name, first = m.groups()
        found = {a or b for a, b in address.findall(line)}
        seen |= found
        if name == "socket":
            fd = re.search(r"= (\d+)$", line)
            if fd:
                kinds[(pid, fd.group(1))] = "udp" if "SOCK_DGRAM" in line else "other"
            continue
        key = (pid, first)
        if name == "close":
            probes.pop(key, None)
        elif name == "connect" and found - loopback:
            assert kinds.get(key) == "udp", line    # never a TCP connection off the machine
            probes[key] = line
        elif name in ("sendto", "sendmsg", "write"):
            assert not found - loopback, line        # no datagram off the machine
            assert key not in probes, probes[key]    # nothing sent on a probing socket
    assert "127.0.0.1" in seen or any("AF_UNIX" in line for _, line in lines)  # calls were seen
