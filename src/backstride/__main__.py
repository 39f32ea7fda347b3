"""`python -m backstride` runs the command-line interface."""

from backstride.cli.entry import main

main()
