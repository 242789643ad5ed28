"""Reconciliation finds every injected inconsistency of a synthetic day, nothing else, across midnight."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from kiosk.config import load_config
from kiosk.his.errors import HisRejected
from kiosk.journal import Journal
from kiosk.payments import reconcile_cli
from kiosk.payments.ledger import PaymentLedger
from kiosk.payments.reconcile import EntryKind, his_lookup, reconcile, write_csv
from tests.conftest import DEMO_CONFIG
from tests.payments.world import SyntheticDay

ZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2024, 5, 1)


def test_finds_every_injected_entry_and_nothing_else(journal: Journal) -> None:
    world = SyntheticDay(journal, DAY, 300, ZONE)
    report = reconcile(
        DAY,
        ledger=PaymentLedger(journal),
        statements={"wechat": world.statement},
        settlements=world.lookup,
        zone=ZONE,
        bills=world.bills,
    )
    found = {(e.kind.value, e.payment_id) for e in report.entries}
    assert found == world.expected
    assert report.checked >= 300
    assert not report.consistent


def test_the_next_day_does_not_report_the_midnight_orders_again(journal: Journal) -> None:
    world = SyntheticDay(journal, DAY, 50, ZONE)
    report = reconcile(
        DAY + timedelta(days=1),
        ledger=PaymentLedger(journal),
        statements={"wechat": world.statement},
        settlements=world.lookup,
        zone=ZONE,
    )
    assert report.entries == ()


def test_without_tolerance_a_midnight_order_looks_one_sided(journal: Journal) -> None:
    world = SyntheticDay(journal, DAY, 20, ZONE)
    report = reconcile(
        DAY,
        ledger=PaymentLedger(journal),
        statements={"wechat": lambda d: world.statement(d) if d == DAY else []},  # one day's statement only
        settlements=world.lookup,
        zone=ZONE,
    )
    kinds = {e.kind for e in report.entries}
    assert EntryKind.SETTLED_NOT_PAID in kinds  # the settled order paid after midnight is not on D's statement


def test_his_lookup_runs_in_parallel() -> None:
    calls: list[str] = []
    lookup = his_lookup(lambda ref: calls.append(ref) or None, workers=4)
    assert lookup(["a", "b", "c"]) == {"a": None, "b": None, "c": None}
    assert sorted(calls) == ["a", "b", "c"]


def _config(tmp_path: Path, journal_path: Path) -> Path:
    data = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    data["journal_path"] = str(journal_path)
    data["his"] = {"mode": "fhir", "base_url": "http://127.0.0.1:9/fhir"}
    data["payments"] = {"providers": {"wechat": {"kind": "sandbox", "options": {"base_url": "http://127.0.0.1:9"}}}}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


class _His:
    def __init__(self, world: SyntheticDay) -> None:
        self.world = world

    def find_settlement(self, ref: str) -> object:
        return self.world.settlements.get(ref)

    def bill(self, bill_id: str) -> object:
        """Like the gateway: an open bill is returned, a paid or cancelled one refused."""
        state = self.world.bill_states.get(bill_id, "paid")
        if state == "open":
            return object()
        raise HisRejected(f"the bill is {state}", reason="bill already paid" if state == "paid" else f"bill {state}")


def test_cli_run_reports_and_writes_csv(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    with Journal(path) as journal:
        world = SyntheticDay(journal, DAY, 40, ZONE)
    config = load_config(_config(tmp_path, path))
    out = io.StringIO()
    csv_path = tmp_path / "entries.csv"
    code = reconcile_cli.run(
        config,
        DAY,
        csv_out=csv_path,
        out=out,
        his=_His(world),
        statements={"wechat": world.statement},  # type: ignore[arg-type]
    )
    assert code == 1
    text = out.getvalue()
    assert f"{len(world.expected)} entry(ies) to resolve" in text
    rows = csv_path.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("kind,payment_id")
    assert len(rows) == len(world.expected) + 1
    code = reconcile_cli.run(
        config,
        DAY - timedelta(days=3),
        csv_out=None,
        out=out,
        his=_His(world),
        statements={"wechat": world.statement},  # type: ignore[arg-type]
    )
    assert code == 0


def test_csv_of_a_consistent_day_is_just_the_header(journal: Journal) -> None:
    report = reconcile(DAY, ledger=PaymentLedger(journal), statements={}, settlements=lambda refs: {}, zone=ZONE)
    out = io.StringIO()
    write_csv(report, out)
    assert (
        out.getvalue().strip()
        == "kind,payment_id,provider,journal_state,journal_fen,channel_fen,his_fen,created_at,detail"
    )
