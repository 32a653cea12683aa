# server/tree: paths and ACLs, the watch registry, DataTree and Preparer.
foreach(t path_acl_test watch_registry_test data_tree_test tree_effects_test
          quota_test
          prepare_test tree_watches_test tree_reads_test tree_ttl_test
          tree_digest_test acl_matrix_test)
  canopy_test(${t}
    SOURCES ${t}.cc
    LIBS canopy_tree)
endforeach()
