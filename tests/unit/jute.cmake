canopy_test(jute_codec_test
  SOURCES jute_codec_test.cc
  LIBS canopy_net)
canopy_test(jute_connection_test
  SOURCES jute_connection_test.cc
  LIBS canopy_net)
