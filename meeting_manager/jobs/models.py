"""Background jobs: their state and progress live in the database, whoever runs them (see jobs.services)."""
import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models_base import utcnow


class JobStatus(str, enum.Enum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"  #: stopped by a person from the job's page

    @property
    def finished(self) -> bool:
        return self in (JobStatus.done, JobStatus.failed, JobStatus.cancelled)


class Job(db.Model):
    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))  #: name of a registered job function
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    params: Mapped[dict] = mapped_column(default=dict)
    #: the language of the person who started it: what it makes (a report, its messages) speaks theirs, wherever
    #: it runs
    locale: Mapped[str | None] = mapped_column(String(5))
    status: Mapped[JobStatus] = mapped_column(default=JobStatus.queued)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    #: runs started: a run whose heartbeat stopped (its worker died) is re-queued once, then the job fails
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    #: a file inside STORAGE_DIR, kept for download for a while
    result_path: Mapped[str | None] = mapped_column(String(300))
    result_name: Mapped[str | None] = mapped_column(String(200))
    #: a message for the person who started the job (never a stack trace, never personal data)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    #: the last sign of life: queued, start, progress, and a heartbeat every JOBS_HEARTBEAT_SECONDS while it runs;
    #: a running job silent for JOBS_LOST_SECONDS was lost with its process
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    @property
    def percent(self) -> int:
        """Progress for the bar: 100 once done, else done/total (0 while the total is not known)."""
        if self.status == JobStatus.done:
            return 100
        return min(100, int(100 * self.done / self.total)) if self.total else 0
