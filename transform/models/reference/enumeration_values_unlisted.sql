{{ config(materialized='table') }}
-- depends_on: {{ ref('merged_ids') }}
{# The enumeration values live records carry that HubSpot does not list (any more) among the
    property's options: option_status 'removed' (an option the loader saw before and flagged;
    its last label is kept and labels the value) or 'never_listed' (no label known). One row
    per (type, property, value) with the number of live records carrying it; multi-select
    values count per part. Empty when every value is listed, and on projects without
    property_options. #}
{%- set selects = [] %}
{%- if hubspot_table_exists('property_options') %}
  {%- for item in hubspot_labelled_tables() %}
    {%- for spec in item.specs if spec.kind in ['enumeration', 'multi_enumeration'] %}
      {%- set value = hubspot_location_sql(spec.location, 'o') %}
      {%- set parts = "string_to_array(" ~ value ~ ", ';')" if spec.kind == 'multi_enumeration'
                      else 'array[' ~ value ~ ']' %}
      {%- do selects.append('select ' ~ hubspot_literal(item.table.name) ~ '::text as object_type, '
          ~ hubspot_literal(spec.property) ~ '::text as property_name, part.v as option_value, count(*) as records '
          ~ 'from ' ~ hubspot_relation(item.table.name) ~ ' o cross join lateral unnest(' ~ parts ~ ') part(v) '
          ~ 'where ' ~ hubspot_live_filter(item.table.name) ~ " and part.v is not null and part.v <> '' "
          ~ 'group by part.v') %}
    {%- endfor %}
  {%- endfor %}
{%- endif %}
{%- if selects %}
with used as (
  {{ selects | join('\n  union all\n  ') }}
)
select u.object_type, u.property_name, u.option_value, u.records,
       case when po.option_value is null then 'never_listed' else 'removed' end::text as option_status,
       po.label as last_label
from used u
left join {{ hubspot_relation('property_options') }} po
  on po.object_type = u.object_type and po.property_name = u.property_name
 and po.option_value = u.option_value
where po.option_value is null or po._sdc_deleted_at is not null
{%- else %}
select null::text as object_type, null::text as property_name, null::text as option_value,
       0::bigint as records, null::text as option_status, null::text as last_label
where false
{%- endif %}
