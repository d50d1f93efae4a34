{{ config(materialized='table', post_hook="alter table {{ this }} add primary key (owner_id)") }}
{# One row per HubSpot owner the loader has seen: active, archived (deactivated users, from the
    owners API's archived listing) and removed (no longer listed at all, kept so that records
    still carrying the id keep a name). Teams from owner_teams when synced. #}
{%- set catalog = hubspot_columns() %}
{%- if 'owners' in catalog %}
{%- set cols = catalog['owners'] %}
select o.owner_id::text as owner_id,
       {{ hubspot_optional(cols, 'user_id', 'o', 'bigint') }} as user_id,
       nullif(trim(concat_ws(' ', {{ hubspot_optional(cols, 'first_name', 'o', 'text') }}, {{ hubspot_optional(cols, 'last_name', 'o', 'text') }})), '') as owner_name,
       {{ hubspot_optional(cols, 'email', 'o', 'text') }} as email,
       {{ hubspot_optional(cols, 'first_name', 'o', 'text') }} as first_name,
       {{ hubspot_optional(cols, 'last_name', 'o', 'text') }} as last_name,
       {{ hubspot_optional(cols, 'owner_type', 'o', 'text') }} as owner_type,
       case when o._sdc_deleted_at is not null then 'removed'
            when {{ hubspot_optional(cols, 'archived', 'o', 'boolean') }} then 'archived'
            else 'active' end::text as owner_status,
       {%- if 'owner_teams' in catalog %}
       (select array_agg(t.team_name order by t.is_primary desc nulls last, t.team_name)
        from {{ hubspot_relation('owner_teams') }} t
        where t.owner_id = o.owner_id and t._sdc_deleted_at is null) as teams,
       (select min(t.team_name) from {{ hubspot_relation('owner_teams') }} t
        where t.owner_id = o.owner_id and t._sdc_deleted_at is null and t.is_primary) as primary_team,
       {%- else %}
       null::text[] as teams,
       null::text as primary_team,
       {%- endif %}
       {{ hubspot_optional(cols, 'created_at', 'o', 'timestamptz') }} as created_at,
       {{ hubspot_optional(cols, 'updated_at', 'o', 'timestamptz') }} as updated_at
from {{ hubspot_relation('owners') }} o
{%- else %}
select null::text as owner_id, null::bigint as user_id, null::text as owner_name,
       null::text as email, null::text as first_name, null::text as last_name,
       null::text as owner_type, null::text as owner_status, null::text[] as teams,
       null::text as primary_team, null::timestamptz as created_at,
       null::timestamptz as updated_at
where false
{%- endif %}
