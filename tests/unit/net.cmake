canopy_test(peer_network_test
  SOURCES peer_network_test.cc
  LIBS canopy_net)
