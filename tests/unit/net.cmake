canopy_test(peer_network_test
  SOURCES peer_network_test.cc
  LIBS canopy_net)

canopy_test(quorum_auth_test
  SOURCES quorum_auth_test.cc
  LIBS canopy_net)

canopy_test(connection_throttle_test
  SOURCES connection_throttle_test.cc
  LIBS canopy_net)
