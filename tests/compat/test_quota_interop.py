"""Quotas shared with ZooKeeper 3.8's zkCli (Debian's zookeeper package):
zkCli's setquota is enforced and counted by Canopy, zkCli reads what
Canopy's CLI wrote, and both list the same text."""
import os
import shutil
import subprocess

import pytest

ZKCLI = "/usr/share/zookeeper/bin/zkCli.sh"
CANOPY_CLI = os.environ.get("CANOPY_CLI", "")


def zkcli(server, *args):
    if not os.path.exists(ZKCLI) or not shutil.which("java"):
        pytest.fail(f"{ZKCLI} or java missing: setup.sh installs zookeeper")
    env = dict(os.environ, ZOO_LOG_DIR="/tmp", CLIENT_JVMFLAGS="-Xmx128m")
    run = subprocess.run(["bash", ZKCLI, "-server", server.hosts] + list(args),
                         capture_output=True, text=True, timeout=120, env=env)
    return run.stdout + run.stderr


def canopy(server, *args):
    if not CANOPY_CLI:
        pytest.fail("CANOPY_CLI must name the canopy CLI binary")
    run = subprocess.run([CANOPY_CLI, "-s", server.hosts] + list(args),
                         capture_output=True, text=True, timeout=60)
    return run.returncode, run.stdout + run.stderr


def test_zkcli_quota_is_counted_enforced_and_listed(server, zk):
    zk.create("/zq", b"12")
    out = zkcli(server, "setquota", "-N", "3", "/zq")
    assert "Exception" not in out, out
    limits, _ = zk.get("/zookeeper/quota/zq/zookeeper_limits")
    assert limits == b"count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=3"
    stats, _ = zk.get("/zookeeper/quota/zq/zookeeper_stats")
    assert stats == b"count=1,bytes=2"  # counted by the server
    zk.create("/zq/a", b"345")
    zk.create("/zq/b")
    # (kazoo 2.8 does not know QuotaExceeded, -125: its connection breaks
    # on the unknown code, so only ZooKeeper's own client tries here.)
    out = zkcli(server, "create", "/zq/c")
    assert "Quota has exceeded" in out, out
    assert zk.exists("/zq/c") is None
    out = zkcli(server, "listquota", "/zq")
    assert "Output stat for /zq count=3,bytes=5" in out, out
    rc, out = canopy(server, "listquota", "/zq")
    assert rc == 0, out
    assert out == ("Output quota for /zq "
                   "count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=3\n"
                   "Output stat for /zq count=3,bytes=5\n")
    out = zkcli(server, "delquota", "/zq")
    assert "Exception" not in out, out
    rc, out = canopy(server, "listquota", "/zq")
    assert rc != 0 and "no quota on /zq" in out, out
    zk.create("/zq/c")


def test_zkcli_reads_and_removes_a_canopy_quota(server, zk):
    zk.create("/cq")
    rc, out = canopy(server, "setquota", "-n", "5", "-B", "100", "/cq")
    assert rc == 0, out
    out = zkcli(server, "listquota", "/cq")
    assert ("Output quota for /cq "
            "count=5,bytes=-1=;byteHardLimit=100;countHardLimit=-1") in out, out
    assert "Output stat for /cq count=1,bytes=0" in out, out
    out = zkcli(server, "delquota", "-n", "/cq")
    assert "Exception" not in out, out
    rc, out = canopy(server, "listquota", "/cq")
    assert "count=-1,bytes=-1=;byteHardLimit=100;countHardLimit=-1" in out, out
