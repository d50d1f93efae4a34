{{ config(materialized='table') }}
{# One row per stay of a record in a pipeline stage (deals: dealstage; tickets and every other
    type with pipelines: hs_pipeline_stage), from the stage's history: consecutive versions with
    the same stage are one visit; a record that went back to an earlier stage has a second
    visit of it (visit_number 2). seconds_in_stage counts until the next stage, or until the
    build (measured_until) for the current one. Labels from dim_pipeline_stages when the stage
    is known there (deleted stages included), the ids otherwise; the pipeline is the one the
    record had when it entered the stage (from its pipeline history), else its current one. #}
-- depends_on: {{ ref('merged_ids') }}
{% set catalog = hubspot_columns() %}
{%- set pipeline_tables = [] %}
{%- for history in hubspot_history_tables(catalog) if history.object_columns is not none %}
  {%- set location = hubspot_property_location(history.object_columns, hubspot_pipeline_properties(history.object_type).pipeline) %}
  {%- if location is not none %}
    {%- do pipeline_tables.append({'name': history.object_type, 'location': location}) %}
  {%- endif %}
{%- endfor %}
with stage_versions as (
  select i.*,
         row_number() over (partition by object_type, object_id order by valid_from, same_time_seq)
         - row_number() over (partition by object_type, object_id, value order by valid_from, same_time_seq)
           as island
  from {{ ref('property_history_intervals') }} i
  where property_name = {{ hubspot_stage_property_sql('i.object_type') }}
), visits as (
  select object_type, object_id, value as stage_id,
         min(valid_from) as entered_at,
         case when bool_or(valid_to is null) then null else max(valid_to) end as exited_at,
         min(record_status) as record_status
  from stage_versions
  where value is not null
  group by object_type, object_id, value, island
), current_pipelines as (
  {%- for table in pipeline_tables %}
  select {{ hubspot_literal(table.name) }}::text as object_type, o.id::text as object_id,
         {{ hubspot_location_sql(table.location, 'o') }} as pipeline_id
  from {{ hubspot_relation(table.name) }} o
  union all
  {%- endfor %}
  select null::text as object_type, null::text as object_id, null::text as pipeline_id where false
), placed as (
  select v.*,
         coalesce(
           (select p.value from {{ ref('property_history_intervals') }} p
            where p.object_type = v.object_type and p.object_id = v.object_id
              and p.property_name = {{ hubspot_pipeline_property_sql('v.object_type') }}
              and p.valid_from <= v.entered_at and (p.valid_to is null or p.valid_to > v.entered_at)),
           cp.pipeline_id) as pipeline_id
  from visits v
  left join current_pipelines cp on cp.object_type = v.object_type and cp.object_id = v.object_id
), unique_stages as (
  select object_type, stage_id, min(pipeline_id) as pipeline_id
  from {{ ref('dim_pipeline_stages') }}
  group by object_type, stage_id
  having count(*) = 1
)
select p.object_type, p.object_id,
       coalesce(s.pipeline_id, us.pipeline_id, p.pipeline_id) as pipeline_id,
       coalesce(s.pipeline_label, su.pipeline_label,
                coalesce(s.pipeline_id, us.pipeline_id, p.pipeline_id)) as pipeline_label,
       p.stage_id,
       coalesce(s.stage_label, su.stage_label, p.stage_id) as stage_label,
       coalesce(s.stage_id, su.stage_id) is not null as stage_known,
       row_number() over (partition by p.object_type, p.object_id, p.stage_id order by p.entered_at)
         as visit_number,
       p.entered_at,
       p.exited_at,
       p.exited_at is null as is_current,
       coalesce(p.exited_at, now()) as measured_until,
       extract(epoch from coalesce(p.exited_at, now()) - p.entered_at) as seconds_in_stage,
       p.record_status
from placed p
left join {{ ref('dim_pipeline_stages') }} s
  on s.object_type = p.object_type and s.pipeline_id = p.pipeline_id and s.stage_id = p.stage_id
left join unique_stages us on us.object_type = p.object_type and us.stage_id = p.stage_id
left join {{ ref('dim_pipeline_stages') }} su
  on su.object_type = us.object_type and su.pipeline_id = us.pipeline_id and su.stage_id = us.stage_id
