"""The ``kiosk`` command. Qt is imported only by the subcommands that need it, so ``doctor``,
``hash-pin`` and ``--version`` work on a kiosk whose display is broken.

Exit status: 0 success, 1 a check or command failed, 2 bad configuration or usage, 3 ``run``
cannot use its journal (one line: the file, what is wrong, what to do).
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import logging
import os
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk import __version__
from kiosk.config import SUPPORTED_LOCALES, Config, ConfigError, DeviceRole, load_config
from kiosk.errors import ConfigurationError, ServiceUnavailableError
from kiosk.payments.errors import JournalError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QWidget

    from kiosk.app import Kiosk
    from kiosk.flows.service import Preferences, ServiceFlow

log = logging.getLogger(__name__)

PRODUCTION_CONFIG = Path("/etc/hospital-kiosk/config.yaml")
DEMO_CONFIG = Path(__file__).resolve().parent.parent / "config.yaml"
DEMO_TOUR = Path("demo-tour")
EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2
EXIT_JOURNAL = 3  # the journal cannot be opened (damaged, not a database, unwritable): README


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Hospital outpatient self-service kiosk")
    parser.add_argument("--version", action="version", version=f"hospital-kiosk {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the kiosk full-screen (production)")
    run.add_argument("--config", type=Path, default=PRODUCTION_CONFIG)

    demo = sub.add_parser("demo", help="run the kiosk with the demo configuration")
    demo.add_argument("--config", type=Path, default=DEMO_CONFIG)
    demo.add_argument("--windowed", action="store_true", help="a normal window with a cursor, for development")
    demo.add_argument(
        "--tour",
        type=Path,
        metavar="DIR",
        help="walk every flow offscreen through its happy and failure paths and save numbered screenshots in "
        f"both languages and index.html in DIR (what a machine without a display does, into {DEMO_TOUR}/)",
    )
    demo.add_argument("--walk", action="append", metavar="NAME", help="with --tour: only this walk (repeatable)")
    # The tour runs in normal and elderly mode and shoots landscape and portrait unless narrowed.
    demo.add_argument("--elderly", action="store_true", help="with --tour: elderly mode only")
    demo.add_argument("--normal", action="store_true", help="with --tour: normal mode only")
    demo.add_argument("--portrait", action="store_true", help="with --tour: portrait 1080x1920 screenshots only")
    demo.add_argument("--landscape", action="store_true", help="with --tour: landscape 1920x1080 screenshots only")

    doctor = sub.add_parser("doctor", help="check configuration and set-up; lists every problem")
    doctor.add_argument("--config", type=Path, default=PRODUCTION_CONFIG)

    shot = sub.add_parser("screenshot", help="render one screen offscreen to a PNG file")
    shot.add_argument("--config", type=Path, default=DEMO_CONFIG)
    shot.add_argument("--screen", required=True, help="home, idle_warning, goodbye or error")
    shot.add_argument("--locale", choices=SUPPORTED_LOCALES, default="zh_CN")
    shot.add_argument("--elderly", action="store_true", help="large text, high contrast")
    shot.add_argument("--size", default="1920x1080", help="WIDTHxHEIGHT, e.g. 1920x1080 or 1080x1920")
    shot.add_argument("--out", type=Path, required=True)

    sub.add_parser(
        "hash-pin",
        help="print the argon2id hash of an admin PIN (6-12 digits, asked twice or read from stdin) "
        "for admin.pin_hash or admin.staff in config.yaml",
    )

    reconcile = sub.add_parser(
        "reconcile", help="compare journal, payment channels and HIS for a day; exit 1 when entries need resolving"
    )
    reconcile.add_argument("--date", required=True, type=_day, help="the day, YYYY-MM-DD")
    reconcile.add_argument("--csv", type=Path, help="also write the entries as CSV to this file")
    reconcile.add_argument("--config", type=Path, default=PRODUCTION_CONFIG)

    # Listed for --help only: main() hands "his-sim ..." to the simulator's own parser.
    sub.add_parser("his-sim", help="run the embedded HIS simulator (FHIR R4 on 127.0.0.1); see its --help")

    devices = sub.add_parser("devices", help="technician checks of the configured devices")
    devices_sub = devices.add_subparsers(dest="devices_command", required=True, metavar="ACTION")
    status = devices_sub.add_parser("status", help="print each device's status; exit 0 only when all are ready")
    status.add_argument("--config", type=Path, default=PRODUCTION_CONFIG)
    test = devices_sub.add_parser("test", help="run one device's self-test (sample print, or read one card/scan)")
    test.add_argument("role", choices=[r.value for r in DeviceRole])
    test.add_argument("--config", type=Path, default=PRODUCTION_CONFIG)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["his-sim"]:  # its options are the simulator's own
        return _cmd_his_sim(argparse.Namespace(sim_args=argv[1:]))
    args = _parser().parse_args(argv)
    command = args.command.replace("-", "_")
    handler = globals()[f"_cmd_{command}"]
    try:
        return int(handler(args))
    except ConfigError as exc:
        print(f"kiosk: the configuration cannot be used ({len(exc.problems)} problem(s)):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_CONFIG
    except ConfigurationError as exc:  # found while building a service: a device profile, a token file
        print(f"kiosk: the configuration cannot be used: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except JournalError as exc:  # one line for systemd's journal, not a traceback per restart
        print(
            f"kiosk: {exc}; restore the journal from a backup or move it aside "
            "(README: When the kiosk refuses payments)",
            file=sys.stderr,
        )
        return EXIT_JOURNAL


def _load(path: Path) -> Config:
    return load_config(path)


def _cmd_run(args: argparse.Namespace) -> int:
    config = _load(args.config)
    return _restart_if_asked(_run_gui(config, fullscreen=config.ui.fullscreen, hide_cursor=config.ui.hide_cursor))


def _restart_if_asked(status: int) -> int:
    """The admin screen's Restart: systemd starts a new process (Restart=always); run by hand,
    the program starts itself again."""
    from kiosk.app import EXIT_RESTART  # noqa: PLC0415

    if status == EXIT_RESTART and "INVOCATION_ID" not in os.environ:
        logging.getLogger(__name__).info("restarting as the admin screen asked")
        os.execv(sys.executable, sys.orig_argv)  # noqa: S606 - the same program, its own arguments
    return status


def _cmd_demo(args: argparse.Namespace) -> int:
    config = _load(args.config)
    if args.tour is not None or _headless():
        if args.tour is None:
            print(
                "kiosk demo: no display here (DISPLAY and WAYLAND_DISPLAY are unset), so it walks every flow\n"
                "offscreen instead. Run it on a machine with a screen (or under 'xvfb-run') to use the kiosk."
            )
        modes = [m for m, only in ((False, args.normal), (True, args.elderly)) if only] or [False, True]
        orientations = [o for o, only in (("landscape", args.landscape), ("portrait", args.portrait)) if only]
        folder = args.tour if args.tour is not None else DEMO_TOUR
        return _demo_tour(config, folder, args.walk, modes, orientations or ["landscape", "portrait"])
    if args.windowed:
        return _restart_if_asked(_run_gui(config, fullscreen=False, hide_cursor=False, demo=True))
    return _restart_if_asked(
        _run_gui(config, fullscreen=config.ui.fullscreen, hide_cursor=config.ui.hide_cursor, demo=True)
    )


def _cmd_doctor(args: argparse.Namespace) -> int:
    from kiosk.app import RESOURCES  # noqa: PLC0415 - keeps Qt out of the other commands' start-up
    from kiosk.doctor import Outcome, run_checks  # noqa: PLC0415

    findings, config_ok = run_checks(args.config, RESOURCES)
    for finding in findings:
        print(finding)
    failed = sum(f.outcome is Outcome.FAIL for f in findings)
    print(f"{len(findings)} checks, {failed} failed")
    if not config_ok:
        return EXIT_CONFIG
    return EXIT_FAILED if failed else EXIT_OK


def _cmd_screenshot(args: argparse.Namespace) -> int:
    from kiosk.ui.screenshot import SCREENS  # noqa: PLC0415

    if args.screen not in SCREENS:
        print(f"kiosk: unknown screen {args.screen!r}; choose from {', '.join(SCREENS)}", file=sys.stderr)
        return EXIT_CONFIG
    size = _parse_size(args.size)
    if size is None:
        print(f"kiosk: --size must be WIDTHxHEIGHT, got {args.size!r}", file=sys.stderr)
        return EXIT_CONFIG
    config = _load(args.config)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _qapp, kiosk = _offscreen_kiosk(config)
    try:
        from kiosk.ui.screenshot import find_clipped, present, save_png  # noqa: PLC0415

        present(kiosk, args.screen, args.locale, args.elderly, size)
        save_png(kiosk, args.out)
        clipped = find_clipped(kiosk.window)
    finally:
        kiosk.stop()
    for item in clipped:
        print(f"kiosk: warning: text does not fit: {item}", file=sys.stderr)
    print(args.out)
    return EXIT_FAILED if clipped else EXIT_OK


def _cmd_hash_pin(_args: argparse.Namespace) -> int:
    from kiosk.adminpin import hash_pin  # noqa: PLC0415

    if sys.stdin.isatty():
        pin = getpass.getpass("Admin PIN (6-12 digits): ")
        if getpass.getpass("Again: ") != pin:
            print("kiosk: the two PINs differ", file=sys.stderr)
            return EXIT_FAILED
    else:
        pin = sys.stdin.readline().strip()
    try:
        print(hash_pin(pin))
    except ValueError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-21") from None


def _cmd_reconcile(args: argparse.Namespace) -> int:
    from kiosk.payments.reconcile_cli import run  # noqa: PLC0415

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return run(_load(args.config), args.date, csv_out=args.csv, out=sys.stdout)


def _cmd_his_sim(args: argparse.Namespace) -> int:
    from kiosk.his.simulator.__main__ import main as simulator_main  # noqa: PLC0415

    return simulator_main(args.sim_args)


def _cmd_devices(args: argparse.Namespace) -> int:
    from kiosk.devices.errors import DeviceError  # noqa: PLC0415
    from kiosk.devices.selftest import self_test, status_report  # noqa: PLC0415

    config = _load(args.config)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    def out(line: str) -> None:
        print(line, flush=True)

    try:
        if args.devices_command == "status":
            ok = status_report(config.devices, out)
        else:
            ok = self_test(config.devices, DeviceRole(args.role), out)
    except DeviceError as exc:  # a bad profile or transport in the config
        print(f"kiosk: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    return EXIT_OK if ok else EXIT_FAILED


def _parse_size(text: str) -> tuple[int, int] | None:
    width, sep, height = text.lower().partition("x")
    if not (sep and width.isdigit() and height.isdigit()):
        return None
    w, h = int(width), int(height)
    return (w, h) if 320 <= w <= 7680 and 320 <= h <= 7680 else None


def _headless() -> bool:
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform == "offscreen":
        return True
    if platform in ("eglfs", "linuxfb", "vnc"):
        return False  # these draw without a display server
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _offscreen_kiosk(config: Config) -> tuple[QApplication, Kiosk]:
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    from kiosk.app import build_kiosk  # noqa: PLC0415
    from kiosk.flows.registry import implemented_services  # noqa: PLC0415

    existing = QApplication.instance()
    qapp = existing if isinstance(existing, QApplication) else QApplication(["kiosk"])
    # Pictures only: the tiles this version really has, but no services behind them.
    flows = {service: _no_services for service in implemented_services()}
    return qapp, build_kiosk(config, qapp, flows=flows)


def _no_services(_preferences: Preferences) -> ServiceFlow:
    raise ServiceUnavailableError("screenshots run without the HIS and devices")


def _demo_tour(
    config: Config, folder: Path, names: list[str] | None, modes: list[bool], orientations: list[str]
) -> int:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before Qt starts: never a window, display or not
    from kiosk.tour.run import run_tour  # noqa: PLC0415 - Qt, the simulators: only for the tour
    from kiosk.tour.walks import WALKS  # noqa: PLC0415
    from kiosk.tour.world import LANDSCAPE, PORTRAIT  # noqa: PLC0415

    known = {walk.name: walk for walk in WALKS}
    unknown = [name for name in names or () if name not in known]
    if unknown:
        print(f"kiosk: unknown walk(s) {', '.join(unknown)}; choose from {', '.join(known)}", file=sys.stderr)
        return EXIT_CONFIG
    walks = [known[name] for name in names] if names else list(WALKS)
    folder.mkdir(parents=True, exist_ok=True)
    print(f"kiosk demo: walking {len(walks)} walks through the flows offscreen into {folder.resolve()}", flush=True)
    with _log_to(folder / "tour.log"):
        sizes = [LANDSCAPE if o == "landscape" else PORTRAIT for o in orientations]
        report = run_tour(
            config, folder, walks=walks, sizes=sizes, modes=modes, progress=lambda line: print(line, flush=True)
        )
    for problem in report.warnings:
        print(f"kiosk: {problem}", file=sys.stderr)
    ran = sum(r.skipped is None for r in report.results)
    print(f"{report.screenshots} screenshots of {ran} walks in {report.seconds:.0f} s; look through them in:")
    print(f"  {report.index.resolve()}")
    if report.warnings:
        print(
            f"kiosk demo: {len(report.warnings)} screen problem(s): text that does not fit or is untranslated (above)",
            file=sys.stderr,
        )
    if report.failures:
        print(f"kiosk demo: {len(report.failures)} walk(s) failed (the log: {folder / 'tour.log'}):", file=sys.stderr)
        for failure in report.failures:
            print(f"  {failure}", file=sys.stderr)
    if not report.ok:
        return EXIT_FAILED
    return EXIT_OK


@contextlib.contextmanager
def _log_to(path: Path) -> Iterator[None]:
    """The kiosk's own log lines of the tour go to a file: the expected failures (HIS down, paper
    out) would bury the tour's output on the terminal."""
    from kiosk.logs import PrivacyFilter  # noqa: PLC0415

    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
    handler.addFilter(PrivacyFilter())
    root = logging.getLogger()
    saved = root.level, root.handlers[:]
    for old in saved[1]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        handler.close()
        root.setLevel(saved[0])
        for old in saved[1]:
            root.addHandler(old)


def _demo_panel(kiosk: Kiosk) -> QWidget | None:
    from kiosk.ui.demo_panel import DemoPanelWindow  # noqa: PLC0415

    services = kiosk.services
    if services is None or services.demo_panel is None:
        return None  # real devices: nothing to simulate
    return DemoPanelWindow(services.demo_panel, services.devices)


def _run_gui(config: Config, *, fullscreen: bool, hide_cursor: bool, demo: bool = False) -> int:
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    from kiosk.admin.logtail import LogTail  # noqa: PLC0415
    from kiosk.app import TerminationHandler, build_kiosk  # noqa: PLC0415
    from kiosk.logs import setup_logging  # noqa: PLC0415
    from kiosk.services import build_services  # noqa: PLC0415

    tail = LogTail()  # the admin screen's recent log lines, redacted like every other line
    setup_logging(config.logging, config.kiosk.id, tail=tail)
    qapp = QApplication(sys.argv[:1])
    qapp.setApplicationName("hospital-kiosk")
    kiosk = build_kiosk(config, qapp, services=build_services, log_tail=tail)
    # exit(), not quit(): Qt 6's quit() first asks every window to close, and ours refuses.
    terminate = TerminationHandler(qapp, lambda: qapp.exit(0))
    try:
        kiosk.start(fullscreen=fullscreen, hide_cursor=hide_cursor)
        panel = _demo_panel(kiosk) if demo else None
        if panel is not None:
            panel.show()
            screen = panel.screen().availableGeometry()
            panel.adjustSize()  # bottom right: over the least used corner of the kiosk
            panel.move(screen.right() - panel.width(), screen.bottom() - panel.height())
        return int(qapp.exec())
    finally:
        kiosk.stop()
        terminate.close()


if __name__ == "__main__":
    sys.exit(main())
