"""Demonstration data, kept apart from the production services.

`parcours-engine demo load` fills a database with accounts for each role and people in varied
pathway states (workspace.py), passports and portal accesses (passports.py), answering forms with
sample data drawn from their JSON Schema (studio.sample_data, which the studio's simulation uses
too). Everything goes through the same services as real use. Only the command line (and the tests)
import this package; an import-linter contract keeps production code from depending on it.
"""
