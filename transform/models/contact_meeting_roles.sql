{# The README's question as a model: which contacts are associated with each meeting, in which
    role(s). One row per (meeting, contact); a contact linked by several association types
    appears once with every label it carries (meetings -> contacts labels), 'unlabeled' when none. #}
-- depends_on: {{ ref('merged_ids') }}
{% set tables = hubspot_columns() %}
{%- if 'meetings' in tables and 'contacts' in tables and 'meetings_to_contacts_associations' in tables %}
select m.id                                   as meeting_id,
       c.id                                   as contact_id,
       {{ hubspot_property('contacts', 'firstname', 'c', catalog=tables) }} as firstname,
       {{ hubspot_property('contacts', 'lastname', 'c', catalog=tables) }} as lastname,
       {{ hubspot_property('contacts', 'email', 'c', catalog=tables) }} as email,
       coalesce(
         string_agg(distinct nullif(a.association_label, ''), ', '
                    order by nullif(a.association_label, '')),
         'unlabeled'
       )                                      as roles,
       array_agg(distinct a.association_type_id order by a.association_type_id) as type_ids
from {{ hubspot_relation('meetings') }} m
join {{ hubspot_relation('meetings_to_contacts_associations') }} a
  on a.from_object_id = m.id and a._sdc_deleted_at is null
join {{ hubspot_relation('contacts') }} c
  on c.id = a.to_object_id
where {{ hubspot_live_filter('meetings', 'm') }}
  and {{ hubspot_live_filter('contacts', 'c') }}
group by m.id, c.id
{%- else %}
select null::text as meeting_id, null::text as contact_id, null::text as firstname,
       null::text as lastname, null::text as email, null::text as roles,
       null::bigint[] as type_ids
where false
{%- endif %}
