"""Backup and restore of a whole installation: database, private files and keys (`flask backup`, `flask restore`)."""
