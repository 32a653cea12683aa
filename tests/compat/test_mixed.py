"""A kazoo client (ZooKeeper's dialect) and the canopy CLI (the native
dialect, through canopy::Client) on the same tree."""
import os
import subprocess
import threading

import pytest

CLI = os.environ.get("CANOPY_CLI", "")


def cli(server, *args, stdin=None, timeout=30):
    if not CLI:
        pytest.fail("CANOPY_CLI must name the canopy CLI binary")
    return subprocess.run([CLI, "-s", server.hosts, "--timeout", "4000",
                           *args], input=stdin, capture_output=True,
                          text=True, timeout=timeout)


def test_each_sees_the_others_writes(server, zk):
    zk.create("/from-kazoo", b"k")
    assert cli(server, "get", "/from-kazoo").stdout == "k\n"
    assert cli(server, "create", "/from-native", "n").returncode == 0
    assert zk.get("/from-native")[0] == b"n"
    assert cli(server, "set", "/from-kazoo", "k2").returncode == 0
    assert zk.get("/from-kazoo")[0] == b"k2"


def test_kazoo_watch_fires_on_a_native_write(server, zk):
    zk.create("/mw", b"0")
    fired = threading.Event()
    zk.get("/mw", watch=lambda e: fired.set())
    assert cli(server, "set", "/mw", "1").returncode == 0
    assert fired.wait(10)


def test_native_watch_fires_on_a_kazoo_write(server, zk):
    zk.create("/nw", b"0")
    watcher = subprocess.Popen([CLI, "-s", server.hosts, "watch", "/nw",
                                "--count", "1"],
                               stdout=subprocess.PIPE, text=True)
    try:
        # The CLI prints nothing until the event: wait (bounded) until the
        # server reports its watch, then write.
        import time
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if _watch_count(server) > 0:
                break
        zk.set("/nw", b"1")
        out, _ = watcher.communicate(timeout=20)
        assert "NodeDataChanged /nw" in out
    finally:
        watcher.kill()


def _watch_count(server):
    out = subprocess.run(
        ["bash", "-c", f"echo mntr | nc -q1 127.0.0.1 {server.port}"],
        capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("zk_watch_count"):
            return int(line.split()[1])
    return 0


def test_native_ephemeral_is_seen_and_goes_with_its_session(server, zk):
    gone = threading.Event()
    # One CLI session creates an ephemeral, lists it, and ends.
    run = cli(server, stdin="create -e /eph-native x\nls /\n")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "eph-native" in run.stdout
    # The session closed at the end of the batch: kazoo sees it gone.
    assert zk.exists("/eph-native", watch=lambda e: gone.set()) is None


def test_kazoo_ephemeral_is_visible_to_native(server, zk):
    zk.create("/eph-kazoo", b"", ephemeral=True)
    out = cli(server, "stat", "/eph-kazoo").stdout
    assert f"ephemeralOwner = 0x{zk.client_id[0]:x}" in out
