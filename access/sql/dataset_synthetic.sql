-- Whether the database says it holds synthetic data ('true'), from the generator's dataset_info row.
select value
from dataset_info
where key = 'synthetic'
