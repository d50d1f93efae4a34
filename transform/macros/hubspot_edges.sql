{#- association_edges: one row per linked pair of records of each association pair, with what
    each direction says about the link. Pairs are ordered (a <= b); "forward" is a -> b.
    The columns are object_type_a/object_id_a/object_type_b/object_id_b, not from_/to_: a table
    with the loader's four association columns would be taken for an association table by the
    loader (which flags rows naming merged or deleted records in every such table). -#}

{% macro hubspot_edge_side(table, flip, pair_from, pair_to) -%}
  {#- Live rows of one direction table, as (a_id, b_id, type, category, label), merged-away ids
      redirected to survivors. flip: the table is b -> a. -#}
  {%- set a_col = 'to_object_id' if flip else 'from_object_id' -%}
  {%- set b_col = 'from_object_id' if flip else 'to_object_id' -%}
  select coalesce(ma.survivor_id, r.{{ a_col }}) as a_id,
         coalesce(mb.survivor_id, r.{{ b_col }}) as b_id,
         r.association_type_id, r.association_category, nullif(r.association_label, '') as label
  from {{ hubspot_relation(table) }} r
  left join {{ ref('merged_ids') }} ma on ma.object_type = '{{ pair_from }}' and ma.merged_id = r.{{ a_col }}
  left join {{ ref('merged_ids') }} mb on mb.object_type = '{{ pair_to }}' and mb.merged_id = r.{{ b_col }}
  where r._sdc_deleted_at is null
{%- endmacro %}

{#- Ids of type `object_type` whose association set in `stream` was read at or after the
    watermark, plus ids merged since then (`has_merges`: the merges table exists). -#}
{% macro hubspot_changed_parents(stream, object_type, watermark, has_merges) -%}
  select from_object_id from {{ hubspot_relation('association_parent_syncs') }}
  where association_stream = '{{ stream }}' and synced_at > '{{ watermark }}'::timestamptz
  {%- if has_merges %}
  union select merged_id from {{ hubspot_relation('merges') }}
    where object_type = '{{ object_type }}' and seen_at > '{{ watermark }}'::timestamptz
  union select survivor_id from {{ hubspot_relation('merges') }}
    where object_type = '{{ object_type }}' and seen_at > '{{ watermark }}'::timestamptz
  {%- endif %}
{%- endmacro %}

{#- The watermark of an incremental run (none: rebuild everything). Read before the pre-hook
    deletes anything, so the delete and the insert use the same one. -#}
{% macro hubspot_edges_watermark() -%}
  {%- if not execute or not is_incremental() or not hubspot_table_exists('association_parent_syncs') -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set row = run_query('select max(_parents_synced_at)::text from ' ~ this).rows[0] -%}
  {{ return(row[0]) }}
{%- endmacro %}

{% macro hubspot_edges_scope(pair, watermark, a_expr, b_expr, has_merges) -%}
  {%- if watermark is none -%} true {%- else -%}
  ({{ a_expr }} in ({{ hubspot_changed_parents(pair.forward or '', pair.a, watermark, has_merges) }})
   or {{ b_expr }} in ({{ hubspot_changed_parents(pair.reverse or '', pair.b, watermark, has_merges) }}))
  {%- endif -%}
{%- endmacro %}

{#- Pre-hook: remove the edges the incremental run recomputes. -#}
{% macro hubspot_edges_delete_changed() -%}
  {%- set watermark = hubspot_edges_watermark() -%}
  {%- if not is_incremental() -%} {{ return('select 1') }} {%- endif -%}
  {%- set statements = [] -%}
  {%- set catalog = hubspot_columns() -%}
  {%- set has_merges = hubspot_table_exists('merges', catalog) -%}
  {%- for pair in hubspot_association_pairs(catalog) -%}
    {%- do statements.append('delete from ' ~ this ~ " where object_type_a = '" ~ pair.a
        ~ "' and object_type_b = '" ~ pair.b ~ "' and "
        ~ hubspot_edges_scope(pair, watermark, 'object_id_a', 'object_id_b', has_merges)) -%}
  {%- endfor -%}
  {{ return(statements | join(';\n') if statements else 'select 1') }}
{%- endmacro %}

{% macro hubspot_association_edges() -%}
  {%- set watermark = hubspot_edges_watermark() -%}
  {%- set catalog = hubspot_columns() -%}
  {%- set pairs = hubspot_association_pairs(catalog) -%}
  {%- set has_syncs = hubspot_table_exists('association_parent_syncs', catalog) -%}
  {%- set has_merges = hubspot_table_exists('merges', catalog) -%}
  {%- if pairs | length == 0 -%}
  select null::text as edge_key, null::text as object_type_a, null::text as object_id_a,
         null::text as object_type_b, null::text as object_id_b,
         null::bigint[] as a_to_b_type_ids, null::text[] as a_to_b_labels,
         null::text[] as a_to_b_categories, null::bigint[] as b_to_a_type_ids,
         null::text[] as b_to_a_labels, null::text[] as b_to_a_categories,
         null::boolean as directions_disagree, null::timestamptz as _parents_synced_at
  where false
  {%- endif -%}
  {%- for pair in pairs %}
  {{ 'union all' if not loop.first }}
  select * from (
    with forward as (
      {%- if pair.forward %}
      select a_id, b_id,
             array_agg(distinct association_type_id order by association_type_id) as type_ids,
             array_agg(distinct label order by label) filter (where label is not null) as labels,
             array_agg(distinct association_category order by association_category) as categories
      from ({{ hubspot_edge_side(pair.forward, false, pair.a, pair.b) }}) s
      where {{ hubspot_edges_scope(pair, watermark, 'a_id', 'b_id', has_merges) }}
      group by a_id, b_id
      {%- else %}
      select null::text as a_id, null::text as b_id, null::bigint[] as type_ids,
             null::text[] as labels, null::text[] as categories where false
      {%- endif %}
    ), reverse as (
      {%- if pair.reverse %}
      select a_id, b_id,
             array_agg(distinct association_type_id order by association_type_id) as type_ids,
             array_agg(distinct label order by label) filter (where label is not null) as labels,
             array_agg(distinct association_category order by association_category) as categories
      from ({{ hubspot_edge_side(pair.reverse, true, pair.a, pair.b) }}) s
      where {{ hubspot_edges_scope(pair, watermark, 'a_id', 'b_id', has_merges) }}
      group by a_id, b_id
      {%- else %}
      select null::text as a_id, null::text as b_id, null::bigint[] as type_ids,
             null::text[] as labels, null::text[] as categories where false
      {%- endif %}
    )
    select '{{ pair.a }}:' || coalesce(f.a_id, r.a_id) || '|{{ pair.b }}:' || coalesce(f.b_id, r.b_id)
             as edge_key,
           '{{ pair.a }}'::text as object_type_a, coalesce(f.a_id, r.a_id) as object_id_a,
           '{{ pair.b }}'::text as object_type_b, coalesce(f.b_id, r.b_id) as object_id_b,
           f.type_ids as a_to_b_type_ids, f.labels as a_to_b_labels,
           f.categories as a_to_b_categories,
           r.type_ids as b_to_a_type_ids, r.labels as b_to_a_labels,
           r.categories as b_to_a_categories,
           {%- if pair.forward and pair.reverse %}
           (f.a_id is null or r.a_id is null
            or cardinality(f.type_ids) <> cardinality(r.type_ids)) as directions_disagree,
           {%- else %}
           false as directions_disagree,
           {%- endif %}
           {%- if has_syncs %}
           (select max(synced_at) from {{ hubspot_relation('association_parent_syncs') }})
           {%- else %} null::timestamptz {%- endif %} as _parents_synced_at
    from forward f full join reverse r on r.a_id = f.a_id and r.b_id = f.b_id
  ) {{ adapter.quote('edges_' ~ loop.index) }}
  {%- endfor %}
{%- endmacro %}
