{#- property_history_daily: one row per record per day it existed, with the value each history
    property had at the end of that day (time zone: var hubspot_snapshot_timezone, UTC).
    A record's days run from its creation (else its first version) to today, or to the day it
    was archived or deleted; only the last var hubspot_daily_snapshot_days days (365; 0 = all)
    are built, rows built earlier stay; only the types of var hubspot_daily_snapshot_types
    (deals and tickets; 'all' = every type with history). Incremental: each run recomputes every record from its last
    snapshot day (a partial day when it was built) and, from its first day, every record whose
    versions up to that day changed since (a late version: versions_to_date no longer matches),
    and removes the rows of records that left the history (merged away). -#}

{#- Records with history and the days they span. -#}
{% macro hubspot_daily_records() -%}
  {%- set window_days = var('hubspot_daily_snapshot_days', 365) | int %}
  select object_type, object_id,
         {%- if window_days > 0 %}
         greatest({{ hubspot_local_date('least(min(record_created_at), min(valid_from))') }},
                  {{ hubspot_local_today() }} - {{ window_days - 1 }}) as first_day,
         {%- else %}
         {{ hubspot_local_date('least(min(record_created_at), min(valid_from))') }} as first_day,
         {%- endif %}
         case when min(record_status) in ('archived', 'deleted')
              then least({{ hubspot_local_date('min(record_ended_at)') }}, {{ hubspot_local_today() }})
              else {{ hubspot_local_today() }} end as last_day
  from {{ ref('property_history_intervals') }}
  {%- set types = var('hubspot_daily_snapshot_types', ['deals', 'tickets']) %}
  {%- if types != 'all' %}
  where object_type in ({% for t in ([types] if types is string else types) %}{{ hubspot_literal(t) }}, {% endfor %}null)
  {%- endif %}
  group by object_type, object_id
{%- endmacro %}

{#- Pre-hook (incremental runs): the scope of this run in a temporary table, and the rows it
    recomputes deleted. -#}
{% macro hubspot_daily_prepare() -%}
  {%- if not is_incremental() -%} {{ return('select 1') }} {%- endif -%}
  {%- set statements = [] -%}
  {%- do statements.append('create temporary table hubspot_daily_scope on commit drop as '
      ~ 'with records as (' ~ hubspot_daily_records() ~ '), '
      ~ 'seen as (select r.object_type, r.object_id, r.first_day, r.last_day, l.snapshot_date as done_day, '
      ~ 'l.versions_to_date, count(i.object_id) as versions_now from records r '
      ~ 'left join lateral (select t.snapshot_date, t.versions_to_date from ' ~ this ~ ' t '
      ~ 'where t.object_type = r.object_type and t.object_id = r.object_id '
      ~ 'order by t.snapshot_date desc limit 1) l on true '
      ~ 'left join ' ~ ref('property_history_intervals') ~ ' i on i.object_type = r.object_type '
      ~ 'and i.object_id = r.object_id and ' ~ hubspot_local_date('i.valid_from') ~ ' <= l.snapshot_date '
      ~ 'group by r.object_type, r.object_id, r.first_day, r.last_day, l.snapshot_date, l.versions_to_date) '
      ~ 'select object_type, object_id, last_day, '
      ~ 'case when done_day is null or versions_now <> versions_to_date or done_day < first_day '
      ~ 'then first_day else least(done_day, last_day + 1) end as from_day from seen') -%}
  {%- do statements.append('delete from ' ~ this ~ ' t where not exists (select 1 from '
      ~ 'hubspot_daily_scope s where s.object_type = t.object_type and s.object_id = t.object_id '
      ~ 'and t.snapshot_date < s.from_day and t.snapshot_date <= s.last_day)') -%}
  {{ return(statements | join(';\n')) }}
{%- endmacro %}
