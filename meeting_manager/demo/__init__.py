"""Demo data: a realistic previous and current edition, so that a new user sees a living system."""
