{{ config(materialized='table',
          post_hook="alter table {{ this }} add primary key (object_type, pipeline_id, stage_id)") }}
{# One row per pipeline stage of every object type with pipelines, deleted stages included:
    stage_status is live, archived, or deleted (no longer listed, or known only from the
    pipeline's audit log), so every stage id a record ever carried keeps its label. #}
{%- set catalog = hubspot_columns() %}
{%- if 'pipeline_stages' in catalog %}
{%- set cols = catalog['pipeline_stages'] %}
select s.object_type::text as object_type,
       s.pipeline_id::text as pipeline_id,
       {%- if 'pipelines' in catalog %}
       p.label as pipeline_label,
       {{ hubspot_optional(catalog['pipelines'], 'display_order', 'p', 'bigint') }} as pipeline_display_order,
       {%- else %}
       null::text as pipeline_label,
       null::bigint as pipeline_display_order,
       {%- endif %}
       s.stage_id::text as stage_id,
       s.label as stage_label,
       {{ hubspot_optional(cols, 'display_order', 's', 'bigint') }} as display_order,
       {{ hubspot_optional(cols, 'probability', 's', 'numeric') }} as probability,
       {{ hubspot_optional(cols, 'is_closed', 's', 'boolean') }} as is_closed,
       {{ hubspot_optional(cols, 'ticket_state', 's', 'text') }} as ticket_state,
       case when s._sdc_deleted_at is not null or {{ hubspot_optional(cols, 'from_audit', 's', 'boolean') }} then 'deleted'
            when {{ hubspot_optional(cols, 'archived', 's', 'boolean') }} then 'archived'
            else 'live' end::text as stage_status,
       coalesce({{ hubspot_optional(cols, 'from_audit', 's', 'boolean') }}, false) as from_audit,
       {{ hubspot_optional(cols, 'archived_at', 's', 'timestamptz') }} as archived_at
from {{ hubspot_relation('pipeline_stages') }} s
{%- if 'pipelines' in catalog %}
left join {{ hubspot_relation('pipelines') }} p
  on p.object_type = s.object_type and p.pipeline_id = s.pipeline_id
{%- endif %}
{%- else %}
select null::text as object_type, null::text as pipeline_id, null::text as pipeline_label,
       null::bigint as pipeline_display_order, null::text as stage_id, null::text as stage_label,
       null::bigint as display_order, null::numeric as probability, null::boolean as is_closed,
       null::text as ticket_state, null::text as stage_status, null::boolean as from_audit,
       null::timestamptz as archived_at
where false
{%- endif %}
