# Client library and CLI tests: a scripted fake native server in-process.
add_library(canopy_fake_native_server STATIC client/fake_native_server.cc)
target_include_directories(canopy_fake_native_server PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(canopy_fake_native_server PUBLIC canopy_common canopy_proto
  Boost::headers Threads::Threads)

canopy_test(client_parts_test SOURCES client/client_parts_test.cc
  LIBS canopy_client)
canopy_test(client_session_test SOURCES client/client_session_test.cc
  LIBS canopy_client canopy_fake_native_server)
canopy_test(cli_test SOURCES client/cli_test.cc
  LIBS canopy_cli_lib canopy_fake_native_server)
canopy_test(cli_admin_parse_test SOURCES client/cli_admin_parse_test.cc
  LIBS canopy_cli_lib)
