{# Fails for every link the two direction tables of a pair disagree about (present in one
    direction only, or a different number of association types). #}
select edge_key, a_to_b_type_ids, b_to_a_type_ids
from {{ ref('association_edges') }}
where directions_disagree
