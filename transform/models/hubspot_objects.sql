{{ config(materialized='table', post_hook="{{ hubspot_build_current_tables() }}") }}
-- depends_on: {{ ref('merged_ids') }}
{# One row per synced object type: its current table and row counts. Its post-hook builds
    <type>_current for every type (see macros/hubspot_current.sql). #}
{%- set tables = hubspot_object_tables() %}
{%- for table in tables %}
{{ 'union all' if not loop.first }}
select '{{ table.name }}'::text as object_type,
       '{{ table.name }}_current'::text as current_table,
       count(*) filter (where {{ hubspot_live_filter(table.name) }}) as live_rows,
       count(*) filter (where o._sdc_deleted_at is not null) as deleted_rows,
       count(*) filter (where o.archived) as archived_rows,
       {{ 'true' if '_sdc_overflow_properties' in table.columns else 'false' }} as has_overflow_properties
from {{ hubspot_relation(table.name) }} o
{%- endfor %}
{%- if tables | length == 0 %}
select null::text as object_type, null::text as current_table, 0::bigint as live_rows,
       0::bigint as deleted_rows, 0::bigint as archived_rows, false as has_overflow_properties
where false
{%- endif %}
