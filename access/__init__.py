"""Who may see what: the viewer, roles, district scoping, small-cell suppression and the audit log.

A folder of its own because it serves both the query layer and the app, and belongs to neither.
"""
