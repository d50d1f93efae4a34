"""HubSpot API simulator."""
