"""The ZooKeeper C client library and Debian's ZooKeeper command-line tools
(cli_mt from zookeeper-bin, zkCli.sh from zookeeper) against Canopy."""
import os
import shutil
import subprocess

import pytest

C_TEST = os.environ.get("CANOPY_ZK_C_TEST", "")
CLI_MT = "/usr/lib/zookeeper/bin/cli_mt"
ZKCLI = "/usr/share/zookeeper/bin/zkCli.sh"


def test_c_client_core_operations(server):
    if not C_TEST:
        pytest.fail("CANOPY_ZK_C_TEST must name the C client test program")
    run = subprocess.run([C_TEST, server.hosts], capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 failed" in run.stdout


def test_cli_mt_scripted(server, zk):
    if not os.path.exists(CLI_MT):
        pytest.fail(f"{CLI_MT} missing: scripts/setup.sh installs zookeeper-bin")
    outputs = []
    # cli_mt's create takes only a path ("+e"/"+s" flags before it).
    for command in ["create /climt", "create +s /climt/s-", "ls /climt",
                    "get /climt", "delete /climt/s-0000000000"]:
        run = subprocess.run([CLI_MT, server.hosts, f"cmd:{command}"],
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stdout + run.stderr
        outputs.append(run.stdout + run.stderr)
    assert "rc = 0" in outputs[0]
    assert "s-0000000000" in outputs[2]
    assert zk.exists("/climt") is not None
    assert zk.get_children("/climt") == []


def test_zkcli_scripted(server, zk):
    if not os.path.exists(ZKCLI) or not shutil.which("java"):
        pytest.fail(f"{ZKCLI} or java missing: setup.sh installs zookeeper")
    env = dict(os.environ, ZOO_LOG_DIR="/tmp", CLIENT_JVMFLAGS="-Xmx128m")
    zk.create("/zkcli", b"v1")
    commands = [
        ["get", "/zkcli"],
        ["set", "/zkcli", "v2"],
        ["create", "/zkcli/child", "c"],
        ["ls", "/zkcli"],
        ["stat", "/zkcli"],
    ]
    outputs = []
    for command in commands:
        run = subprocess.run(
            ["bash", ZKCLI, "-server", server.hosts] + command,
            capture_output=True, text=True, timeout=120, env=env)
        outputs.append(run.stdout)
        assert "Exception" not in run.stdout, run.stdout + run.stderr
    assert "v1" in outputs[0]
    assert zk.get("/zkcli")[0] == b"v2"
    assert "[child]" in outputs[3]
    assert "dataVersion = 1" in outputs[4]
