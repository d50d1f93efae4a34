"""Reference data: owners, pipelines, property definitions and lists (docs/DESIGN.md,
"Reference data and property history"). Each kind is read whole on every run by one stream
that also writes its companion stream (`owner_teams`, `pipeline_stages`, `property_options`,
`list_memberships`), and both are closed by ACTIVATE_VERSION once the read is complete."""
