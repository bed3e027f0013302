"""Console adapter: a terminal conversation, and the in-process test backend."""
