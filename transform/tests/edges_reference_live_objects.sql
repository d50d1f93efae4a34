{# Relationships: both ends of every edge are live records of their type's current table. #}
-- depends_on: {{ ref('hubspot_objects') }}
-- depends_on: {{ ref('association_edges') }}
{% set selects = [] %}
{%- for pair in hubspot_association_pairs() %}
  {%- do selects.append("select e.edge_key, 'from' as side from " ~ ref('association_edges')
      ~ " e where e.object_type_a = '" ~ pair.a ~ "' and e.object_type_b = '" ~ pair.b
      ~ "' and not exists (select 1 from " ~ hubspot_relation(pair.a ~ '_current')
      ~ " o where o.id = e.object_id_a)") %}
  {%- do selects.append("select e.edge_key, 'to' as side from " ~ ref('association_edges')
      ~ " e where e.object_type_a = '" ~ pair.a ~ "' and e.object_type_b = '" ~ pair.b
      ~ "' and not exists (select 1 from " ~ hubspot_relation(pair.b ~ '_current')
      ~ " o where o.id = e.object_id_b)") %}
{%- endfor %}
{%- if selects %}{{ selects | join('\nunion all\n') }}
{%- else %}select null::text as edge_key, null::text as side where false{%- endif %}
