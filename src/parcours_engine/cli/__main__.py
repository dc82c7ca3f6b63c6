"""`python -m parcours_engine.cli`: the same command as the `parcours-engine` script."""

from parcours_engine.cli import main

main()
