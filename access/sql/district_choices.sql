-- Districts for the demo's "view as" switch.
select district_code, name_en, name_ko
from districts
order by district_code
