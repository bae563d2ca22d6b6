"""custodes works when installed as a package, not only from the checkout (issue 19
item 1): the wheel built from the tree holds every file the package reads at run time,
and installed into a fresh virtual environment outside the checkout it ingests,
classifies, reports and serves.

The fresh environment gets custodes from the wheel alone; its dependencies are read
from this test run's own site-packages through a .pth line (so no download is needed).
A directory named by a .pth line is only added to sys.path: its own .pth files, among
them the editable install that points at the checkout, are not run, and the test
checks that `import custodes` finds the installed copy.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.conftest import FIXTURES, ROOT

pytestmark = pytest.mark.slow


def run(*args: object, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("timeout", 300)
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, **kwargs
    )
    assert result.returncode == 0, f"{args}: {result.stderr[-2000:]}"
    return result


def package_data_files() -> list[str]:
    """The files of the package that are not Python code (templates, data, ...)."""
    listed = run("git", "ls-files", "custodes", cwd=ROOT).stdout.split()
    return sorted(f for f in listed if not f.endswith(".py"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, ROOT)
    [built] = dist.glob("custodes-*.whl")
    return built


def test_the_wheel_holds_every_file_the_package_reads(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    data = package_data_files()
    assert len(data) > 50  # templates, static files, data: not a vacuous check
    missing = [f for f in data if f not in names]
    assert not missing, f"not in the wheel (add to package-data): {missing}"


def test_installed_outside_the_checkout_it_ingests_classifies_reports_serves(
    wheel, tmp_path
):
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps",
        wheel)  # fmt: skip
    site = run(
        python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    )
    deps = sysconfig.get_paths()["purelib"]  # this run's dependencies
    (Path(site.stdout.strip()) / "custodes_test_deps.pth").write_text(deps + "\n")
    work = tmp_path / "work"  # outside the checkout, so the cwd holds no custodes
    work.mkdir()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "CUSTODES_"))
    }
    env["CUSTODES_DB"] = str(work / "store.duckdb")
    found = run(python, "-c", "import custodes; print(custodes.__file__)", cwd=work,
                env=env)  # fmt: skip
    assert found.stdout.startswith(str(venv)), found.stdout
    custodes = venv / "bin" / "custodes"

    def cli(*args: object) -> subprocess.CompletedProcess:
        return run(custodes, *args, cwd=work, env=env)

    report = json.loads(cli("ingest", FIXTURES / "usaspending", "--json").stdout)
    assert report["stored"] > 50 and report["quarantined"] >= 0
    cli("classify")
    cli("report", "spending", "--out", work / "report", "--format", "md,json")
    summary = json.loads((work / "report" / "report.json").read_text())
    assert summary and (work / "report" / "report.md").read_text().strip()
    port = free_port()
    server = subprocess.Popen(
        [custodes, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        home = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                home = httpx.get(base + "/", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        assert home is not None and home.status_code == 200, server.poll()
        assert "custodes" in home.text.lower()
        api = httpx.get(base + "/dashboard.json", timeout=30)
        assert api.status_code == 200 and api.json()
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
