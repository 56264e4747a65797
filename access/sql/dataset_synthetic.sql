-- Every dataset_info row: the demo gate shows a database only if the generator marked it
-- synthetic and nothing marks a load (access/login.py decides from these rows).
select key, value
from dataset_info
