"""The crash harness pays through the WeChat Pay adapter against the fake and loses no money."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_crash_harness_over_wechat_pay() -> None:
    command = [sys.executable, str(ROOT / "bench" / "crash_payments.py"), "--runs", "14", "--jobs", "2"]
    result = subprocess.run(
        [*command, "--seed", "5", "--channel", "wechat"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=False,
    )
    last = result.stdout.strip().splitlines()[-1]
    assert last.endswith(" one-sided: 0 doubled: 0 unresolved: 0 wrong-amount: 0"), (
        result.stdout[-3000:] + result.stderr[-2000:]
    )
    assert int(last.split()[2]) >= 10
    assert result.returncode == 0
