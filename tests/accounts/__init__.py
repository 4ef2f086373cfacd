"""Tests of the accounts feature."""
