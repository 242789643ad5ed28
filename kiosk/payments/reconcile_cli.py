"""``kiosk reconcile --date YYYY-MM-DD [--csv FILE] [--config FILE]``: the day's one-sided payments.

:func:`run` is what the CLI calls. It opens the journal, asks each provider for its statements
and the HIS for the settlements of the day's payment references, prints a human-readable report
to ``out`` and, with ``csv_out``, writes the entries as CSV. Exit status: 0 when the day is
consistent, 1 when there are entries to resolve, 2 when reconciliation cannot run. Runs on the
CLI's main thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from kiosk.config import Config
from kiosk.his.errors import HisError
from kiosk.his.gateway import HisGateway
from kiosk.journal import Journal
from kiosk.payments.channel import ChannelOrder
from kiosk.payments.errors import PaymentError
from kiosk.payments.ledger import PaymentLedger
from kiosk.payments.options import SandboxOptions, validate_options
from kiosk.payments.reconcile import his_bill_lookup, his_lookup, reconcile, write_csv, write_text

log = logging.getLogger(__name__)

Statement = Callable[[date], list[ChannelOrder] | None]


def statements_from_config(config: Config, closers: list[Callable[[], None]]) -> dict[str, Statement]:
    """Statement calls for the configured providers (None-returning for those that keep none)."""
    from kiosk.payments.build import read_token  # noqa: PLC0415
    from kiosk.payments.sandbox.client import SandboxChannel  # noqa: PLC0415

    calls: dict[str, Statement] = {}
    for name, spec in config.payments.providers.items():
        options = validate_options(spec.kind, spec.options)
        url = getattr(options, "base_url", None)
        if spec.kind == "bank_card":
            calls[name] = _no_statement
        elif url is not None:
            channel = SandboxChannel(str(url), token=read_token(spec))
            closers.append(channel.close_client)
            calls[name] = channel.statement
        elif isinstance(options, SandboxOptions) and config.payments.sandbox.db_path is not None:
            calls[name] = _sandbox_file_statement(config, closers)
        else:
            calls[name] = _no_statement
    return calls


def _no_statement(day: date) -> list[ChannelOrder] | None:
    return None


def _sandbox_file_statement(config: Config, closers: list[Callable[[], None]]) -> Statement:
    """The embedded sandbox's order book read from its file (the demo kiosk may be running)."""
    from kiosk.payments.sandbox.server import SandboxServer  # noqa: PLC0415

    db = config.payments.sandbox.db_path
    if db is not None and not db.is_absolute():
        db = Path(config.journal_path).parent / db
    server = SandboxServer(db_path=db, timezone=config.his.timezone)
    closers.append(server.close)

    def statement(day: date) -> list[ChannelOrder]:
        from kiosk.payments.sandbox.client import _order  # noqa: PLC0415

        return [_order(o.public(server.zone, "")) for o in server.orders.statement(day)]

    return statement


def run(
    config: Config,
    day: date,
    *,
    csv_out: Path | None,
    out: TextIO,
    his: HisGateway | None = None,
    statements: Mapping[str, Statement] | None = None,
) -> int:
    """Reconciles ``day``; ``his`` and ``statements`` replace the configured ones (tests)."""
    closers: list[Callable[[], None]] = []
    journal = Journal(config.journal_path)
    try:
        if his is None:
            if config.his.mode == "simulator":
                out.write("reconcile: the demo HIS simulator lives inside the running kiosk; use his.mode fhir\n")
                return 2
            from kiosk.his.fhir import FhirHisGateway  # noqa: PLC0415

            gateway = FhirHisGateway(config.his)
            closers.append(gateway.close)
            his = gateway
        if statements is None:
            statements = statements_from_config(config, closers)
        if not config.journal_path.exists():
            out.write(f"reconcile: no journal at {config.journal_path}\n")
            return 2
        journal.open()
        if journal.loss is not None:
            out.write(f"note: {journal.loss.describe()}\n")
        report = reconcile(
            day,
            ledger=PaymentLedger(journal),
            statements=statements,
            settlements=his_lookup(his.find_settlement),
            zone=ZoneInfo(config.his.timezone),
            tolerance=timedelta(minutes=config.payments.reconcile_tolerance_min),
            bills=his_bill_lookup(his.bill),
        )
    except (PaymentError, HisError) as exc:
        out.write(f"reconcile: cannot complete: {exc} (code {exc.code})\n")
        return 2
    finally:
        journal.close()
        for close in reversed(closers):
            close()
    write_text(report, out)
    if csv_out is not None:
        with csv_out.open("w", encoding="utf-8", newline="") as handle:
            write_csv(report, handle)
        out.write(f"CSV written to {csv_out}\n")
    return 0 if report.consistent else 1
