"""User-facing texts, as Jinja templates per language."""
