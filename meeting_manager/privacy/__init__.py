"""Privacy: passport data sealed at rest, a person's data exported or erased on request, retention per meeting."""
