{#- What the loader created in the target schema, found at run time (information_schema), so the
    models follow whatever object types and association pairs a project syncs. -#}

{% macro hubspot_schema() -%}
  {{ return(target.schema) }}
{%- endmacro %}

{% macro hubspot_engagement_types() -%}
  {{ return(['calls', 'emails', 'meetings', 'notes', 'tasks', 'communications', 'postal_mail']) }}
{%- endmacro %}

{#- Tables of this project's own making, never taken for loader tables. -#}
{% macro hubspot_model_tables() -%}
  {{ return(['hubspot_objects', 'association_edges', 'merged_ids', 'contact_meeting_roles',
             'object_activity', 'hubspot_labelled', 'dim_owners', 'dim_pipeline_stages',
             'enumeration_values_unlisted', 'list_members', 'property_history_intervals',
             'stage_visits', 'stage_durations', 'lifecycle_stage_transitions',
             'property_history_daily']) }}
{%- endmacro %}

{#- {table name: [column names]} of every base table in the loader's schema. -#}
{% macro hubspot_columns() -%}
  {%- set result = {} -%}
  {%- if execute -%}
    {%- set rows = run_query(
        "select c.table_name, c.column_name from information_schema.columns c "
        ~ "join information_schema.tables t using (table_schema, table_name) "
        ~ "where c.table_schema = '" ~ hubspot_schema() ~ "' and t.table_type = 'BASE TABLE' "
        ~ "order by c.table_name, c.ordinal_position") -%}
    {%- for row in rows -%}
      {%- do result.setdefault(row[0], []).append(row[1]) -%}
    {%- endfor -%}
  {%- endif -%}
  {{ return(result) }}
{%- endmacro %}

{#- Object tables: id, created_at, updated_at, archived and _sdc_deleted_at, not an association
    table, not one of ours. Returns [{name, columns}] sorted by name. -#}
{% macro hubspot_object_tables(columns=none) -%}
  {%- set columns = columns if columns is not none else hubspot_columns() -%}
  {%- set found = [] -%}
  {%- for name in columns | sort -%}
    {%- set cols = columns[name] -%}
    {%- if 'id' in cols and 'updated_at' in cols and 'archived' in cols
          and '_sdc_deleted_at' in cols and not name.endswith('_associations')
          and not name.endswith('_current') and not name.endswith('_labelled')
          and name not in hubspot_model_tables() -%}
      {%- do found.append({'name': name, 'columns': cols}) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(found) }}
{%- endmacro %}

{#- Association pairs: [{a, b, forward, reverse}] with a <= b, forward = {a}_to_{b}_associations
    and reverse = {b}_to_{a}_associations (none when that direction is not synced). -#}
{% macro hubspot_association_pairs(columns=none) -%}
  {%- set columns = columns if columns is not none else hubspot_columns() -%}
  {%- set objects = hubspot_object_tables(columns) | map(attribute='name') | list -%}
  {%- set directions = [] -%}
  {%- for name in columns | sort if name.endswith('_associations')
        and 'from_object_id' in columns[name] and 'to_object_id' in columns[name] -%}
    {%- set stem = name[:-13] -%}
    {%- set parts = stem.split('_to_') -%}
    {%- for i in range(1, parts | length) -%}
      {%- set left = parts[:i] | join('_to_') -%}
      {%- set right = parts[i:] | join('_to_') -%}
      {%- if left in objects and right in objects -%}
        {%- do directions.append((left, right, name)) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- set tables = {} -%}
  {%- for left, right, name in directions -%}
    {%- do tables.update({(left, right): name}) -%}
  {%- endfor -%}
  {%- set pairs = [] -%}
  {%- for left, right, name in directions -%}
    {%- if left <= right or (right, left) not in tables -%}
      {%- set a, b = (left, right) if left <= right else (right, left) -%}
      {%- do pairs.append({'a': a, 'b': b,
                          'forward': tables.get((a, b)), 'reverse': tables.get((b, a))}) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(pairs) }}
{%- endmacro %}

{% macro hubspot_relation(name) -%}
  {{ return(adapter.quote(hubspot_schema()) ~ '.' ~ adapter.quote(name)) }}
{%- endmacro %}

{#- Each call of hubspot_columns() is one catalog query: a macro that asks in a loop takes the
    catalog once and passes it (`columns`). -#}
{% macro hubspot_table_exists(name, columns=none) -%}
  {{ return(name in (columns if columns is not none else hubspot_columns())) }}
{%- endmacro %}

{#- A HubSpot property of an object table as text-typed SQL: its column, else its key in the
    JSONB overflow column of a wide type, else NULL. -#}
{% macro hubspot_property(table, name, alias, cast='text', catalog=none) -%}
  {%- set columns = (catalog if catalog is not none else hubspot_columns()).get(table, []) -%}
  {%- if name in columns -%}
    {{ alias }}.{{ adapter.quote(name) }}::{{ cast }}
  {%- elif '_sdc_overflow_properties' in columns -%}
    ({{ alias }}._sdc_overflow_properties ->> '{{ name }}')::{{ cast }}
  {%- else -%}
    null::{{ cast }}
  {%- endif -%}
{%- endmacro %}
