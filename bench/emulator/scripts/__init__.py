"""Server-side JavaScript: stored procedures, triggers and UDFs (resources and execution)."""
