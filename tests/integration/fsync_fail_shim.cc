// An LD_PRELOAD library for durability tests: once the file named by the
// environment variable CANOPY_FSYNC_FAIL_TRIGGER exists, fsync and fdatasync
// fail with EIO (as a disk that lost a write would report), without syncing.
// Before that, and without the variable, they do what libc does.
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

bool Triggered() {
  const char* trigger = getenv("CANOPY_FSYNC_FAIL_TRIGGER");
  struct stat st;
  return trigger != nullptr && stat(trigger, &st) == 0;
}

template <typename Fn>
Fn Next(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

int fsync(int fd) {
  if (Triggered()) {
    errno = EIO;
    return -1;
  }
  static auto real = Next<int (*)(int)>("fsync");
  return real(fd);
}

int fdatasync(int fd) {
  if (Triggered()) {
    errno = EIO;
    return -1;
  }
  static auto real = Next<int (*)(int)>("fdatasync");
  return real(fd);
}

}  // extern "C"
