"""The local stack leaves no orphans and `down` never kills a process it did not start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from local import cli
from local.cli.demo import exit_on_sigterm
from local.runtime import state
from tests.helpers import wait_for

ROOT = Path(__file__).resolve().parents[2]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc and prctl")


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(state, "STATE_DIR", tmp_path)
    monkeypatch.setattr(state, "STATE_FILE", tmp_path / "state.json")
    return tmp_path


@pytest.fixture
def bystander() -> Iterator[subprocess.Popen[bytes]]:
    """A process the local stack did not start."""
    process = subprocess.Popen(["sleep", "60"])
    try:
        yield process
    finally:
        process.kill()
        process.wait()


@linux_only
def test_start_time_is_field_22_of_proc_stat(bystander: subprocess.Popen[bytes]) -> None:
    started = state.start_time(bystander.pid)
    assert started is not None and started >= (state.start_time(os.getpid()) or 0)
    assert state.same_process(bystander.pid, started)
    assert not state.same_process(bystander.pid, started + 1)
    assert state.start_time(None) is None


@linux_only
def test_down_leaves_a_reused_pid_alone(state_dir: Path, bystander: subprocess.Popen[bytes]) -> None:
    started = state.start_time(bystander.pid)
    assert started is not None
    # The recorded process was another one that had this PID earlier.
    state.write({"pids": {"stack": None, "anvil": bystander.pid}, "started": {"anvil": started - 1}})
    assert cli.main(["down"]) == 0
    assert bystander.poll() is None and state.read() is None
    # The same PID and start time: it is ours, and `down` stops it.
    state.write({"pids": {"stack": None, "anvil": bystander.pid}, "started": {"anvil": started}})
    assert cli.main(["down"]) == 0
    assert bystander.wait(timeout=5) == -signal.SIGKILL


@linux_only
def test_up_refuses_while_a_stale_stack_left_children(
    state_dir: Path, bystander: subprocess.Popen[bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    pids = {"stack": None, "dynamodb": bystander.pid}
    state.write({"ready": True, "pids": pids, "started": state.start_times(pids)})
    assert cli.main(["up"]) == 1
    out = capsys.readouterr().out
    assert f"dynamodb pid {bystander.pid}" in out and "basis-local down" in out
    assert bystander.poll() is None


def test_only_the_owner_clears_the_state_file(state_dir: Path) -> None:
    state.write({"pids": {"stack": os.getpid() + 1}})
    assert not state.clear_if_owner(os.getpid()) and state.read() is not None
    state.write({"pids": {"stack": os.getpid()}})
    assert state.clear_if_owner(os.getpid()) and state.read() is None


@linux_only
def test_children_die_with_the_process_that_launched_them(tmp_path: Path) -> None:
    launcher = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from local.runtime.processes import ChildProcess
        child = ChildProcess("sleeper", ["sleep", "60"], log_path=Path({str(tmp_path / "s.log")!r}))
        child.launch()
        print(child.pid, flush=True)
        time.sleep(60)
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", launcher], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    child_pid = 0
    try:
        assert parent.stdout is not None
        child_pid = int(parent.stdout.readline())
        assert state.alive(child_pid)
        parent.kill()  # no chance to stop its child
        parent.wait()
        wait_for(lambda: not _running(child_pid), timeout=5)
    finally:
        parent.kill()
        parent.wait()
        if child_pid and _running(child_pid):
            os.kill(child_pid, signal.SIGKILL)


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan is reaped by init/the subreaper, maybe later)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_sigterm_inside_exit_on_sigterm_unwinds_through_finally() -> None:
    before = signal.getsignal(signal.SIGTERM)
    cleaned = []
    with pytest.raises(SystemExit) as raised, exit_on_sigterm():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises before this ends
        finally:
            cleaned.append(True)
    assert raised.value.code == 128 + signal.SIGTERM and cleaned == [True]
    assert signal.getsignal(signal.SIGTERM) is before
