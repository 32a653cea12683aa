/* The ZooKeeper C client (libzookeeper-mt) against a Canopy server.
 * Usage: zk_c_client_test HOST:PORT. Exits non-zero on the first failure and
 * prints "N passed, 0 failed" when every check held. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zookeeper/zookeeper.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int connected = 0;
static int events = 0;
static int last_event_type = 0;
static char last_event_path[256];
static int passed = 0;

#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond)) {                                                    \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
              #cond);                                                 \
      printf("%d passed, 1 failed\n", passed);                        \
      exit(1);                                                        \
    }                                                                 \
    ++passed;                                                         \
  } while (0)

static void global_watcher(zhandle_t* zh, int type, int state,
                           const char* path, void* ctx) {
  pthread_mutex_lock(&mu);
  if (type == ZOO_SESSION_EVENT && state == ZOO_CONNECTED_STATE) {
    connected = 1;
  } else if (type != ZOO_SESSION_EVENT) {
    ++events;
    last_event_type = type;
    snprintf(last_event_path, sizeof last_event_path, "%s", path);
  }
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
}

/* Waits until *flag > value or 10 s pass; returns the flag. */
static int wait_above(int* flag, int value) {
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += 10;
  pthread_mutex_lock(&mu);
  while (*flag <= value) {
    if (pthread_cond_timedwait(&cv, &mu, &deadline) != 0) break;
  }
  int now = *flag;
  pthread_mutex_unlock(&mu);
  return now;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s HOST:PORT\n", argv[0]);
    return 2;
  }
  zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
  zhandle_t* zh = zookeeper_init(argv[1], global_watcher, 10000, 0, 0, 0);
  CHECK(zh != NULL);
  CHECK(wait_above(&connected, 0) == 1);

  char path[256];
  CHECK(zoo_create(zh, "/c", "hello", 5, &ZOO_OPEN_ACL_UNSAFE, 0, path,
                   sizeof path) == ZOK);
  CHECK(strcmp(path, "/c") == 0);
  CHECK(zoo_create(zh, "/c", "x", 1, &ZOO_OPEN_ACL_UNSAFE, 0, path,
                   sizeof path) == ZNODEEXISTS);

  char buf[64];
  int len = sizeof buf;
  struct Stat stat;
  CHECK(zoo_get(zh, "/c", 0, buf, &len, &stat) == ZOK);
  CHECK(len == 5 && memcmp(buf, "hello", 5) == 0);
  CHECK(stat.version == 0 && stat.dataLength == 5);
  CHECK(zoo_set(zh, "/c", "world", 5, 0) == ZOK);
  CHECK(zoo_set(zh, "/c", "again", 5, 0) == ZBADVERSION);
  CHECK(zoo_get(zh, "/missing", 0, buf, &len, &stat) == ZNONODE);

  /* create2 returns the stat too. */
  CHECK(zoo_create2(zh, "/c/s-", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_SEQUENCE,
                    path, sizeof path, &stat) == ZOK);
  CHECK(strcmp(path, "/c/s-0000000000") == 0);
  CHECK(stat.czxid > 0);
  CHECK(zoo_create(zh, "/c/e", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL,
                   path, sizeof path) == ZOK);
  CHECK(zoo_exists(zh, "/c/e", 0, &stat) == ZOK);
  CHECK(stat.ephemeralOwner == zoo_client_id(zh)->client_id);

  struct String_vector children;
  CHECK(zoo_get_children(zh, "/c", 0, &children) == ZOK);
  CHECK(children.count == 2);
  deallocate_String_vector(&children);

  /* A data watch fires once, with the node's path. */
  len = sizeof buf;
  CHECK(zoo_get(zh, "/c", 1, buf, &len, &stat) == ZOK);
  CHECK(zoo_set(zh, "/c", "w", 1, -1) == ZOK);
  CHECK(wait_above(&events, 0) == 1);
  CHECK(last_event_type == ZOO_CHANGED_EVENT);
  CHECK(strcmp(last_event_path, "/c") == 0);
  /* An exists watch on a missing node fires on its creation. */
  CHECK(zoo_exists(zh, "/c/new", 1, &stat) == ZNONODE);
  CHECK(zoo_create(zh, "/c/new", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, path,
                   sizeof path) == ZOK);
  CHECK(wait_above(&events, 1) == 2);
  CHECK(last_event_type == ZOO_CREATED_EVENT);

  /* multi: all or nothing, with a result per op. */
  zoo_op_t ops[2];
  zoo_op_result_t results[2];
  zoo_create_op_init(&ops[0], "/c/m", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
  zoo_delete_op_init(&ops[1], "/c/absent", -1);
  CHECK(zoo_multi(zh, 2, ops, results) == ZNONODE);
  CHECK(zoo_exists(zh, "/c/m", 0, &stat) == ZNONODE);
  zoo_create_op_init(&ops[0], "/c/m", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
  zoo_check_op_init(&ops[1], "/c", 2);
  CHECK(zoo_multi(zh, 2, ops, results) == ZOK);
  CHECK(results[0].err == ZOK && results[1].err == ZOK);

  /* Digest auth and ACLs. */
  CHECK(zoo_add_auth(zh, "digest", "bob:pw", 6, NULL, NULL) == ZOK);
  struct ACL acl_entry = {ZOO_PERM_ALL, {"auth", ""}};
  struct ACL_vector acl = {1, &acl_entry};
  CHECK(zoo_create(zh, "/c/priv", "p", 1, &acl, 0, path, sizeof path) == ZOK);
  struct ACL_vector got_acl;
  CHECK(zoo_get_acl(zh, "/c/priv", &got_acl, &stat) == ZOK);
  CHECK(got_acl.count == 1 && strcmp(got_acl.data[0].id.scheme, "digest") == 0);
  deallocate_ACL_vector(&got_acl);

  CHECK(zoo_delete(zh, "/c", -1) == ZNOTEMPTY);
  CHECK(zoo_delete(zh, "/c/new", -1) == ZOK);
  CHECK(zookeeper_close(zh) == ZOK);
  printf("%d passed, 0 failed\n", passed);
  return 0;
}
