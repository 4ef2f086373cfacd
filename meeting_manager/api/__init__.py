"""The JSON API at /api/v1: per-user tokens, another thin edge over the services the pages call, and webhooks."""
