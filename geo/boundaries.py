"""The committed district boundaries, loaded once per process, for the districts in the database."""
import copy
import json
from functools import lru_cache
from pathlib import Path

GEOJSON_PATH = Path(__file__).resolve().parent / "districts.geojson"
KEY = "district_code"  # the MOIS code, as in the districts table (never KOSTAT codes)


@lru_cache(maxsize=1)
def _all() -> dict:
    # Boundaries are public and the same for every viewer, so a process-wide cache is safe.
    return json.loads(GEOJSON_PATH.read_text(encoding="utf-8"))


def all_codes() -> set[str]:
    return {f["properties"][KEY] for f in _all()["features"]}


def for_districts(codes) -> dict:
    """A FeatureCollection of the given districts only (those without a boundary are skipped;
    see `missing`). The caller may change the result freely."""
    wanted = {str(c) for c in codes}
    features = [f for f in _all()["features"] if f["properties"][KEY] in wanted]
    return {"type": "FeatureCollection", "features": copy.deepcopy(features)}


def missing(codes) -> list[str]:
    """Codes of the database that have no boundary (a wrong code system, or a new district)."""
    known = all_codes()
    return sorted(str(c) for c in codes if str(c) not in known)
