-- data_version
-- The number every load, generate and refresh raises by one in its own transaction: part of
-- every cache key of the dashboard, so a finished load shows on the next click.
-- Columns
--   value   text   an integer as text; no row means 0
select value
from dataset_info
where key = 'data_version'
