{% test hubspot_accepted_array_values(model, column_name, values) %}
select {{ column_name }} from {{ model }}
where exists (select 1 from unnest({{ column_name }}) v
              where v not in ({% for v in values %}'{{ v }}'{{ ', ' if not loop.last }}{% endfor %}))
{% endtest %}

{% test hubspot_unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n from {{ model }}
group by {{ columns | join(', ') }} having count(*) > 1
{% endtest %}
