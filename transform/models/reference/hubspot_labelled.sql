{{ config(materialized='table', post_hook="{{ hubspot_build_labelled_tables() }}") }}
-- depends_on: {{ ref('merged_ids') }}
-- depends_on: {{ ref('dim_owners') }}
-- depends_on: {{ ref('dim_pipeline_stages') }}
{# One row per label column of every <type>_labelled table: which property it labels, from
    what (kind), and whether the table is narrow (id and labelled values only: wide types).
    Its post-hook (re)builds <type>_labelled for every object type (macros/hubspot_labels.sql). #}
{%- set rows = [] %}
{%- for item in hubspot_labelled_tables() if hubspot_labelled_wanted(item.table.name) %}
  {%- set label_count = item.specs | map(attribute='labels') | map('length') | sum %}
  {%- set narrow = '_sdc_overflow_properties' in item.table.columns
                   or (item.table.columns | length) + label_count > 1600 %}
  {%- for spec in item.specs %}
    {%- for label in spec.labels %}
      {%- do rows.append('(' ~ hubspot_literal(item.table.name) ~ ', '
          ~ hubspot_literal(item.table.name ~ '_labelled') ~ ', ' ~ hubspot_literal(spec.property)
          ~ ', ' ~ hubspot_literal(spec.value_name) ~ ', ' ~ hubspot_literal(label) ~ ', '
          ~ hubspot_literal(spec.kind) ~ ', ' ~ ('true' if narrow else 'false') ~ ')') %}
    {%- endfor %}
  {%- endfor %}
{%- endfor %}
{%- if rows %}
select object_type::text, labelled_table::text, property_name::text, value_column::text,
       label_column::text, label_kind::text, narrow::boolean
from (values
  {{ rows | join(',\n  ') }}
) v(object_type, labelled_table, property_name, value_column, label_column, label_kind, narrow)
{%- else %}
select null::text as object_type, null::text as labelled_table, null::text as property_name,
       null::text as value_column, null::text as label_column, null::text as label_kind,
       null::boolean as narrow
where false
{%- endif %}
