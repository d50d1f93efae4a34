{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ hubspot_daily_prepare() }}",
    post_hook="create index if not exists {{ this.identifier }}_record_idx on {{ this }} (object_type, object_id, snapshot_date)"
) }}
{# One row per record per day it existed: `properties` holds the value every history property
    had at the end of that day (a key is absent before the property's first version). See
    macros/hubspot_daily.sql for the days and the incremental scope. #}
with scope as (
  {%- if is_incremental() %}
  select object_type, object_id, from_day, last_day from hubspot_daily_scope
  {%- else %}
  select object_type, object_id, first_day as from_day, last_day from ({{ hubspot_daily_records() }}) r
  {%- endif %}
), days as (
  select s.object_type, s.object_id, s.from_day + g as snapshot_date
  from scope s cross join lateral generate_series(0, s.last_day - s.from_day) g
), intervals as (
  select i.object_type, i.object_id, i.property_name, i.value, s.from_day, s.last_day,
         {{ hubspot_local_date('i.valid_from') }} as from_date,
         {{ hubspot_local_date('i.valid_to') }} as to_date
  from {{ ref('property_history_intervals') }} i
  join scope s on s.object_type = i.object_type and s.object_id = i.object_id
), values_by_day as (
  {#- the days whose end falls inside the interval: from its first day to the day before the
      next version's (an empty interval [t, t) has none) -#}
  select i.object_type, i.object_id, i.first_day + g as snapshot_date,
         jsonb_object_agg(i.property_name, i.value order by i.property_name) as properties
  from (select *, greatest(from_date, from_day) as first_day,
               least(coalesce(to_date - 1, last_day), last_day) as final_day
        from intervals) i
  cross join lateral generate_series(0, i.final_day - i.first_day) g
  group by i.object_type, i.object_id, i.first_day + g
), versions_by_day as (
  select object_type, object_id, greatest(from_date, from_day - 1) as day, count(*) as n
  from intervals
  group by object_type, object_id, greatest(from_date, from_day - 1)
)
select d.object_type, d.object_id, d.snapshot_date,
       coalesce(v.properties, '{}'::jsonb) as properties,
       (coalesce(b.n, 0) + sum(coalesce(n.n, 0)) over (partition by d.object_type, d.object_id
                                                      order by d.snapshot_date))::bigint
         as versions_to_date
from days d
join scope s on s.object_type = d.object_type and s.object_id = d.object_id
left join values_by_day v
  on v.object_type = d.object_type and v.object_id = d.object_id and v.snapshot_date = d.snapshot_date
left join versions_by_day n
  on n.object_type = d.object_type and n.object_id = d.object_id and n.day = d.snapshot_date
left join versions_by_day b
  on b.object_type = d.object_type and b.object_id = d.object_id and b.day = s.from_day - 1
