"""Loader for the region data kept under regions/ at the top of the repository."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

from scheduler.config import ROOT
from scheduler.extensions import db
from scheduler.regions.models import Region

REGIONS_FILE = ROOT / "regions" / "regions.toml"
LANGUAGES = ("fi", "sv")


@dataclass(frozen=True)
class RegionFact:
    code: str
    name_fi: str
    name_sv: str
    languages: tuple[str, ...]
    known_as: str
    # Whom a client calls with questions (optional in the data file; the printable card
    # shows them when given, otherwise the region's name with a general line).
    contact_phone: str = ""
    contact_url: str = ""


@cache
def region_facts() -> tuple[RegionFact, ...]:
    """All regions in code order; validated so a bad edit of the data file fails loudly."""
    with REGIONS_FILE.open("rb") as handle:
        data = tomllib.load(handle)
    facts = []
    for entry in data["region"]:
        languages = tuple(entry["languages"])
        if not languages or any(lang not in LANGUAGES for lang in languages):
            raise ValueError(f"region {entry['code']}: languages must be fi and/or sv")
        facts.append(
            RegionFact(
                code=entry["code"],
                name_fi=entry["name_fi"],
                name_sv=entry["name_sv"],
                languages=languages,
                known_as=entry.get("known_as", ""),
                contact_phone=entry.get("contact_phone", ""),
                contact_url=entry.get("contact_url", ""),
            )
        )
    codes = [fact.code for fact in facts]
    if len(set(codes)) != len(codes):
        raise ValueError("regions.toml: duplicate region code")
    return tuple(sorted(facts, key=lambda fact: fact.code))


def sync_regions() -> int:
    """Insert or update the region rows from the data file; returns how many changed."""
    existing = {region.code: region for region in db.session.scalars(db.select(Region))}
    changed = 0
    for fact in region_facts():
        row = existing.get(fact.code) or Region(code=fact.code)
        values = {
            "name_fi": fact.name_fi,
            "name_sv": fact.name_sv,
            "languages_csv": ",".join(fact.languages),
            "known_as": fact.known_as,
        }
        if any(getattr(row, key, None) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            db.session.add(row)
            changed += 1
    return changed
