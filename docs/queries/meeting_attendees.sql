-- Which contacts are associated with meeting :'meeting_id', and in which role(s)?
-- A contact linked by several association types (the default unlabeled one plus labels such as
-- "Organizer") appears once, with every label it carries.
SELECT c.id                                   AS contact_id,
       c.firstname,
       c.lastname,
       c.email,
       coalesce(
         string_agg(DISTINCT a.association_label, ', ' ORDER BY a.association_label),
         'unlabeled'
       )                                      AS roles,
       array_agg(DISTINCT a.association_type_id ORDER BY a.association_type_id) AS type_ids
FROM hubspot.meetings m
JOIN hubspot.meetings_to_contacts_associations a
  ON a.from_object_id = m.id AND a._sdc_deleted_at IS NULL
JOIN hubspot.contacts c
  ON c.id = a.to_object_id AND c._sdc_deleted_at IS NULL
WHERE m.id = :'meeting_id'
GROUP BY c.id, c.firstname, c.lastname, c.email
ORDER BY c.lastname, c.firstname, c.id;
