"""The pure domain: periods, statuses, committees, the report format and the rules."""
