"""SQLAlchemy only: tables, the unit of work, repositories and projections. No Flask, no engine."""
