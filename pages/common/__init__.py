"""Helpers shared by every page: the filters, language and formatting, data access, layout,
definitions of the figures, and pure figure builders.

Pages stay thin: read `filters.current()`, call `data.fetch(...)` once per visual, lay it out
with `layout`, and draw with `figures`.
"""
