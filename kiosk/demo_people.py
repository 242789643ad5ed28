"""Fictitious people for the demo: the device panel's cards and the HIS simulator's records match,
so a person trying the demo can identify with any of them. Never real data: the ID numbers have
valid check digits but belong to no one we know of, and these records exist only in simulators."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoPerson:
    name: str
    id_number: str
    male: bool
    birth_date: str  # YYYYMMDD, as on the card
    visit_card: str
    health_qr: str


DEMO_PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("张三", "11010519491231002X", False, "19491231", "20240002", "EHC:11010519491231002X:20240002:0001"),
    DemoPerson("李四", "110101199003078515", True, "19900307", "20240001", "EHC:110101199003078515:20240001:0001"),
)
