canopy_test(session_tracker_test
  SOURCES session_tracker_test.cc
  LIBS canopy_session)
