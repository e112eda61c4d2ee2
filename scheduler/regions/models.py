"""Regions as rows, loaded from regions/regions.toml so other tables can refer to them."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.extensions import db


class Region(db.Model):
    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name_fi: Mapped[str] = mapped_column(String(120))
    name_sv: Mapped[str] = mapped_column(String(120))
    languages_csv: Mapped[str] = mapped_column(String(20))
    known_as: Mapped[str] = mapped_column(String(120), default="")

    @property
    def languages(self) -> list[str]:
        return self.languages_csv.split(",")

    def name(self, language: str) -> str:
        return self.name_sv if language == "sv" else self.name_fi
