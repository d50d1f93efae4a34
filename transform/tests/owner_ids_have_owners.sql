{{ config(severity='warn') }}
{# Warns with the owner ids on live records that the owners table does not have (not even as
    archived or removed): their __owner_name and __owner_email stay empty. #}
-- depends_on: {{ ref('merged_ids') }}
{% set selects = [] %}
{%- if hubspot_table_exists('owners') %}
  {%- for item in hubspot_labelled_tables() %}
    {%- for spec in item.specs if spec.kind in ['owner', 'multi_owner'] %}
      {%- set value = hubspot_location_sql(spec.location, 'o') %}
      {%- set parts = "string_to_array(" ~ value ~ ", ';')" if spec.kind == 'multi_owner'
                      else 'array[' ~ value ~ ']' %}
      {%- do selects.append('select ' ~ hubspot_literal(item.table.name) ~ '::text as object_type, '
          ~ hubspot_literal(spec.property) ~ '::text as property_name, part.v as owner_id, count(*) as records from '
          ~ hubspot_relation(item.table.name) ~ ' o cross join lateral unnest(' ~ parts ~ ') part(v) where '
          ~ hubspot_live_filter(item.table.name) ~ " and part.v is not null and part.v <> '' and not exists "
          ~ '(select 1 from ' ~ hubspot_relation('owners') ~ ' ow where ow.owner_id = part.v) group by part.v') %}
    {%- endfor %}
  {%- endfor %}
{%- endif %}
{%- if selects %}{{ selects | join('\nunion all\n') }}
{%- else %}select null::text as object_type, null::text as property_name, null::text as owner_id,
  0::bigint as records where false{%- endif %}
