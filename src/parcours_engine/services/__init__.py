"""Use cases of parcours-engine. Each takes a Session and a Clock, and never commits:
the CLI, the web requests and the scheduler jobs own the transaction (persistence.uow.unit_of_work)."""
