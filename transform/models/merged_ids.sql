{{ config(materialized='table') }}
{# Every merged-away id with its final survivor (chains followed), from the tap's `merges`
    stream once it exists; empty before. #}
{%- if hubspot_table_exists('merges') %}
with recursive chain as (
  select object_type, merged_id, survivor_id, 1 as depth
  from {{ hubspot_relation('merges') }}
  where merged_id is distinct from survivor_id and survivor_id is not null
  {%- if '_sdc_deleted_at' in hubspot_columns()['merges'] %} and _sdc_deleted_at is null{% endif %}
  union all
  select c.object_type, c.merged_id, m.survivor_id, c.depth + 1
  from chain c
  join {{ hubspot_relation('merges') }} m
    on m.object_type = c.object_type and m.merged_id = c.survivor_id
  where c.depth < 20 and m.merged_id is distinct from m.survivor_id
)
select distinct on (object_type, merged_id) object_type::text, merged_id::text, survivor_id::text
from chain
order by object_type, merged_id, depth desc
{%- else %}
select null::text as object_type, null::text as merged_id, null::text as survivor_id where false
{%- endif %}
