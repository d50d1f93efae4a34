{{ config(materialized='table') }}
{# Every change of lifecycle stage (lifecyclestage: contacts, companies, any type whose history
    keeps it): one row per transition, from_stage null for the first known stage. Consecutive
    versions with the same stage are no transition. seconds_in_from_stage: how long the record
    had been in from_stage (since it entered it). Labels from property_options when synced. #}
{%- set has_options = hubspot_table_exists('property_options') %}
with versions as (
  select i.*, lag(value) over w as previous_value
  from {{ ref('property_history_intervals') }} i
  where property_name = 'lifecyclestage'
  window w as (partition by object_type, object_id order by valid_from, same_time_seq)
), changes as (
  select * from versions where version_number = 1 or previous_value is distinct from value
), transitions as (
  select object_type, object_id,
         lag(value) over w as from_stage,
         value as to_stage,
         lag(valid_from) over w as from_entered_at,
         valid_from as changed_at,
         row_number() over w as transition_number,
         source_type, source_id, updated_by_user_id, truncated_before, record_status
  from changes
  window w as (partition by object_type, object_id order by valid_from, same_time_seq)
)
select t.object_type, t.object_id, t.transition_number, t.from_stage,
       {{ 'fo.label' if has_options else 'null::text' }} as from_stage_label,
       t.to_stage,
       {{ 'tob.label' if has_options else 'null::text' }} as to_stage_label,
       t.from_entered_at, t.changed_at,
       extract(epoch from t.changed_at - t.from_entered_at) as seconds_in_from_stage,
       t.source_type, t.source_id, t.updated_by_user_id, t.truncated_before, t.record_status
from transitions t
{%- if has_options %}
left join {{ hubspot_relation('property_options') }} fo
  on fo.object_type = t.object_type and fo.property_name = 'lifecyclestage' and fo.option_value = t.from_stage
left join {{ hubspot_relation('property_options') }} tob
  on tob.object_type = t.object_type and tob.property_name = 'lifecyclestage' and tob.option_value = t.to_stage
{%- endif %}
