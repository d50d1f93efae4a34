{# Every engagement of every record, whatever the engagement type (calls, emails, meetings,
    notes, tasks, communications, postal_mail: whichever are synced): one row per (record,
    engagement), from association_edges, live engagements and live records only. #}
-- depends_on: {{ ref('merged_ids') }}
-- depends_on: {{ ref('association_edges') }}
{% set engagement_types = hubspot_engagement_types() %}
{%- set selects = [] %}
{%- set catalog = hubspot_columns() %}
{%- for pair in hubspot_association_pairs(catalog) %}
  {%- set a_is = pair.a in engagement_types %}
  {%- set b_is = pair.b in engagement_types %}
  {%- if a_is != b_is %}
    {%- set e_type, r_type = (pair.a, pair.b) if a_is else (pair.b, pair.a) %}
    {%- set e_col, r_col = ('object_id_a', 'object_id_b') if a_is else ('object_id_b', 'object_id_a') %}
    {%- set r_labels, e_labels = ('b_to_a_labels', 'a_to_b_labels') if a_is else ('a_to_b_labels', 'b_to_a_labels') %}
    {%- do selects.append(
      "select '" ~ r_type ~ "'::text as object_type, e." ~ r_col ~ " as object_id, '"
      ~ e_type ~ "'::text as engagement_type, e." ~ e_col ~ " as engagement_id, "
      ~ "coalesce(" ~ hubspot_property(e_type, 'hs_timestamp', 'g', 'timestamptz', catalog) ~ ", g.created_at) as activity_at, "
      ~ hubspot_property(e_type, 'hubspot_owner_id', 'g', catalog=catalog) ~ " as owner_id, "
      ~ "coalesce(e." ~ r_labels ~ ", '{}') as labels, "
      ~ "coalesce(e." ~ e_labels ~ ", '{}') as engagement_labels "
      ~ "from " ~ ref('association_edges') ~ " e "
      ~ "join " ~ hubspot_relation(e_type) ~ " g on g.id = e." ~ e_col ~ " "
      ~ "join " ~ hubspot_relation(r_type) ~ " r on r.id = e." ~ r_col ~ " "
      ~ "where e.object_type_a = '" ~ pair.a ~ "' and e.object_type_b = '" ~ pair.b ~ "' "
      ~ "and " ~ hubspot_live_filter(e_type, 'g') ~ " and " ~ hubspot_live_filter(r_type, 'r')) %}
  {%- endif %}
{%- endfor %}
{%- if selects %}
{{ selects | join('\nunion all\n') }}
{%- else %}
select null::text as object_type, null::text as object_id, null::text as engagement_type,
       null::text as engagement_id, null::timestamptz as activity_at, null::text as owner_id,
       null::text[] as labels, null::text[] as engagement_labels
where false
{%- endif %}
