"""Imported by the badge renderer's forkserver only (render.FORKSERVER_PRELOAD): it ends when its parent ends."""
from .lifeline import watch_parent

watch_parent()
