"""The `inbreng` command line: the composition root for everything run from a terminal."""
