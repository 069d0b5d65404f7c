"""The `canweship` command line: the parser and one module per command family."""
