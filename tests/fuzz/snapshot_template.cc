#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "server/net/snapshot_io.h"
#include "tests/fuzz/pipeline_harness.h"
#include "tests/fuzz/templates.h"

namespace canopy::fuzz {
namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "fuzz template: %s\n", what.c_str());
  std::abort();
}

proto::ClientMessage Create(int32_t xid, const std::string& path,
                            const std::string& data, proto::CreateMode mode) {
  proto::ClientMessage m;
  m.mutable_request()->set_xid(xid);
  auto* c = m.mutable_request()->mutable_create();
  c->set_path(path);
  c->set_data(data);
  c->set_mode(mode);
  auto* acl = c->add_acl();
  acl->set_perms(proto::ALL);
  acl->mutable_id()->set_scheme("world");
  acl->mutable_id()->set_id("anyone");
  return m;
}

proto::ClientMessage Connect() {
  proto::ClientMessage m;
  m.mutable_connect()->set_timeout_ms(1000);
  return m;
}

}  // namespace

SnapshotTemplate MakeSnapshotTemplate() {
  PipelineHarness harness;
  harness.Deliver(1, Connect());
  harness.Deliver(2, Connect());
  harness.Deliver(1, Create(1, "/app", "config v1", proto::PERSISTENT));
  harness.Deliver(1, Create(2, "/app/a", std::string(300, 'x'),
                            proto::PERSISTENT));
  harness.Deliver(1, Create(3, "/app/job-", "j", proto::PERSISTENT_SEQUENTIAL));
  harness.Deliver(1, Create(4, "/app/job-", "j", proto::PERSISTENT_SEQUENTIAL));
  harness.Deliver(2, Create(1, "/app/member", "m", proto::EPHEMERAL));
  harness.Deliver(1, Create(5, "/box", "", proto::CONTAINER));
  harness.Deliver(1, Create(6, "/box/item", "i", proto::PERSISTENT));
  harness.TakeOutput();

  char dir_template[] = "/tmp/canopy-fuzz-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) Die("mkdtemp");
  const std::string dir = dir_template;
  const tree::DataTree& tree = harness.pipeline().tree();
  Status status = net::WriteSnapshot(tree, dir);
  if (!status.ok()) Die("write snapshot: " + status.ToString());
  SnapshotTemplate result;
  result.zxid = tree.last_zxid();
  char name[64];
  std::snprintf(name, sizeof(name), "snapshot.%016llx",
                static_cast<unsigned long long>(result.zxid));
  result.file_name = name;
  std::ifstream in(dir + "/" + result.file_name, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  result.bytes = bytes.str();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (result.bytes.empty()) Die("empty snapshot");
  return result;
}

}  // namespace canopy::fuzz
