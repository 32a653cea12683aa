"""Four-letter words answer in ZooKeeper's formats."""
from conftest import four_letter


def test_ruok(server):
    assert four_letter(server.port, "ruok") == "imok"


def test_mntr_parses_as_key_value_lines(server, zk):
    zk.create("/m", b"x", ephemeral=True)
    zk.get("/m", watch=lambda e: None)
    pairs = dict(line.split("\t", 1)
                 for line in four_letter(server.port, "mntr").splitlines())
    assert pairs["zk_server_state"] == "standalone"
    assert int(pairs["zk_znode_count"]) >= 5
    assert int(pairs["zk_ephemerals_count"]) == 1
    assert int(pairs["zk_watch_count"]) == 1
    assert int(pairs["zk_num_alive_connections"]) >= 1
    float(pairs["zk_avg_latency"])


def test_srvr_stat_conf_envi_isro(server, zk):
    srvr = four_letter(server.port, "srvr")
    assert "Mode: standalone" in srvr and "Zxid: 0x" in srvr
    assert "Clients:" in four_letter(server.port, "stat")
    conf = four_letter(server.port, "conf")
    assert f"clientPort={server.port}" in conf
    assert "zookeeper.version=3.9.0" in four_letter(server.port, "envi")
    assert four_letter(server.port, "isro") == "rw"
    # kazoo reads the version from envi.
    assert zk.server_version()[:2] == (3, 9)


def test_watch_listings(server, zk):
    zk.create("/w1")
    zk.get("/w1", watch=lambda e: None)
    zk.get_children("/", watch=lambda e: None)
    assert "watching 2 paths" in four_letter(server.port, "wchs")
    wchc = four_letter(server.port, "wchc")
    assert f"0x{zk.client_id[0]:x}" in wchc and "\t/w1" in wchc
    assert "/w1\n\t0x" in four_letter(server.port, "wchp")
    dump = four_letter(server.port, "dump")
    assert f"0x{zk.client_id[0]:x}" in dump


def test_whitelist_limits_words():
    from conftest import Server
    s = Server(extra="4lw.commands.whitelist=ruok, srvr\n").start()
    try:
        assert four_letter(s.port, "ruok") == "imok"
        assert "not in the whitelist" in four_letter(s.port, "mntr")
    finally:
        s.cleanup()
