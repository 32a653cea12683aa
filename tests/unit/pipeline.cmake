canopy_test(pipeline_test
  SOURCES pipeline_test.cc
  LIBS canopy_pipeline)
canopy_test(digest_check_test
  SOURCES digest_check_test.cc
  LIBS canopy_pipeline)
canopy_test(pipeline_refusal_test
  SOURCES pipeline_refusal_test.cc
  LIBS canopy_pipeline)
