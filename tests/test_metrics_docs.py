"""docs/monitoring.md and docs/prometheus/ agree with the code: every kiosk_* series they use
exists, the files parse, and (with promtool installed) the alert rules pass their unit tests."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from prometheus_client import generate_latest

from kiosk.config import DeviceRole
from kiosk.devices.status import READY
from kiosk.ops.metrics import KioskMetrics, PaymentCount

DOCS = Path(__file__).resolve().parent.parent / "docs"
PROMETHEUS = DOCS / "prometheus"


def exported_names() -> set[str]:
    metrics = KioskMetrics("OPD-7", "1", ["payment"])
    metrics.watch_devices(lambda: {DeviceRole.RECEIPT_PRINTER: READY})
    metrics.watch_payments(lambda: [PaymentCount("paid", 1, 0.0)])
    metrics.watch_admin(lambda: (0, None))
    metrics.watch_journal(lambda: "")
    metrics.flow_failed("payment", 2001)
    metrics.his_request("search Patient", 0.1, "timeout")
    text = generate_latest(metrics.registry).decode()
    names = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line and not line.startswith("#")}
    return names | {re.sub(r"_(bucket|count|sum)$", "", n) for n in names}  # a histogram by its own name


def used_names(text: str) -> set[str]:
    return set(re.findall(r"\b(kiosk_[a-z_]+|process_[a-z_]+)\b", text)) - {"kiosk_id"}


def test_every_series_the_docs_use_exists() -> None:
    exported = exported_names()
    rules = (PROMETHEUS / "kiosk-alerts.yml").read_text(encoding="utf-8")
    page = (DOCS / "monitoring.md").read_text(encoding="utf-8")
    missing = sorted((used_names(rules) | used_names(page)) - exported)
    assert missing == [], f"not exported by kiosk/ops/metrics.py: {missing}"
    table = set(re.findall(r"^\| `(kiosk_[a-z_]+)`", page, re.MULTILINE))
    families = {re.sub(r"_(total|bucket|count|sum)$", "", n) for n in exported if n.startswith("kiosk_")}
    assert families <= {re.sub(r"_total$", "", n) for n in table}, "every kiosk_ metric has a line in the table"


def test_the_prometheus_files_parse() -> None:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text(encoding="utf-8"))
    job = config["scrape_configs"][0]
    assert job["job_name"] == "hospital-kiosk"
    targets = yaml.safe_load((PROMETHEUS / "kiosks.yml").read_text(encoding="utf-8"))
    addresses = [t for group in targets for t in group["targets"]]
    assert len(addresses) == len(set(addresses)) == 50
    assert all({"site", "building"} <= set(group["labels"]) for group in targets)
    rules = yaml.safe_load((PROMETHEUS / "kiosk-alerts.yml").read_text(encoding="utf-8"))
    names = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    for wanted in ("KioskDown", "KioskPrinterOutOfPaper", "KioskOneSidedPayment", "KioskHisErrors"):
        assert wanted in names


# scripts/bootstrap.sh puts promtool (from Debian's prometheus package) beside the venv's python.
PROMTOOL = shutil.which("promtool") or shutil.which("promtool", path=str(Path(sys.executable).parent))


def test_promtool_accepts_the_config_and_the_alert_tests_pass() -> None:
    assert PROMTOOL, "promtool is missing: scripts/bootstrap.sh installs it (./dev test)"
    for args in (["check", "config", "prometheus.yml"], ["test", "rules", "kiosk-alerts.test.yml"]):
        result = subprocess.run(
            [PROMTOOL, *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=60, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr
