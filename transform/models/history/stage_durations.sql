{{ config(materialized='table') }}
{# Time in each stage per record: one row per (record, stage) with the number of visits and the
    total time over all of them (a deal that went back to an earlier stage adds the second stay
    to the first), first entry, last exit (null while it is there), and whether it is there now. #}
select object_type, object_id, stage_id,
       min(pipeline_id) as pipeline_id,
       min(pipeline_label) as pipeline_label,
       min(stage_label) as stage_label,
       count(*) as visits,
       sum(seconds_in_stage) as total_seconds,
       min(entered_at) as first_entered_at,
       case when bool_or(is_current) then null else max(exited_at) end as last_exited_at,
       bool_or(is_current) as is_current,
       min(record_status) as record_status
from {{ ref('stage_visits') }}
group by object_type, object_id, stage_id
