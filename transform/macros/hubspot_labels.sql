{#- Labels next to values: which columns of an object table carry an enumeration option, a
    pipeline, a pipeline stage or an owner id, and the SQL that labels them. Read from the
    loader's `properties` table (reference data) at run time; nothing is written per type.
    Kinds: enumeration, multi_enumeration (';'-separated values), pipeline, pipeline_stage, owner,
    multi_owner (';'-separated owner ids: names and emails ';'-separated in the same order). -#}

{#- A SQL string literal. -#}
{% macro hubspot_literal(text) -%}
  {{ return("'" ~ (text | string).replace("'", "''") ~ "'") }}
{%- endmacro %}

{#- Pipeline and stage properties of a type: deals use their own names, every other type
    (tickets, appointments, custom objects, ...) the hs_ ones. -#}
{% macro hubspot_pipeline_properties(object_type) -%}
  {%- if object_type == 'deals' -%}
    {{ return({'pipeline': 'pipeline', 'stage': 'dealstage'}) }}
  {%- endif -%}
  {{ return({'pipeline': 'hs_pipeline', 'stage': 'hs_pipeline_stage'}) }}
{%- endmacro %}

{#- Where a property's value is in an object table: {'column': c} (its typed column: the name,
    `property_<name>` for the five top-level names, the loader's <54 bytes>_<hash> form for names
    over 63 bytes) or {'overflow': key} (a wide type's JSONB column), none when absent. -#}
{% macro hubspot_property_location(columns, property_name) -%}
  {%- set field = 'property_' ~ property_name
        if property_name in ['id', 'created_at', 'updated_at', 'archived', 'archived_at']
        else property_name -%}
  {%- if field in columns -%}
    {{ return({'column': field}) }}
  {%- endif -%}
  {%- if field | length > 63 -%}
    {%- for col in columns if col | length == 63 and col.startswith(field[:54] ~ '_') -%}
      {{ return({'column': col}) }}
    {%- endfor -%}
  {%- endif -%}
  {%- if '_sdc_overflow_properties' in columns -%}
    {{ return({'overflow': field}) }}
  {%- endif -%}
  {{ return(none) }}
{%- endmacro %}

{% macro hubspot_location_sql(location, alias, cast='text') -%}
  {%- if location.column is defined -%}
    {{ alias }}.{{ adapter.quote(location.column) }}::{{ cast }}
  {%- else -%}
    ({{ alias }}._sdc_overflow_properties ->> {{ hubspot_literal(location.overflow) }})::{{ cast }}
  {%- endif -%}
{%- endmacro %}

{#- {object type: [{name, property_type, field_type, referenced_object_type, has_options}]}
    from the loader's `properties` table (every row, flagged ones included: their columns and
    values stay); has_options: property_options has a row for it (enumerations without any,
    such as hs_merged_object_ids, hold ids, not options). -#}
{% macro hubspot_property_definitions() -%}
  {%- set result = {} -%}
  {%- if execute and hubspot_table_exists('properties') -%}
    {%- set with_options = [] -%}
    {%- if hubspot_table_exists('property_options') -%}
      {%- for row in run_query('select distinct object_type, property_name from '
                               ~ hubspot_relation('property_options')) -%}
        {%- do with_options.append(row[0] ~ '.' ~ row[1]) -%}
      {%- endfor -%}
    {%- endif -%}
    {%- set rows = run_query(
        'select object_type, property_name, property_type, field_type, referenced_object_type from '
        ~ hubspot_relation('properties') ~ ' order by object_type, property_name') -%}
    {%- for row in rows -%}
      {%- do result.setdefault(row[0], []).append({'name': row[1], 'property_type': row[2],
            'field_type': row[3], 'referenced_object_type': row[4],
            'has_options': (row[0] ~ '.' ~ row[1]) in with_options}) -%}
    {%- endfor -%}
  {%- endif -%}
  {{ return(result) }}
{%- endmacro %}

{#- A generated column name (value column + suffix) that PostgreSQL keeps whole and that does
    not collide with `taken`. -#}
{% macro hubspot_label_column_name(base, suffix, taken) -%}
  {%- set name = base ~ suffix -%}
  {%- if name | length > 63 -%}
    {%- set name = base[:63 - suffix | length - 9] ~ '_' ~ local_md5(base)[:8] ~ suffix -%}
  {%- endif -%}
  {%- for i in range(10) if name in taken -%}
    {%- set name = name ~ '_' -%}
  {%- endfor -%}
  {{ return(name) }}
{%- endmacro %}

{#- The labelled properties of one object table: [{property, location, value_name, kind,
    labels: [{name, expr}]}] in column order; the join clauses they need in `joins`.
    Only labels whose source tables the loader created are produced. -#}
{% macro hubspot_label_specs(table, definitions, catalog) -%}
  {%- set columns = table.columns -%}
  {%- set pipeline_props = hubspot_pipeline_properties(table.name) -%}
  {%- set wanted = {} -%}
  {%- if 'pipelines' in catalog -%}
    {%- do wanted.update({pipeline_props.pipeline: 'pipeline'}) -%}
  {%- endif -%}
  {%- if 'pipeline_stages' in catalog -%}
    {%- do wanted.update({pipeline_props.stage: 'pipeline_stage'}) -%}
  {%- endif -%}
  {%- set defs = definitions.get(table.name, []) -%}
  {%- for d in defs if d.name not in pipeline_props.values() -%}
    {%- if (d.referenced_object_type or '') | upper == 'OWNER' -%}
      {%- if 'owners' in catalog -%}
        {%- do wanted.update({d.name: 'multi_owner' if d.field_type == 'checkbox' else 'owner'}) -%}
      {%- endif -%}
    {%- elif d.property_type == 'enumeration' and d.has_options -%}
      {%- do wanted.update({d.name: 'multi_enumeration' if d.field_type == 'checkbox' else 'enumeration'}) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if not defs and 'owners' in catalog and 'hubspot_owner_id' in columns -%}
    {%- do wanted.update({'hubspot_owner_id': 'owner'}) -%}
  {%- endif -%}
  {%- set specs = [] -%}
  {%- set taken = columns | list -%}
  {%- for name in wanted | sort -%}
    {%- set location = hubspot_property_location(columns, name) -%}
    {%- if location is not none -%}
      {%- set value_name = location.column if location.column is defined else location.overflow -%}
      {%- set spec = {'property': name, 'location': location, 'value_name': value_name,
                      'kind': wanted[name], 'labels': []} -%}
      {%- set suffixes = ['__owner_name', '__owner_email'] if spec.kind in ['owner', 'multi_owner']
                         else ['__label'] -%}
      {%- for suffix in suffixes -%}
        {%- set label_name = hubspot_label_column_name(value_name, suffix, taken) -%}
        {%- do taken.append(label_name) -%}
        {%- do spec.labels.append(label_name) -%}
      {%- endfor -%}
      {%- do specs.append(spec) -%}
    {%- endif -%}
  {%- endfor -%}
  {#- Column order: as in the table, overflow properties after the typed columns. -#}
  {%- set ordered = [] -%}
  {%- for col in columns -%}
    {%- for spec in specs if spec.location.column is defined and spec.location.column == col -%}
      {%- do ordered.append(spec) -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- for spec in specs if spec.location.column is not defined -%}
    {%- do ordered.append(spec) -%}
  {%- endfor -%}
  {{ return(ordered) }}
{%- endmacro %}

{#- The label expressions of one spec (aliases j<n>) and the joins they need. -#}
{% macro hubspot_label_sql(table, spec, n) -%}
  {%- set table_name = table.name -%}
  {%- set value = hubspot_location_sql(spec.location, 'o') -%}
  {%- set j = 'j' ~ n -%}
  {%- set joins = [] -%}
  {%- set exprs = [] -%}
  {%- set options = 'options.by_property -> ' ~ hubspot_literal(spec.property) -%}
  {%- if spec.kind == 'enumeration' -%}
    {%- do exprs.append('(' ~ options ~ ' ->> ' ~ value ~ ')') -%}
  {%- elif spec.kind == 'multi_enumeration' -%}
    {%- do exprs.append("(select string_agg(coalesce(" ~ options ~ " ->> part.v, part.v), ';' order by part.n) "
        ~ "from unnest(string_to_array(" ~ value ~ ", ';')) with ordinality part(v, n))") -%}
  {%- elif spec.kind == 'pipeline' -%}
    {%- do joins.append('left join (select pipeline_id, label from ' ~ hubspot_relation('pipelines')
        ~ ' where object_type = ' ~ hubspot_literal(table_name) ~ ') ' ~ j ~ ' on ' ~ j ~ '.pipeline_id = ' ~ value) -%}
    {%- do exprs.append(j ~ '.label') -%}
  {%- elif spec.kind == 'pipeline_stage' -%}
    {%- set pipeline_prop = hubspot_pipeline_properties(table_name).pipeline -%}
    {%- set pipeline_location = hubspot_property_location(table.columns, pipeline_prop) -%}
    {%- set pipeline_value = 'null::text' if pipeline_location is none
          else hubspot_location_sql(pipeline_location, 'o') -%}
    {%- do joins.append('left join (select pipeline_id, stage_id, stage_label from ' ~ ref('dim_pipeline_stages')
        ~ ' where object_type = ' ~ hubspot_literal(table_name) ~ ') ' ~ j ~ ' on ' ~ j ~ '.stage_id = ' ~ value
        ~ ' and ' ~ j ~ '.pipeline_id = ' ~ pipeline_value) -%}
    {%- do joins.append('left join (select stage_id, min(stage_label) as stage_label from ' ~ ref('dim_pipeline_stages')
        ~ ' where object_type = ' ~ hubspot_literal(table_name) ~ ' group by stage_id having count(*) = 1) ' ~ j ~ 'f on '
        ~ j ~ 'f.stage_id = ' ~ value) -%}
    {%- do exprs.append('coalesce(' ~ j ~ '.stage_label, ' ~ j ~ 'f.stage_label)') -%}
  {%- elif spec.kind == 'multi_owner' -%}
    {%- for col in ['owner_name', 'email'] -%}
      {%- do exprs.append("(select string_agg(coalesce(ow." ~ col ~ ", ''), ';' order by part.n) from unnest(string_to_array("
          ~ value ~ ", ';')) with ordinality part(v, n) left join " ~ ref('dim_owners')
          ~ ' ow on ow.owner_id = part.v)') -%}
    {%- endfor -%}
  {%- elif spec.kind == 'owner' -%}
    {%- do joins.append('left join ' ~ ref('dim_owners') ~ ' ' ~ j ~ ' on ' ~ j ~ '.owner_id = ' ~ value) -%}
    {%- do exprs.append(j ~ '.owner_name') -%}
    {%- do exprs.append(j ~ '.email') -%}
  {%- endif -%}
  {{ return({'joins': joins, 'exprs': exprs, 'value': value}) }}
{%- endmacro %}

{#- The SELECT of <type>_labelled: the current columns with each label column right after its
    value, or (wide types, or more than 1,600 columns) the id with the labelled values only. -#}
{% macro hubspot_labelled_select(table, specs) -%}
  {%- set parts = {} -%}
  {%- set joins = [] -%}
  {%- for spec in specs -%}
    {%- set sql_parts = hubspot_label_sql(table, spec, loop.index) -%}
    {%- do parts.update({spec.property: sql_parts}) -%}
    {%- do joins.extend(sql_parts.joins) -%}
  {%- endfor -%}
  {%- set label_count = specs | map(attribute='labels') | map('length') | sum -%}
  {%- set narrow = '_sdc_overflow_properties' in table.columns
                   or (table.columns | length) + label_count > 1600 -%}
  {%- set selected = [] -%}
  {%- if narrow -%}
    {%- do selected.append('o.id') -%}
    {%- for spec in specs -%}
      {%- do selected.append(parts[spec.property].value ~ ' as ' ~ adapter.quote(spec.value_name)) -%}
      {%- for expr in parts[spec.property].exprs -%}
        {%- do selected.append(expr ~ ' as ' ~ adapter.quote(spec.labels[loop.index0])) -%}
      {%- endfor -%}
    {%- endfor -%}
  {%- else -%}
    {%- for col in table.columns if col != '_sdc_deleted_at' -%}
      {%- do selected.append('o.' ~ adapter.quote(col)) -%}
      {%- for spec in specs if spec.location.column is defined and spec.location.column == col -%}
        {%- for expr in parts[spec.property].exprs -%}
          {%- do selected.append(expr ~ ' as ' ~ adapter.quote(spec.labels[loop.index0])) -%}
        {%- endfor -%}
      {%- endfor -%}
    {%- endfor -%}
  {%- endif -%}
  select {{ selected | join(',\n         ') }}
  from {{ hubspot_relation(table.name) }} o
  {%- if specs | selectattr('kind', 'in', ['enumeration', 'multi_enumeration']) | list %}
  {#- every option label of the type in one JSONB map {property: {value: label}}: one lookup per
      value, however many enumerations (a join each took seconds to plan on wide types) #}
  cross join (select coalesce(jsonb_object_agg(property_name, labels), '{}'::jsonb) as by_property
              from (select property_name, jsonb_object_agg(option_value, label) as labels
                    from {{ hubspot_relation('property_options') }}
                    where object_type = {{ hubspot_literal(table.name) }}
                    group by property_name) per_property) options
  {%- endif %}
  {{ joins | join('\n  ') }}
  where {{ hubspot_live_filter(table.name) }}
{%- endmacro %}

{#- Everything the labelled layer needs, computed once: [{table, specs}] for every object table. -#}
{% macro hubspot_labelled_tables() -%}
  {%- set catalog = hubspot_columns() -%}
  {%- set definitions = hubspot_property_definitions() -%}
  {%- set result = [] -%}
  {%- for table in hubspot_object_tables(catalog) -%}
    {%- do result.append({'table': table, 'specs': hubspot_label_specs(table, definitions, catalog)}) -%}
  {%- endfor -%}
  {{ return(result) }}
{%- endmacro %}

{#- Whether <type>_labelled is built for a type: var hubspot_labelled_types, all or a list. -#}
{% macro hubspot_labelled_wanted(object_type) -%}
  {%- set types = var('hubspot_labelled_types', 'all') -%}
  {{ return(types == 'all' or object_type in ([types] if types is string else types)) }}
{%- endmacro %}

{#- Post-hook of hubspot_labelled: (re)build <type>_labelled for every object table of var
    hubspot_labelled_types (and drop it for the others). -#}
{% macro hubspot_build_labelled_tables() -%}
  {%- set statements = [] -%}
  {%- for item in hubspot_labelled_tables() -%}
    {%- set name = item.table.name ~ '_labelled' -%}
    {%- set relation = hubspot_relation(name) -%}
    {%- set existing = adapter.get_relation(database=target.database, schema=hubspot_schema(),
                                            identifier=name) -%}
    {%- if existing is not none -%}
      {%- do statements.append('drop ' ~ existing.type ~ ' if exists ' ~ relation) -%}
    {%- endif -%}
    {%- if hubspot_labelled_wanted(item.table.name) -%}
      {%- do statements.append('create table ' ~ relation ~ ' as ' ~ hubspot_labelled_select(item.table, item.specs)) -%}
      {%- do statements.append('alter table ' ~ relation ~ ' add primary key (id)') -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(statements | join(';\n') if statements else 'select 1') }}
{%- endmacro %}

{#- A column of a loader table when it has it, else a typed NULL (optional contract fields). -#}
{% macro hubspot_optional(columns, name, alias, cast) -%}
  {%- if name in columns -%} {{ alias }}.{{ adapter.quote(name) }} {%- else -%} null::{{ cast }} {%- endif -%}
{%- endmacro %}
