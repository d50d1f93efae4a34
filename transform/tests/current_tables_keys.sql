{# Unique, not-null ids in every <type>_current table. #}
-- depends_on: {{ ref('hubspot_objects') }}
{% set selects = [] %}
{%- for table in hubspot_object_tables() %}
  {%- do selects.append("select '" ~ table.name ~ "' as object_type, id, count(*) as n from "
      ~ hubspot_relation(table.name ~ '_current') ~ " group by id having id is null or count(*) > 1") %}
{%- endfor %}
{%- if selects %}{{ selects | join('\nunion all\n') }}
{%- else %}select null::text as object_type, null::text as id, 0 as n where false{%- endif %}
