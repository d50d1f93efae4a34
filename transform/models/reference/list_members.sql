{{ config(materialized='table') }}
-- depends_on: {{ ref('merged_ids') }}
{# One row per current member of every list whose members are synced, with the list's name and
    processing type, the member's record as it is now (current_record_id: the merge survivor
    when the member was merged away) and record_status: live, archived, deleted (gone from
    HubSpot), merged (its survivor is not a live row either) or not_synced (the list's object
    type is not synced). Join <object_type>_current on current_record_id for the record. #}
{%- set catalog = hubspot_columns() %}
{%- if 'list_memberships' in catalog %}
{%- set objects = hubspot_object_tables(catalog) %}
with members as (
  select m.list_id::text as list_id,
         {%- if 'lists' in catalog %}
         l.name as list_name,
         l.processing_type,
         coalesce(l.object_type, m.object_type)::text as object_type,
         {%- else %}
         null::text as list_name,
         null::text as processing_type,
         m.object_type::text as object_type,
         {%- endif %}
         m.record_id::text as record_id,
         coalesce(mi.survivor_id, m.record_id)::text as current_record_id,
         mi.survivor_id is not null as merged_away,
         m.added_at
  from {{ hubspot_relation('list_memberships') }} m
  {%- if 'lists' in catalog %}
  left join {{ hubspot_relation('lists') }} l on l.list_id = m.list_id
  {%- endif %}
  left join {{ ref('merged_ids') }} mi
    on mi.object_type = m.object_type and mi.merged_id = m.record_id
  where m._sdc_deleted_at is null
), records as (
  {%- for table in objects %}
  select {{ hubspot_literal(table.name) }}::text as object_type, o.id::text as record_id,
         case when o._sdc_deleted_at is not null then 'deleted'
              when o.archived then 'archived'
              else 'live' end::text as status
  from {{ hubspot_relation(table.name) }} o
  where o.id in (select current_record_id from members where object_type = {{ hubspot_literal(table.name) }})
  union all
  {%- endfor %}
  select null::text as object_type, null::text as record_id, null::text as status where false
)
select m.list_id, m.list_name, m.processing_type, m.object_type, m.record_id,
       m.current_record_id, m.added_at,
       case when r.status is null and m.object_type in (
                {%- for table in objects %}{{ hubspot_literal(table.name) }}, {% endfor %}'') then 'deleted'
            when r.status is null then 'not_synced'
            when m.merged_away and r.status <> 'live' then 'merged'
            else r.status end::text as record_status
from members m
left join records r on r.object_type = m.object_type and r.record_id = m.current_record_id
{%- else %}
select null::text as list_id, null::text as list_name, null::text as processing_type,
       null::text as object_type, null::text as record_id, null::text as current_record_id,
       null::timestamptz as added_at, null::text as record_status
where false
{%- endif %}
