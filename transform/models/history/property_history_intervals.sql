{{ config(materialized='table',
          post_hook="create index if not exists {{ this.identifier }}_record_idx on {{ this }} (object_type, object_id, property_name, valid_from)") }}
-- depends_on: {{ ref('merged_ids') }}
{# The slowly changing dimension of every history property of every type that keeps history:
    one row per version, valid from its timestamp until the next version's (valid_to null and
    is_current true for the latest). Versions with the same timestamp keep their order
    (same_time_seq); the earlier ones are empty intervals [t, t). truncated_before marks the
    oldest version HubSpot still returned when it capped the history (earlier values unknown).
    record_status says whether the record is live, archived, deleted or missing from its
    object table; merged-away records' versions (flagged by the loader) are not here. #}
{%- set tables = hubspot_history_tables() %}
{%- for history in tables %}
{{ 'union all' if not loop.first }}
select * from (
  {{ hubspot_history_intervals_select(history) }}
) {{ adapter.quote('history_' ~ loop.index) }}
{%- endfor %}
{%- if tables | length == 0 %}
select null::text as object_type, null::text as object_id, null::text as property_name,
       null::text as value, null::timestamptz as valid_from, null::timestamptz as valid_to,
       null::boolean as is_current, null::bigint as same_time_seq, null::bigint as version_number,
       null::text as source_type, null::text as source_id, null::text as source_label,
       null::bigint as updated_by_user_id, null::boolean as truncated_before,
       null::text as record_status, null::timestamptz as record_created_at,
       null::timestamptz as record_ended_at
where false
{%- endif %}
