-- dataset_info
-- One row per fact about the database itself (whether it is synthetic, when it was made).
--
-- Answers   Is this real data or the synthetic demo?
-- Params    none
-- Grain     every row of dataset_info.
-- Columns
--   key     text   the fact's name, such as synthetic
--   value   text   its value
select key, value
from dataset_info
