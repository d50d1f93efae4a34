{#- The current table (or view) of every object type: live rows only (not soft-deleted by a
    full refresh, not archived, not merged away), every column but _sdc_deleted_at. -#}

{% macro hubspot_live_filter(object_type, alias='o') -%}
  {{ alias }}._sdc_deleted_at is null and {{ alias }}.archived is not true
  and not exists (select 1 from {{ ref('merged_ids') }} merged_away
                  where merged_away.object_type = '{{ object_type }}' and merged_away.merged_id = {{ alias }}.id)
{%- endmacro %}

{% macro hubspot_current_select(table) -%}
  select {% for col in table.columns if col != '_sdc_deleted_at' -%}
    o.{{ adapter.quote(col) }}{{ ', ' if not loop.last }}
  {%- endfor %}
  from {{ hubspot_relation(table.name) }} o
  where {{ hubspot_live_filter(table.name) }}
{%- endmacro %}

{#- Post-hook of hubspot_objects: (re)build <type>_current for every object table, atomically
    (inside the model's transaction). No dbt model reads them (the models apply the same live
    filter to the loader tables), so dbt never holds a stale handle on one. -#}
{% macro hubspot_build_current_tables() -%}
  {%- set statements = [] -%}
  {%- set kind = var('hubspot_current_materialization', 'table') -%}
  {%- for table in hubspot_object_tables() -%}
    {%- set current = hubspot_relation(table.name ~ '_current') -%}
    {%- set existing = adapter.get_relation(database=target.database, schema=hubspot_schema(),
                                            identifier=table.name ~ '_current') -%}
    {%- if existing is not none -%}
      {#- No cascade: a view of yours on a current table makes this fail loudly rather than
          silently disappear. -#}
      {%- do statements.append('drop ' ~ existing.type ~ ' if exists ' ~ current) -%}
    {%- endif -%}
    {%- if kind == 'view' -%}
      {%- do statements.append('create view ' ~ current ~ ' as ' ~ hubspot_current_select(table)) -%}
    {%- else -%}
      {%- do statements.append('create table ' ~ current ~ ' as ' ~ hubspot_current_select(table)) -%}
      {%- do statements.append('alter table ' ~ current ~ ' add primary key (id)') -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(statements | join(';\n') if statements else 'select 1') }}
{%- endmacro %}
