{# Per record and property, the history intervals neither overlap nor leave a gap: each ends
    where the next begins, none ends before it starts, exactly one is open (the current). #}
select object_type, object_id, property_name, valid_from, valid_to, next_from, open_intervals
from (
  select i.*,
         lead(valid_from) over w as next_from,
         count(*) filter (where valid_to is null)
           over (partition by object_type, object_id, property_name) as open_intervals
  from {{ ref('property_history_intervals') }} i
  window w as (partition by object_type, object_id, property_name order by valid_from, same_time_seq)
) x
where valid_to is distinct from next_from or valid_to < valid_from or open_intervals <> 1
   or is_current <> (valid_to is null)
