-- districts
-- One row per district, its names and child population.
--
-- Answers   Which districts are there, and how many children live in each?
-- Params    district (a code, or null for all)
-- Grain     every row of the districts table.
-- Columns
--   district_code      text    the MOIS code
--   name_ko            text    the Korean name
--   name_en            text    the English name
--   child_population   count   residents aged 0 to 17
select district_code, name_ko, name_en, child_population
from districts
where (cast(:district as text) is null or district_code = :district)
