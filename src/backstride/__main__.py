"""`python -m backstride` runs the command-line interface."""

from backstride.cli.app import main

main()
