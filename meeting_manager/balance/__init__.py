"""Balanced delegations. policy.py, engine.py and solver.py are pure Python (no Flask, no database);
models.py stores a meeting's policy, services.py translates rows into engine inputs, views.py serves organisers."""
