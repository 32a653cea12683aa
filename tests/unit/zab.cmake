canopy_test(zab_core_test
  SOURCES zab_core_test.cc
  LIBS canopy_zab)
