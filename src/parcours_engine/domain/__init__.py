"""Pure-Python core of parcours-engine: value objects, closed lists and rules.

Imports only the standard library (see README.md in this folder).
"""
