{{ config(severity='warn') }}
{# Warns (does not fail) with the enumeration values live records carry that HubSpot does not
    list among the property's options (enumeration_values_unlisted): usual on real portals,
    where options get deleted while records keep their values. #}
select object_type, property_name, option_value, records, option_status
from {{ ref('enumeration_values_unlisted') }}
