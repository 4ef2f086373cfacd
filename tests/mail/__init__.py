"""Tests of mail delivery and the outbox."""
