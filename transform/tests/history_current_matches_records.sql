{# The current interval of every history property equals the property's value on the live
    record (compared as numbers, booleans, instants or dates by the column's type). #}
-- depends_on: {{ ref('property_history_intervals') }}
-- depends_on: {{ ref('merged_ids') }}
{% set selects = [] %}
{%- for history in hubspot_history_tables() if history.object_columns is not none %}
  {%- set names = [] %}
  {%- if execute %}
    {%- set names = run_query('select distinct property_name from ' ~ hubspot_relation(history.name)
        ~ ' order by 1').columns[0].values() %}
  {%- endif %}
  {%- set types = hubspot_column_types(history.object_type) %}
  {%- for name in names %}
    {%- set location = hubspot_property_location(history.object_columns, name) %}
    {%- if location is not none %}
      {%- set column = hubspot_location_sql(location, 'o', 'text') if location.column is not defined
                       else 'o.' ~ adapter.quote(location.column) %}
      {%- set data_type = types.get(location.column, 'text') if location.column is defined else 'text' %}
      {%- do selects.append('select i.object_type, i.object_id, i.property_name, i.value as history_value, '
          ~ column ~ '::text as record_value from ' ~ ref('property_history_intervals') ~ ' i join '
          ~ hubspot_relation(history.object_type) ~ ' o on o.id = i.object_id where i.object_type = '
          ~ hubspot_literal(history.object_type) ~ ' and i.property_name = ' ~ hubspot_literal(name)
          ~ ' and i.is_current and ' ~ hubspot_live_filter(history.object_type) ~ ' and not ('
          ~ hubspot_history_value_matches('i.value', column, data_type) ~ ')') %}
    {%- endif %}
  {%- endfor %}
{%- endfor %}
{%- if selects %}{{ selects | join('\nunion all\n') }}
{%- else %}select null::text as object_type, null::text as object_id, null::text as property_name,
  null::text as history_value, null::text as record_value where false{%- endif %}
