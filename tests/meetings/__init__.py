"""Tests of the meetings feature."""
