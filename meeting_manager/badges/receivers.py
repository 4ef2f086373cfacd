"""What the badges feature does when a Celery worker is ready: start the render processes' forkserver now, so
that the first batch does not wait for it."""
from celery.signals import worker_ready

from .render import start_workers_early


@worker_ready.connect
def _start_render_processes(**_kwargs) -> None:
    start_workers_early()
