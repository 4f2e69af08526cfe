"""`python -m dsl.cli ARGS` runs `plan ARGS`."""
from dsl.cli.main import main

main()
