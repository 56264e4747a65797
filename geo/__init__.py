"""District boundaries (with their source and licence, SOURCE.md) and the map builder.

The app reads only districts.geojson, generated once by build_boundaries.py and committed, so the
map needs no network and no GIS library at run time.
"""
