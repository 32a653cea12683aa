# The nemesis suite's register linearizability checker on hand-made
# histories (the library is defined in tests/nemesis).
canopy_test(linearizability_test SOURCES linearizability_test.cc
  LIBS canopy_linearizability)
