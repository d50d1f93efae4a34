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
), intervals as (
  select i.object_type, i.object_id, i.property_name, i.value, s.from_day, s.last_day,
         {{ hubspot_local_date('i.valid_from') }} as from_date,
         {{ hubspot_local_date('i.valid_to') }} as to_date
  from {{ ref('property_history_intervals') }} i
  join scope s on s.object_type = i.object_type and s.object_id = i.object_id
), expanded as (
  -- one row per day of each record's span
  select s.object_type, s.object_id, s.from_day + g as snapshot_date,
         null::text as property_name, null::text as value, 0 as versions
  from scope s cross join lateral generate_series(0, s.last_day - s.from_day) g
  union all
  -- the days whose end falls inside an interval: from its first day to the day before the
  -- next version's (an empty interval [t, t) has none)
  select i.object_type, i.object_id, i.first_day + g, i.property_name, i.value, 0
  from (select *, greatest(from_date, from_day) as first_day,
               least(coalesce(to_date - 1, last_day), last_day) as final_day
        from intervals) i
  cross join lateral generate_series(0, i.final_day - i.first_day) g
  union all
  -- each version counted on its day (versions before the first rebuilt day on that day)
  select object_type, object_id, greatest(from_date, from_day), null, null, 1
  from intervals
  where greatest(from_date, from_day) <= last_day
)
select object_type, object_id, snapshot_date,
       coalesce(jsonb_object_agg(property_name, value order by property_name)
                  filter (where property_name is not null), '{}'::jsonb) as properties,
       (sum(sum(versions)) over (partition by object_type, object_id order by snapshot_date))::bigint
         as versions_to_date
from expanded
group by object_type, object_id, snapshot_date
