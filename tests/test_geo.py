"""The committed district boundaries and the offline map built from them."""

import geopandas as gpd
import pandas as pd
import pytest
from sqlalchemy import select

from data.db import make_engine
from data.generate import generate
from data.schema import districts
from geo import boundaries, maps

SEOUL_KM2 = 605.2  # the 25 districts in EPSG:5179 before simplification: 605.1 km²


@pytest.fixture(scope="module")
def db_districts(tmp_path_factory):
    """The districts of a generated scale-1 database, as the app would read them."""
    url = f"sqlite:///{tmp_path_factory.mktemp('geo') / 'cases.db'}"
    engine = make_engine(url)
    generate(engine, seed=1, scale=1.0)
    with engine.connect() as conn:
        rows = conn.execute(select(districts.c.district_code, districts.c.name_ko)).all()
    engine.dispose()
    return pd.DataFrame(rows, columns=["district_code", "name_ko"])


def test_every_district_of_a_generated_database_has_a_boundary(db_districts):
    assert len(db_districts) > 0
    assert boundaries.missing(db_districts["district_code"]) == []
    collection = boundaries.for_districts(db_districts["district_code"])
    assert {f["properties"]["district_code"] for f in collection["features"]} == \
        set(db_districts["district_code"])


def test_codes_are_mois_codes_not_kostat(db_districts):
    # KOSTAT's 11110 is Nowon-gu; MOIS's (ours) is Jongno-gu. A wrong join draws a plausible map.
    names = {f["properties"]["district_code"]: f["properties"]["name"]
             for f in boundaries.for_districts(["11110", "11350", "11680"])["features"]}
    assert names == {"11110": "종로구", "11350": "노원구", "11680": "강남구"}
    # and the database agrees with the boundaries on every name
    by_code = {f["properties"]["district_code"]: f["properties"]["name"]
               for f in boundaries.for_districts(db_districts["district_code"])["features"]}
    assert dict(zip(db_districts["district_code"], db_districts["name_ko"])) == by_code


def test_seoul_covers_about_605_square_kilometres():
    gdf = gpd.read_file(boundaries.GEOJSON_PATH)
    seoul = gdf[gdf["district_code"].str.startswith("11")].to_crs("EPSG:5179")
    assert len(seoul) == 25
    assert seoul.geometry.area.sum() / 1e6 == pytest.approx(SEOUL_KM2, rel=0.02)


def test_the_file_is_small_and_covers_the_country():
    assert boundaries.GEOJSON_PATH.stat().st_size < 1_500_000
    assert len(boundaries.all_codes()) >= 250


def test_map_locations_equal_the_district_codes(db_districts):
    values = db_districts.assign(name=db_districts["name_ko"],
                                 rate=[i / 40 for i in range(len(db_districts))])
    fig = maps.choropleth(values, value="rate", value_label="Completion", percent=True)
    assert maps.locations(fig) == set(db_districts["district_code"])
    # No base map to fetch from anywhere: only the districts' own shapes, fitted to them.
    assert fig.layout.geo.visible is False and fig.layout.geo.fitbounds == "locations"
    assert {tr.type for tr in fig.data} == {"choropleth"}


def test_a_district_with_no_value_is_drawn_grey(db_districts):
    values = db_districts.assign(name=db_districts["name_ko"], rate=0.5)
    values.loc[values["district_code"] == "11440", "rate"] = None
    fig = maps.choropleth(values, value="rate", value_label="Completion", no_data_label="no data")
    grey = [tr for tr in fig.data if tr.meta == "no_data"]
    assert len(grey) == 1 and list(grey[0].locations) == ["11440"]
    assert "no data" in grey[0].hovertemplate
    assert "11440" not in set(next(tr for tr in fig.data if tr.meta == "value").locations)
    assert maps.locations(fig) == set(db_districts["district_code"])


def test_hover_shows_the_value_and_its_definition(db_districts):
    values = db_districts.assign(name=db_districts["name_ko"], rate=0.5)
    fig = maps.choropleth(values, value="rate", value_label="Completion",
                          definition="Seen divided by listed.", percent=True)
    template = next(tr for tr in fig.data if tr.meta == "value").hovertemplate
    assert "Completion: %{z:.1%}" in template and "Seen divided by listed." in template


def test_the_worst_districts_are_the_darkest():
    values = pd.DataFrame({"district_code": ["11110", "11140"], "name": ["A", "B"],
                           "v": [0.2, 0.9]})
    good_high = maps.choropleth(values, value="v", value_label="v", higher_is_better=True)
    bad_high = maps.choropleth(values, value="v", value_label="v", higher_is_better=False)
    trace = next(t for t in good_high.data if t.meta == "value")
    # viridis starts dark: the lowest value (the worst when higher is better) is darkest
    assert trace.colorscale[0][1] == "#440154"  # viridis's dark end
    assert trace.reversescale is False
    assert next(t for t in bad_high.data if t.meta == "value").reversescale is True


def test_gap_to_plan_on_the_map_is_in_points():
    values = pd.DataFrame({"district_code": ["11110", "11140"], "name": ["A", "B"],
                           "gap": [-0.05, 0.02]})
    fig = maps.choropleth(values, value="gap", value_label="gap", diverging=True, points="%p")
    trace = next(t for t in fig.data if t.meta == "value")
    assert list(trace.z) == pytest.approx([-5.0, 2.0])
    assert "%p" in trace.hovertemplate and trace.colorbar.ticksuffix == "%p"


def test_each_boundary_is_sent_once_when_some_district_has_no_value(db_districts):
    # The figure's JSON is what the browser receives: one collection given to both traces was
    # sent twice (1.4 MB each at national scale).
    import json
    values = db_districts.assign(name=db_districts["name_ko"], rate=0.5)
    values.loc[values["district_code"].isin(["11440", "11110"]), "rate"] = None
    spec = json.loads(maps.choropleth(values, value="rate", value_label="Completion").to_json())
    sent = [f["properties"]["district_code"] for trace in spec["data"]
            for f in trace["geojson"]["features"]]
    assert sorted(sent) == sorted(db_districts["district_code"])
    for trace in spec["data"]:  # and each trace can still draw every district it lists
        assert {f["properties"]["district_code"] for f in trace["geojson"]["features"]} == \
            set(trace["locations"])
