{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ hubspot_edges_delete_changed() }}",
    post_hook="create index if not exists {{ this.identifier }}_from_idx on {{ this }} (object_type_a, object_id_a); create index if not exists {{ this.identifier }}_to_idx on {{ this }} (object_type_b, object_id_b)"
) }}
-- depends_on: {{ ref('merged_ids') }}
{# Incremental: only the links of parents whose association set the loader read since the
    last run (association_parent_syncs.synced_at) are deleted and recomputed.
    `dbt run --full-refresh` (meltano invoke dbt-postgres run --full-refresh) rebuilds it. #}
{{ hubspot_association_edges() }}
