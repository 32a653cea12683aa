# Operations: zoo.cfg parsing (the key table) and the metrics registry.
if(TARGET canopy_net)
  canopy_test(config_test
    SOURCES config_test.cc ${PROJECT_SOURCE_DIR}/server/config.cc
      ${PROJECT_SOURCE_DIR}/server/logging.cc
    LIBS canopy_net spdlog::spdlog)
  canopy_test(metrics_test
    SOURCES metrics_test.cc
    LIBS canopy_net)
endif()
