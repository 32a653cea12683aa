# server/storage: the txn log, snapshots and the storage thread. Tests run on
# LevelDB's in-memory Env (libmemenv.a from libleveldb-dev), on a
# fault-injecting Env over it (fault_env.h) and on real temp directories.
find_library(MEMENV_LIB memenv)
if(NOT TARGET canopy_storage)
  message(STATUS "skipping storage tests: canopy_storage not built")
elseif(NOT MEMENV_LIB)
  message(STATUS "skipping storage tests: libmemenv not found")
else()
  canopy_test(storage_test
    SOURCES storage_test.cc
    LIBS canopy_storage ${MEMENV_LIB} leveldb::leveldb)
  canopy_test(log_crash_test
    SOURCES log_crash_test.cc
    LIBS canopy_storage ${MEMENV_LIB} leveldb::leveldb)
  canopy_test(snapshot_test
    SOURCES snapshot_test.cc
    LIBS canopy_storage ${MEMENV_LIB} leveldb::leveldb)
  canopy_test(log_writer_test
    SOURCES log_writer_test.cc
    LIBS canopy_storage ${MEMENV_LIB} leveldb::leveldb)
  canopy_test(log_corruption_test
    SOURCES log_corruption_test.cc
    LIBS canopy_storage ${MEMENV_LIB} leveldb::leveldb)
endif()
