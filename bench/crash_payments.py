"""Crash-injection harness for payments: SIGKILL at every step, restart, recover, check the money.

    .venv/bin/python bench/crash_payments.py --runs 500 [--jobs 3] [--seed 1] [--plain-his] [--channel wechat]

The parent process hosts the HIS simulator (SQLite file) and the payment sandbox: they are the
outside world and survive the kiosk's crashes. Each run pays one fresh bill in a child process
(a headless kiosk with its own journal, reused across that slot's runs like a kiosk that keeps
restarting) and kills it with SIGKILL: either at a named step of the payment path (the child
kills itself when the service reaches the step: created, opening, opened, paid_seen, paid,
settling, settled_his, settled, refund_pending, refunding, refund_done, refunded, ending,
ended), right after the Nth money commit of the journal (before or after its checkpoint and
commit mark: a kill point between each pair of commits), or at a random moment chosen by the
parent. A new child then runs start-up recovery,
itself killed at a random recovery step in some runs and restarted again. Scenarios are
randomised: approved after a delay, declined, never paid (expires), payment code, the bill
paid meanwhile by "another kiosk" (the HIS refuses: refund), the channel charging a wrong
amount (refund, in the same transaction that records paid), HIS and channel faults, and the
wall clock set back or forward by up to an hour at a restart or in the middle of a payment.

After the last recovery the parent checks the truth on the HIS and the sandbox: one-sided
payments (the channel holds money the HIS never settled, or the HIS settled a payment the
channel holds no money for), doubled payments (a bill charged or settled twice) and payments
not final in the journal within 60 s of the restart, and wrong amounts (the HIS settled an amount
other than the channel holds, or a payment the channel charged wrongly ended settled). A payment
the journal calls settled whose HIS bill is still open counts as one-sided. It ends with the line
``kill points: N one-sided: X doubled: Y unresolved: Z wrong-amount: W``.

``--channel wechat`` puts the WeChat Pay API v3 protocol fake (tests/payments/wechatpay) in the
sandbox's place: the kiosk pays through the real WeChat Pay adapter (signed requests, verified
answers), and the injected faults are WeChat Pay's (lost answers, forged or missing signatures,
SYSTEM_ERROR after the charge). A wrong charged amount is not a WeChat Pay failure and is skipped.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from kiosk.domain import Bill  # noqa: E402
from kiosk.his.fhir import FhirHisGateway  # noqa: E402
from kiosk.his.simulator import Fault, HisSimulator  # noqa: E402
from kiosk.journal import Journal  # noqa: E402
from kiosk.payments.ledger import PaymentLedger  # noqa: E402
from kiosk.payments.sandbox.server import Fault as SbFault  # noqa: E402
from kiosk.payments.sandbox.server import SandboxServer  # noqa: E402
from tests.payments.world import (  # noqa: E402
    build_service,
    fast_his_settings,
    his_settlements_for_bill,
    new_bill,
    patient_ids,
    sandbox_net,
)

PAY_STEPS = ("created", "opening", "opened", "paid_seen", "paid", "settling", "settled_his", "settled")
REFUND_STEPS = ("refund_pending", "refunding", "refund_done", "refunded")
END_STEPS = ("ending", "ended")
ALL_STEPS = PAY_STEPS + REFUND_STEPS + END_STEPS
RECOVERY_LIMIT_S = 60.0
MONEY_COMMITS = 6  # created, pending, paid (+ refund_pending), settled / refunded: kill after each
CLOCK_JUMPS_S = (-3600.0, -600.0, 0.0, 0.0, 600.0, 3600.0)


class KillingJournal(Journal):
    """Kills the process right after its Nth money commit: before or after the checkpoint and
    commit mark that follow it."""

    def __init__(self, path: Path, *, clock: Any, kill_commit: int, before_mark: bool) -> None:
        super().__init__(path, clock=clock)
        self._kill_commit = kill_commit
        self._before_mark = before_mark
        self._commits = 0

    def _after_money_commit(self, conn: sqlite3.Connection) -> None:
        self._commits += 1
        due = self._commits == self._kill_commit
        if due and self._before_mark:
            os.kill(os.getpid(), signal.SIGKILL)
        super()._after_money_commit(conn)
        if due:
            os.kill(os.getpid(), signal.SIGKILL)


def wall_clock(offset_s: float, jump_s: float, jump_after_s: float) -> Any:
    """Wall time moved by ``offset_s`` (set at a restart), jumping by ``jump_s`` after
    ``jump_after_s`` seconds of this process (set while a payment runs)."""
    started = time.monotonic()

    def now() -> float:
        jumped = jump_s if time.monotonic() - started >= jump_after_s else 0.0
        return time.time() + offset_s + jumped

    return now


# --- child: one headless kiosk ------------------------------------------------------------------


def child(args: argparse.Namespace) -> int:
    kill_at = args.kill_at
    session = requests.Session()
    session.trust_env = False

    def probe(step: str, payment_id: str) -> None:
        if step == "created" and args.outcome and not args.recover_only:
            body = {"order_no": payment_id, "outcome": args.outcome, "delay_s": args.delay}
            if args.charge:
                body["charge_fen"] = args.charge
            session.post(f"{args.sandbox}/_sandbox/script", json=body, timeout=5).close()
        if kill_at is not None and step == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    clock = wall_clock(args.clock_offset, args.clock_jump, args.clock_jump_after)
    journal: Journal = KillingJournal(
        Path(args.journal), clock=clock, kill_commit=args.kill_commit, before_mark=args.kill_before_mark
    )
    journal.open()
    his = FhirHisGateway(fast_his_settings(), args.his)
    extra = None
    if args.channel == "wechat":
        from tests.payments.wechatpay.harness import wechat_providers  # noqa: PLC0415
        from tests.payments.world import FAST_CODE_POLICY, FAST_POLICY  # noqa: PLC0415

        extra = wechat_providers(args.sandbox, Path(args.keys), FAST_POLICY, FAST_CODE_POLICY)
    service = build_service(
        journal, his, args.sandbox, probe=probe, clock=clock, recovery_deadline_s=RECOVERY_LIMIT_S, extra=extra
    )
    try:
        started = time.monotonic()
        report = service.start()
        result: dict[str, object] = {
            "recovered": report.examined,
            "unresolved": list(report.unresolved),
            "recovery_s": time.monotonic() - started,
        }
        if not args.recover_only:
            bill = Bill(id=args.bill, patient_id=args.patient, items=(), total_fen=args.amount)
            auth = "134567890123456789" if args.provider == "code" else None
            try:
                outcome = service.pay(args.provider, args.patient, [bill], args.amount, auth_code=auth)
                result["outcome"] = outcome.kind.value
            except Exception as exc:  # the harness records it; the checks decide
                result["error"] = f"{type(exc).__name__}: {exc}"
        sys.stdout.write(json.dumps(result) + "\n")
        return 0
    finally:
        service.stop()
        his.close()
        journal.close()
        session.close()


# --- parent: the world, the runs, the checks -----------------------------------------------------


@dataclass
class Totals:
    lock: threading.Lock = field(default_factory=threading.Lock)
    kill_points: int = 0
    one_sided: int = 0
    doubled: int = 0
    unresolved: int = 0
    wrong_amount: int = 0
    runs: int = 0
    by_step: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _spawn(base: list[str], extra: list[str]) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--child", *base, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _wait(proc: subprocess.Popen[str], random_kill_after: float | None) -> tuple[int, str, str]:
    if random_kill_after is not None:
        try:
            proc.wait(timeout=random_kill_after)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return -999, out, err
    return proc.returncode, out, err


def one_run(  # noqa: PLR0915 - one scenario, read top to bottom
    run: int, slot_journal: Path, world: dict[str, object], totals: Totals, rng: random.Random
) -> None:

    sim = world["sim"]
    sandbox = world["sandbox"]
    gateway = world["gateway"]
    patients: list[str] = world["patients"]  # type: ignore[assignment]
    patient = rng.choice(patients)
    amount = rng.randrange(100, 50_000)
    bill = new_bill(sim, patient, amount)  # type: ignore[arg-type]

    roll = rng.random()
    step = ALL_STEPS[run % len(ALL_STEPS)] if roll < 0.55 else None
    kill_commit = rng.randrange(1, MONEY_COMMITS + 1) if 0.55 <= roll < 0.85 else 0
    provider = "code" if rng.random() < 0.25 else "sandbox"
    outcome, charge, other_kiosk = "approve", 0, False
    wechat = world.get("keys") is not None
    # The channel takes another amount: a sandbox fault, not one of WeChat Pay's failure modes.
    wrong_charges = not wechat
    if wrong_charges and rng.random() < 0.15 and step not in END_STEPS:
        charge = amount + rng.choice((-1, 1)) * rng.randrange(1, 200)
    if step in REFUND_STEPS:
        if (rng.random() < 0.7 or not wrong_charges) and not charge:
            other_kiosk = True
        elif not charge:
            charge = amount + rng.choice((-1, 1)) * rng.randrange(1, 50)
    elif step in END_STEPS:
        outcome = "none"
    elif step is None:
        outcome = rng.choice(("approve", "approve", "decline", "none"))
        other_kiosk = rng.random() < 0.15
    if other_kiosk:  # the same bill paid at another kiosk meanwhile (retried: other runs inject HIS faults)
        for attempt in range(5):
            try:
                gateway.settle(patient, [bill], f"OTHER{run:06d}", amount)  # type: ignore[attr-defined]
                break
            except Exception:
                if attempt == 4:
                    raise
                time.sleep(0.2)
    if rng.random() < 0.15:
        sim.add_fault(Fault("status", route="POST PaymentReconciliation", times=rng.randrange(1, 3), status=503))  # type: ignore[attr-defined]
    if rng.random() < 0.1:
        if wechat:
            from tests.payments.wechatpay.harness import inject_fault  # noqa: PLC0415

            inject_fault(sandbox, rng)  # type: ignore[arg-type]
        else:
            sandbox.add_fault(SbFault(rng.choice(("query", "close", "refund")), rng.choice(("unavailable", "reset"))))  # type: ignore[attr-defined]

    base = ["--journal", str(slot_journal), "--his", str(world["his_url"]), "--sandbox", str(world["sandbox_url"])]
    if wechat:
        base += ["--channel", "wechat", "--keys", str(world["keys"])]
    pay_args = ["--patient", patient, "--bill", bill.id, "--amount", str(amount), "--provider", provider]
    pay_args += ["--outcome", outcome, "--delay", f"{rng.uniform(0.0, 0.15):.3f}"]
    if charge:
        pay_args += ["--charge", str(charge)]
    # The wall clock: set anywhere within an hour at this start, sometimes jumping mid-payment.
    pay_args += ["--clock-offset", str(rng.choice(CLOCK_JUMPS_S))]
    if rng.random() < 0.3:
        pay_args += ["--clock-jump", str(rng.choice(CLOCK_JUMPS_S)), "--clock-jump-after", f"{rng.uniform(0, 0.6):.2f}"]
    kills = 0
    if step is not None:
        code, _out, err = _wait(_spawn(base, [*pay_args, "--kill-at", step]), None)
        label = step
    elif kill_commit:
        before = rng.random() < 0.5
        extra = ["--kill-commit", str(kill_commit), *(["--kill-before-mark"] if before else [])]
        code, _out, err = _wait(_spawn(base, [*pay_args, *extra]), None)
        label = f"commit {kill_commit} {'before' if before else 'after'} mark"
    else:
        code, _out, err = _wait(_spawn(base, pay_args), rng.uniform(0.3, 1.6))
        label = "random"
    if code == -signal.SIGKILL:
        kills += 1
    elif code != 0:
        totals.problems.append(f"run {run}: payer exited {code}: {err.strip()[-300:]}")

    # Restart; sometimes crash again during recovery.
    recovery_kill = rng.choice(ALL_STEPS) if rng.random() < 0.3 else None
    if recovery_kill is not None:
        clock = ["--clock-offset", str(rng.choice(CLOCK_JUMPS_S))]
        code, _out, err = _wait(_spawn(base, ["--recover-only", "--kill-at", recovery_kill, *clock]), None)
        if code == -signal.SIGKILL:
            kills += 1
    started = time.monotonic()
    clock = ["--clock-offset", str(rng.choice(CLOCK_JUMPS_S))]  # set back or forward at the restart
    code, _out, err = _wait(_spawn(base, ["--recover-only", *clock]), None)
    recovery_s = time.monotonic() - started
    if code != 0:
        totals.problems.append(f"run {run}: recovery exited {code}: {err.strip()[-300:]}")

    journal = Journal(slot_journal)
    journal.open()
    try:
        ledger = PaymentLedger(journal)
        ours = [r for r in ledger.between(0, 1e12) if bill.id in r.bill_ids]
        open_ones = [r for r in ledger.open_payments()]
        refused = journal.refusal()
    finally:
        journal.close()
    one_sided = doubled = unresolved = wrong_amount = 0
    if refused:
        totals.problems.append(f"run {run} ({label}): the journal refuses payments: {refused}")
        unresolved += 1
    charged = 0
    bill_status = _invoice_status(sim, bill.id)
    for record in ours:
        net = sandbox.net(record.id) if wechat else sandbox_net(sandbox, record.id)  # type: ignore[attr-defined,arg-type]
        settlement = gateway.find_settlement(record.id)  # type: ignore[attr-defined]
        settled = settlement is not None
        charged += max(net, 0)
        if (net > 0 and not settled) or (net <= 0 and settled):
            one_sided += 1
            totals.problems.append(
                f"run {run} ({label}): {record.id} one-sided: net {net}, settled {settled}, {record.state}"
            )
        elif record.state.value == "settled" and bill_status != "balanced":
            one_sided += 1
            totals.problems.append(f"run {run} ({label}): {record.id} settled but the HIS bill is {bill_status}")
        if settled and (net != settlement.amount_fen or (charge and record.state.value == "settled")):
            wrong_amount += 1
            totals.problems.append(
                f"run {run} ({label}): {record.id} wrong amount: channel {net}, HIS {settlement.amount_fen}, "
                f"ordered {amount}"
            )
    settlements = his_settlements_for_bill(sim, bill.id)  # type: ignore[arg-type]
    if len(settlements) > 1 or charged > amount:
        doubled += 1
        totals.problems.append(
            f"run {run} ({label}): bill {bill.id} doubled: {len(settlements)} settlements, {charged} charged"
        )
    if open_ones or recovery_s > RECOVERY_LIMIT_S:
        unresolved += len(open_ones) or 1
        totals.problems.append(f"run {run} ({label}): unresolved {[r.id for r in open_ones]} after {recovery_s:.1f} s")
    with totals.lock:
        totals.runs += 1
        totals.kill_points += kills
        totals.by_step[label] = totals.by_step.get(label, 0) + kills
        totals.one_sided += one_sided
        totals.doubled += doubled
        totals.unresolved += unresolved
        totals.wrong_amount += wrong_amount


def _invoice_status(sim: Any, bill_id: str) -> str:
    stored = sim.store.read("Invoice", bill_id)
    return str(stored["status"]) if stored is not None else "missing"


def parent(args: argparse.Namespace) -> int:

    logging.basicConfig(level=logging.ERROR)
    rng = random.Random(args.seed)
    totals = Totals()
    with tempfile.TemporaryDirectory(prefix="crash-payments-") as tmp:
        folder = Path(tmp)
        # --plain-his: a HIS without conditional create, so payments are PUT under derived ids.
        sim = HisSimulator(folder / "his.sqlite", patients=30, plain=args.plain_his)
        sandbox: Any
        if args.channel == "wechat":
            from tests.payments.wechatpay.harness import start_fake  # noqa: PLC0415

            sandbox = start_fake(folder)
        else:
            sandbox = SandboxServer(db_path=folder / "sandbox.sqlite")
        gateway = None
        try:
            his_url = sim.start()
            sandbox_url = sandbox.base_url if args.channel == "wechat" else sandbox.start()
            gateway = FhirHisGateway(fast_his_settings(), his_url)
            world: dict[str, object] = {
                "sim": sim,
                "sandbox": sandbox,
                "gateway": gateway,
                "patients": patient_ids(sim, 30),
                "his_url": his_url,
                "sandbox_url": sandbox_url,
                "keys": folder if args.channel == "wechat" else None,
            }
            started = time.monotonic()
            seeds = [rng.randrange(1 << 30) for _ in range(args.runs)]

            def slot_runner(slot: int) -> None:
                journal = folder / f"kiosk-{slot}.sqlite"
                for run in range(slot, args.runs, args.jobs):
                    one_run(run, journal, world, totals, random.Random(seeds[run]))
                    if args.verbose:
                        print(f"run {run}: kill points so far {totals.kill_points}", flush=True)

            with ThreadPoolExecutor(max_workers=args.jobs) as pool:
                for future in [pool.submit(slot_runner, s) for s in range(args.jobs)]:
                    future.result()
            elapsed = time.monotonic() - started
        finally:
            if gateway is not None:
                gateway.close()
            sandbox.close()
            sim.close()
    for problem in totals.problems[:40]:
        print(problem)
    steps = ", ".join(f"{k} {v}" for k, v in sorted(totals.by_step.items()))
    print(f"runs: {totals.runs} in {elapsed:.0f} s; kills by step: {steps}")
    print(
        f"kill points: {totals.kill_points} one-sided: {totals.one_sided} doubled: {totals.doubled} "
        f"unresolved: {totals.unresolved} wrong-amount: {totals.wrong_amount}"
    )
    return 0 if totals.one_sided == totals.doubled == totals.unresolved == totals.wrong_amount == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--plain-his", action="store_true", help="the HIS simulator as a plain FHIR server")
    parser.add_argument(
        "--channel", choices=("sandbox", "wechat"), default="sandbox", help="the channel the kiosk pays through"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--recover-only", action="store_true", help=argparse.SUPPRESS)
    for name in (
        "--journal",
        "--his",
        "--sandbox",
        "--patient",
        "--bill",
        "--provider",
        "--kill-at",
        "--outcome",
        "--keys",
    ):
        parser.add_argument(name, help=argparse.SUPPRESS)
    parser.add_argument("--amount", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--charge", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--delay", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--kill-commit", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--kill-before-mark", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--clock-offset", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--clock-jump", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--clock-jump-after", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    return child(args) if args.child else parent(args)


if __name__ == "__main__":
    sys.exit(main())
