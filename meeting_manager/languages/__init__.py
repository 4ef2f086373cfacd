"""The six UN languages: which one a person reads, how they choose it, and how each is written (direction, name)."""
