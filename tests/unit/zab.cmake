# zab::Core unit tests, in one binary so that the documented
# `ninja zab_core_test` builds all of them. Registered with the binary's name
# as a prefix ("zab_core_test.ZabCore.X") so that `ctest -R zab` selects
# them.
add_executable(zab_core_test zab_core_test.cc zab_history_test.cc)
target_link_libraries(zab_core_test PRIVATE canopy_zab GTest::gtest
  GTest::gtest_main Threads::Threads)
target_include_directories(zab_core_test PRIVATE ${PROJECT_SOURCE_DIR})
gtest_discover_tests(zab_core_test TEST_PREFIX "zab_core_test."
  DISCOVERY_TIMEOUT 60)
