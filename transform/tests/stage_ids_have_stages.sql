{# Every pipeline and stage id on a live record has a row in pipelines / pipeline_stages
    (stages deleted since, from the pipeline's audit, included). Skipped per table the project
    does not sync. #}
-- depends_on: {{ ref('merged_ids') }}
{% set catalog = hubspot_columns() %}
{%- set selects = [] %}
{%- for table in hubspot_object_tables(catalog) %}
  {%- set props = hubspot_pipeline_properties(table.name) %}
  {%- set pipeline = hubspot_property_location(table.columns, props.pipeline) %}
  {%- set stage = hubspot_property_location(table.columns, props.stage) %}
  {%- set pipeline_sql = hubspot_location_sql(pipeline, 'o') if pipeline is not none else 'null::text' %}
  {%- if stage is not none and 'pipeline_stages' in catalog %}
    {%- do selects.append('select ' ~ hubspot_literal(table.name) ~ '::text as object_type, o.id::text as record_id, '
        ~ "'stage'::text as kind, " ~ pipeline_sql ~ ' as pipeline_id, ' ~ hubspot_location_sql(stage, 'o') ~ ' as missing_id from '
        ~ hubspot_relation(table.name) ~ ' o where ' ~ hubspot_live_filter(table.name) ~ ' and '
        ~ hubspot_location_sql(stage, 'o') ~ ' is not null and not exists (select 1 from '
        ~ hubspot_relation('pipeline_stages') ~ ' s where s.object_type = ' ~ hubspot_literal(table.name)
        ~ ' and s.stage_id = ' ~ hubspot_location_sql(stage, 'o')
        ~ (' and s.pipeline_id = ' ~ pipeline_sql if pipeline is not none else '') ~ ')') %}
  {%- endif %}
  {%- if pipeline is not none and 'pipelines' in catalog %}
    {%- do selects.append('select ' ~ hubspot_literal(table.name) ~ "::text, o.id::text, 'pipeline'::text, "
        ~ pipeline_sql ~ ', ' ~ pipeline_sql ~ ' from ' ~ hubspot_relation(table.name) ~ ' o where '
        ~ hubspot_live_filter(table.name) ~ ' and ' ~ pipeline_sql ~ ' is not null and not exists (select 1 from '
        ~ hubspot_relation('pipelines') ~ ' p where p.object_type = ' ~ hubspot_literal(table.name)
        ~ ' and p.pipeline_id = ' ~ pipeline_sql ~ ')') %}
  {%- endif %}
{%- endfor %}
{%- if selects %}{{ selects | join('\nunion all\n') }}
{%- else %}select null::text as object_type, null::text as record_id, null::text as kind,
  null::text as pipeline_id, null::text as missing_id where false{%- endif %}
