canopy_test(pipeline_test
  SOURCES pipeline_test.cc
  LIBS canopy_pipeline)
