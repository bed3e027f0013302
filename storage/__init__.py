"""SQLAlchemy implementation of the repositories and unit of work that `bot` defines."""
