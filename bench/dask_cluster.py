"""A Dask distributed cluster on loopback, started with Dask's own commands (`dask scheduler`,
`dask worker`) as README "A cluster" starts one: for tests/test_cluster.py and bench/cluster.py.

    with dask_cluster(workers=2, folder=tmp) as address:   # "tcp://127.0.0.1:PORT"
        reindex([...], index_dir, scheduler=address)
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

START_SECONDS = 60.0


def _address(path: Path, process: subprocess.Popen, seconds: float) -> str:
    """The scheduler's address, from the file it writes once it listens."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dask scheduler exited with status {process.returncode}")
        with contextlib.suppress(FileNotFoundError, ValueError, KeyError):
            return json.loads(path.read_text())["address"]
        time.sleep(0.05)
    raise TimeoutError(f"dask scheduler did not start in {seconds} s")


@contextlib.contextmanager
def dask_cluster(workers: int, folder: Path) -> Iterator[str]:
    """A scheduler and `workers` worker processes (one thread each, under a nanny that
    restarts a worker that dies), their output in `folder`/cluster.log; all ended on exit."""
    from distributed import Client

    folder.mkdir(parents=True, exist_ok=True)
    log = open(folder / "cluster.log", "w")  # noqa: SIM115 (closed in the finally below)
    options: dict[str, Any] = dict(
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=folder
    )
    dask = [sys.executable, "-m", "dask"]
    scheduler_file = folder / "scheduler.json"
    scheduler = [*dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
    processes = [subprocess.Popen([*scheduler, "--scheduler-file", str(scheduler_file)], **options)]
    try:
        address = _address(scheduler_file, processes[0], START_SECONDS)
        for n in range(workers):
            worker = [*dask, "worker", address, "--name", f"w{n}", "--nthreads", "1"]
            worker += ["--host", "127.0.0.1", "--no-dashboard", "--memory-limit", "2GiB"]
            worker += ["--local-directory", str(folder / f"w{n}")]
            processes.append(subprocess.Popen(worker, **options))
        with Client(address, timeout=10, set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=START_SECONDS)
        yield address
    finally:
        for process in processes[1:] + processes[:1]:  # the workers, then the scheduler
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()
