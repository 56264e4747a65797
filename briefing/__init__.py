"""The morning briefing pack: for each recipient of the role map, a PDF and an Excel workbook of
what that recipient may see on one day, built and sent by the operating system's scheduler.

Neither a page nor a query: it reads figures through access/scoped.py with the recipient as the
viewer (briefing/source.py), lays them out per role (content.py), and prints them (pdf.py,
workbook.py, charts.py, fonts.py); build.py writes and audits the files, send.py delivers them.
`python -m briefing build|send` is the command line (docs/scheduling.md runs it every weekday).
"""
