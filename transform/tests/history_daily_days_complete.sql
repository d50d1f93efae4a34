{# property_history_daily has one row for every day of every record's span, no gap: from at
    most its first day (rows built before the window moved stay) to its last (today for live
    records). #}
-- depends_on: {{ ref('property_history_intervals') }}
with spans as ({{ hubspot_daily_records() }}),
rows_per_record as (
  select object_type, object_id, min(snapshot_date) as first_row, max(snapshot_date) as last_row,
         count(*) as days
  from {{ ref('property_history_daily') }}
  group by object_type, object_id
)
select coalesce(s.object_type, r.object_type) as object_type,
       coalesce(s.object_id, r.object_id) as object_id,
       s.first_day, s.last_day, r.first_row, r.last_row, r.days
from spans s
full join rows_per_record r on r.object_type = s.object_type and r.object_id = s.object_id
where s.first_day <= s.last_day
  and (r.object_id is null or r.first_row > s.first_day or r.last_row <> s.last_day
       or r.days <> r.last_row - r.first_row + 1)
   or s.object_id is null
