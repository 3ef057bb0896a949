"""HTTP routes, one blueprint per resource; the logic they call lives one folder up."""
