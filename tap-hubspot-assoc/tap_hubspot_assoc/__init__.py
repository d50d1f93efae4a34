"""Singer tap for HubSpot CRM objects and associations."""
