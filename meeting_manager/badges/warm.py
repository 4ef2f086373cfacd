"""Imported once by the badge renderer's forkserver (render.START_METHOD): it renders a badge, so that every render
process forked from it starts with fonts and styles loaded instead of loading them for each batch."""
import contextlib

from .render import warm_up

# A failed warm-up only makes batches slower; the batch itself reports the error.
with contextlib.suppress(Exception):
    warm_up()
