"""Badges: print-ready PDF badges (render.py) in the paper and card formats of formats.py."""
