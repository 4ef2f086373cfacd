"""A meeting's balance policy as stored; balance/policy.py is its pure, validated counterpart."""
import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import TimestampMixin


class DecisionMode(str, enum.Enum):
    manual = "manual"  #: organisers review every registration
    auto = "auto"  #: approve while every rule holds, otherwise waitlist


class BoundUnit(str, enum.Enum):
    seats = "seats"
    percent = "percent"  #: of the meeting's capacity


class BalancePolicy(TimestampMixin, db.Model):
    __tablename__ = "balance_policies"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), unique=True)
    #: reservations (minimums) lapse at this moment
    reservations_release_at: Mapped[datetime | None]
    #: a delegation of this many members or more must not be single-gender; None switches the rule off
    mix_min_size: Mapped[int | None]
    mix_is_violation: Mapped[bool] = mapped_column(default=False)
    decision_mode: Mapped[DecisionMode] = mapped_column(default=DecisionMode.manual)
    bounds: Mapped[list["PolicyBound"]] = relationship(back_populates="policy", cascade="all, delete-orphan")
    meeting: Mapped["Meeting"] = relationship()  # noqa: F821


class PolicyBound(db.Model):
    __tablename__ = "policy_bounds"
    __table_args__ = (UniqueConstraint("policy_id", "dimension", "value"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("balance_policies.id", ondelete="CASCADE"), index=True)
    dimension: Mapped[str] = mapped_column(String(20))  #: region, gender or category
    value: Mapped[str] = mapped_column(String(80))
    unit: Mapped[BoundUnit] = mapped_column(default=BoundUnit.seats)
    minimum: Mapped[int | None]
    maximum: Mapped[int | None]
    policy: Mapped[BalancePolicy] = relationship(back_populates="bounds")
