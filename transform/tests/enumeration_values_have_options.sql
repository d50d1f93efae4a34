{# Every enumeration value on a live record is an option HubSpot lists, or is reported by the
    enumeration_values_unlisted model (with the right status): values HubSpot stopped listing
    pass here; enumeration_values_reported_unlisted warns about them. #}
-- depends_on: {{ ref('merged_ids') }}
-- depends_on: {{ ref('enumeration_values_unlisted') }}
{% set selects = [] %}
{%- if hubspot_table_exists('property_options') %}
  {%- for item in hubspot_labelled_tables() %}
    {%- for spec in item.specs if spec.kind in ['enumeration', 'multi_enumeration'] %}
      {%- set value = hubspot_location_sql(spec.location, 'o') %}
      {%- set parts = "string_to_array(" ~ value ~ ", ';')" if spec.kind == 'multi_enumeration'
                      else 'array[' ~ value ~ ']' %}
      {%- do selects.append('select distinct ' ~ hubspot_literal(item.table.name) ~ '::text as object_type, '
          ~ hubspot_literal(spec.property) ~ '::text as property_name, part.v as option_value from '
          ~ hubspot_relation(item.table.name) ~ ' o cross join lateral unnest(' ~ parts ~ ') part(v) where '
          ~ hubspot_live_filter(item.table.name) ~ " and part.v is not null and part.v <> ''") %}
    {%- endfor %}
  {%- endfor %}
{%- endif %}
{%- if selects %}
with used as ({{ selects | join('\n  union all\n  ') }})
select u.*, po.option_value is not null as option_row_exists
from used u
left join {{ hubspot_relation('property_options') }} po
  on po.object_type = u.object_type and po.property_name = u.property_name and po.option_value = u.option_value
left join {{ ref('enumeration_values_unlisted') }} r
  on r.object_type = u.object_type and r.property_name = u.property_name and r.option_value = u.option_value
where (po.option_value is null or po._sdc_deleted_at is not null)
  and (r.option_value is null
       or r.option_status <> case when po.option_value is null then 'never_listed' else 'removed' end)
{%- else %}
select null::text as object_type, null::text as property_name, null::text as option_value,
       null::boolean as option_row_exists where false
{%- endif %}
