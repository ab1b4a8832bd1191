"""Storage: sqlmodel tables, the engine factory, migrations and aggregate queries."""
