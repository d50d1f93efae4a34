{#- Property history: the loader's {type}_property_history tables (insert-only, one row per
    version), found at run time. Rows flagged _sdc_deleted_at belong to merged-away records and
    are left out of every model (the survivor keeps its own history), as are the versions of any
    id merged_ids lists. -#}

{#- [{name, object_type, columns, object_columns}] of every history table; object_columns is the
    object table's column list, or none when that type's table does not exist. -#}
{% macro hubspot_history_tables(columns=none) -%}
  {%- set columns = columns if columns is not none else hubspot_columns() -%}
  {%- set found = [] -%}
  {%- for name in columns | sort if name.endswith('_property_history') -%}
    {%- set cols = columns[name] -%}
    {%- if 'object_id' in cols and 'property_name' in cols and 'changed_at' in cols
          and 'same_time_seq' in cols and name not in hubspot_model_tables() -%}
      {%- set object_type = name[:-17] -%}
      {%- set objects = hubspot_object_tables(columns) | selectattr('name', 'equalto', object_type) | list -%}
      {%- do found.append({'name': name, 'object_type': object_type, 'columns': cols,
                          'object_columns': objects[0].columns if objects else none}) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(found) }}
{%- endmacro %}

{#- The stage property of a history type: dealstage for deals, hs_pipeline_stage otherwise. -#}
{% macro hubspot_stage_property_sql(object_type_expr) -%}
  case when {{ object_type_expr }} = 'deals' then 'dealstage' else 'hs_pipeline_stage' end
{%- endmacro %}

{% macro hubspot_pipeline_property_sql(object_type_expr) -%}
  case when {{ object_type_expr }} = 'deals' then 'pipeline' else 'hs_pipeline' end
{%- endmacro %}

{#- The calendar day of a timestamp in the snapshot time zone (var hubspot_snapshot_timezone). -#}
{% macro hubspot_local_date(expr) -%}
  ({{ expr }} at time zone {{ hubspot_literal(var('hubspot_snapshot_timezone', 'UTC')) }})::date
{%- endmacro %}

{% macro hubspot_local_today() -%}
  (now() at time zone {{ hubspot_literal(var('hubspot_snapshot_timezone', 'UTC')) }})::date
{%- endmacro %}

{#- One history table as intervals: every version from its timestamp to the next version's
    (valid_to null: the current one). Two versions in one millisecond: the earlier one is an
    empty interval [t, t). -#}
{% macro hubspot_history_intervals_select(history) -%}
  {%- set cols = history.columns -%}
  {%- set has_object = history.object_columns is not none -%}
  select {{ hubspot_literal(history.object_type) }}::text as object_type,
         h.object_id::text as object_id,
         h.property_name::text as property_name,
         h.value::text as value,
         h.changed_at as valid_from,
         lead(h.changed_at) over w as valid_to,
         lead(h.changed_at) over w is null as is_current,
         h.same_time_seq::bigint as same_time_seq,
         row_number() over w as version_number,
         {%- for col in ['source_type', 'source_id', 'source_label'] %}
         {{ 'h.' ~ col ~ '::text' if col in cols else 'null::text' }} as {{ col }},
         {%- endfor %}
         {{ 'h.updated_by_user_id::bigint' if 'updated_by_user_id' in cols else 'null::bigint' }} as updated_by_user_id,
         {{ 'coalesce(h.truncated_before, false)' if 'truncated_before' in cols else 'false' }} as truncated_before,
         {%- if has_object %}
         case when o.id is null then 'missing'
              when o._sdc_deleted_at is not null then 'deleted'
              when o.archived then 'archived'
              else 'live' end::text as record_status,
         o.created_at as record_created_at,
         case when o._sdc_deleted_at is not null then o._sdc_deleted_at
              when o.archived then coalesce({{ 'o.archived_at' if 'archived_at' in history.object_columns else 'null::timestamptz' }}, o.updated_at)
         end as record_ended_at
         {%- else %}
         'missing'::text as record_status,
         null::timestamptz as record_created_at,
         null::timestamptz as record_ended_at
         {%- endif %}
  from {{ hubspot_relation(history.name) }} h
  {%- if has_object %}
  left join {{ hubspot_relation(history.object_type) }} o on o.id = h.object_id
  {%- endif %}
  where h._sdc_deleted_at is null
    and not exists (select 1 from {{ ref('merged_ids') }} mi
                    where mi.object_type = {{ hubspot_literal(history.object_type) }}
                      and mi.merged_id = h.object_id)
  window w as (partition by h.object_id, h.property_name order by h.changed_at, h.same_time_seq)
{%- endmacro %}

{#- A history value (text, as HubSpot sends it) equals a typed column value: compared as
    numbers, booleans, instants (ISO 8601 or epoch milliseconds) or dates by the column's type,
    as text otherwise. -#}
{% macro hubspot_history_value_matches(value, column, data_type) -%}
  {%- if data_type in ['numeric', 'bigint', 'integer', 'double precision', 'real', 'smallint'] -%}
    (case when {{ value }} ~ '^\s*-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?\s*$' then {{ value }}::numeric end)
      is not distinct from {{ column }}::numeric
  {%- elif data_type == 'boolean' -%}
    (case when lower({{ value }}) in ('true', 'false') then lower({{ value }})::boolean end)
      is not distinct from {{ column }}
  {%- elif data_type in ['timestamp with time zone', 'timestamp without time zone', 'date'] -%}
    {{ '(' if data_type == 'date' }}(case when {{ value }} ~ '^-?[0-9]{10,}$' then to_timestamp({{ value }}::numeric / 1000)
          when {{ value }} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' then ({{ value }} || 'T00:00:00Z')::timestamptz
          when {{ value }} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]' then {{ value }}::timestamptz end)
      {%- if data_type == 'date' %}
      at time zone 'UTC')::date is not distinct from {{ column }}
      {%- else %}
      is not distinct from {{ column }}::timestamptz
      {%- endif %}
  {%- else -%}
    {{ value }} is not distinct from {{ column }}::text
  {%- endif -%}
{%- endmacro %}

{#- {column: data_type} of a loader table. -#}
{% macro hubspot_column_types(table) -%}
  {%- set result = {} -%}
  {%- if execute -%}
    {%- set rows = run_query("select column_name, data_type from information_schema.columns "
        ~ "where table_schema = " ~ hubspot_literal(hubspot_schema()) ~ " and table_name = "
        ~ hubspot_literal(table)) -%}
    {%- for row in rows -%} {%- do result.update({row[0]: row[1]}) -%} {%- endfor -%}
  {%- endif -%}
  {{ return(result) }}
{%- endmacro %}
