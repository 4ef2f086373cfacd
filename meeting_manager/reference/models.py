"""Reference data: the UN States we ship, and region schemes that group countries for balance."""
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class Country(db.Model):
    """One of the 195 UN Member and observer States of shared/data/countries.csv."""

    __tablename__ = "countries"
    iso2: Mapped[str] = mapped_column(String(2), primary_key=True)
    iso3: Mapped[str] = mapped_column(String(3), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    un_member: Mapped[str] = mapped_column(String(10))  #: "yes" or "observer"
    un_regional_group: Mapped[str] = mapped_column(String(60))
    m49_code: Mapped[str] = mapped_column(String(3))  #: text: "004" keeps its zeros
    m49_region: Mapped[str] = mapped_column(String(20))
    m49_subregion: Mapped[str] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(String(500), default="")


class RegionScheme(db.Model):
    """A grouping of countries into regions; a country it does not place counts as "unassigned"."""

    __tablename__ = "region_schemes"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    builtin: Mapped[bool] = mapped_column(default=False)
    assignments: Mapped[list["RegionAssignment"]] = relationship(
        back_populates="scheme", cascade="all, delete-orphan"
    )


class RegionAssignment(db.Model):
    __tablename__ = "region_assignments"
    __table_args__ = (UniqueConstraint("scheme_id", "country_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("region_schemes.id", ondelete="CASCADE"), index=True)
    #: any ISO 3166-1 alpha-2 code, not only the 195 States (territories can be placed too)
    country_code: Mapped[str] = mapped_column(String(2))
    region: Mapped[str] = mapped_column(String(80))
    scheme: Mapped[RegionScheme] = relationship(back_populates="assignments")
