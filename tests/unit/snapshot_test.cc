// Snapshot files: round trips, listing, purging, and damaged files detected
// as DATA_INCONSISTENCY before the visitor sees anything.
#include "server/storage/snapshot.h"

#include <gtest/gtest.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/unit/fault_env.h"
#include "tests/unit/storage_test_util.h"

namespace canopy::storage {
namespace {

constexpr char kDir[] = "/snap";

proto::SnapshotNode MakeNode(const std::string& path, Zxid czxid) {
  proto::SnapshotNode node;
  node.set_path(path);
  node.set_data("data of " + path);
  proto::Acl* acl = node.add_acl();
  acl->set_perms(proto::ALL);
  acl->mutable_id()->set_scheme("world");
  acl->mutable_id()->set_id("anyone");
  node.mutable_stat()->set_czxid(czxid);
  node.mutable_stat()->set_mzxid(czxid);
  node.set_ttl_ms(path == "/a/b" ? 5000 : 0);
  return node;
}

proto::SnapshotSession MakeSession(SessionId id) {
  proto::SnapshotSession session;
  session.set_session_id(id);
  session.set_timeout_ms(30000);
  session.set_password("secret" + std::to_string(id));
  return session;
}

// Everything a read handed to its visitor.
struct Contents {
  std::vector<proto::SnapshotHeader> headers;
  std::vector<proto::SnapshotNode> nodes;
  std::vector<proto::SnapshotSession> sessions;
  int callbacks() const {
    return static_cast<int>(headers.size() + nodes.size() + sessions.size());
  }
};

class SnapshotTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) const {
    return std::string(kDir) + "/" + name;
  }

  // Writes a snapshot at zxid with the given numbers of nodes and sessions.
  void Write(Zxid zxid, int nodes = 3, int sessions = 2) {
    auto writer = SnapshotWriter::Create(env_, kDir, zxid);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    for (int i = 0; i < nodes; ++i) {
      std::string path = i == 0 ? "/" : "/n" + std::to_string(i);
      ASSERT_TRUE((*writer)->AddNode(MakeNode(path, i)).ok());
    }
    for (int i = 0; i < sessions; ++i) {
      ASSERT_TRUE((*writer)->AddSession(MakeSession(100 + i)).ok());
    }
    Status status = (*writer)->Finish();
    ASSERT_TRUE(status.ok()) << status.ToString();
  }

  Status Read(Zxid zxid, Contents* contents) {
    SnapshotVisitor visitor;
    visitor.on_header = [&](const proto::SnapshotHeader& header) {
      contents->headers.push_back(header);
      return Status::Ok();
    };
    visitor.on_node = [&](const proto::SnapshotNode& node) {
      contents->nodes.push_back(node);
      return Status::Ok();
    };
    visitor.on_session = [&](const proto::SnapshotSession& session) {
      contents->sessions.push_back(session);
      return Status::Ok();
    };
    return ReadSnapshot(env_, kDir, zxid, visitor);
  }

  std::string ReadFile(const std::string& name) {
    std::string data;
    EXPECT_TRUE(leveldb::ReadFileToString(env_, Path(name), &data).ok());
    return data;
  }

  void WriteFile(const std::string& name, const std::string& data) {
    ASSERT_TRUE(leveldb::WriteStringToFile(env_, data, Path(name)).ok());
  }

  std::unique_ptr<leveldb::Env> mem_env_{
      leveldb::NewMemEnv(leveldb::Env::Default())};
  leveldb::Env* env_ = mem_env_.get();
};

TEST_F(SnapshotTest, RoundTripHandsBackEverythingInFileOrder) {
  constexpr Zxid kZxid = 0x100000005;
  auto writer = SnapshotWriter::Create(env_, kDir, kZxid);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  const std::vector<proto::SnapshotNode> nodes = {
      MakeNode("/", 0), MakeNode("/a", 1), MakeNode("/a/b", 2)};
  const std::vector<proto::SnapshotSession> sessions = {MakeSession(7),
                                                        MakeSession(8)};
  for (const auto& node : nodes) ASSERT_TRUE((*writer)->AddNode(node).ok());
  for (const auto& session : sessions) {
    ASSERT_TRUE((*writer)->AddSession(session).ok());
  }
  ASSERT_TRUE((*writer)->Finish().ok());
  EXPECT_TRUE(env_->FileExists(Path("snapshot.0000000100000005")));
  EXPECT_FALSE(env_->FileExists(Path("snapshot.0000000100000005.tmp")));

  Contents contents;
  Status status = Read(kZxid, &contents);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(contents.headers.size(), 1u);
  EXPECT_EQ(contents.headers[0].last_zxid(), kZxid);
  EXPECT_EQ(contents.headers[0].node_count(), 3);
  EXPECT_EQ(contents.headers[0].session_count(), 2);
  ASSERT_EQ(contents.nodes.size(), nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    EXPECT_EQ(contents.nodes[i].SerializeAsString(),
              nodes[i].SerializeAsString());
  }
  ASSERT_EQ(contents.sessions.size(), sessions.size());
  for (size_t i = 0; i < sessions.size(); ++i) {
    EXPECT_EQ(contents.sessions[i].SerializeAsString(),
              sessions[i].SerializeAsString());
  }
}

TEST_F(SnapshotTest, EmptySnapshotAtZxidZeroRoundTrips) {
  Write(0, 0, 0);
  Contents contents;
  ASSERT_TRUE(Read(0, &contents).ok());
  ASSERT_EQ(contents.headers.size(), 1u);
  EXPECT_EQ(contents.headers[0].node_count(), 0);
  EXPECT_EQ(contents.callbacks(), 1);
}

TEST_F(SnapshotTest, RoundTripOnTheRealDisk) {
  testutil::TempDir temp_dir;
  leveldb::Env* disk = leveldb::Env::Default();
  const std::string dir = temp_dir.path() + "/snap";
  auto writer = SnapshotWriter::Create(disk, dir, 42);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE((*writer)->AddNode(MakeNode("/", 0)).ok());
  ASSERT_TRUE((*writer)->Finish().ok());
  EXPECT_EQ(ListSnapshots(disk, dir), (std::vector<Zxid>{42}));
  int nodes = 0;
  SnapshotVisitor visitor;
  visitor.on_node = [&](const proto::SnapshotNode&) {
    ++nodes;
    return Status::Ok();
  };
  ASSERT_TRUE(ReadSnapshot(disk, dir, 42, visitor).ok());
  EXPECT_EQ(nodes, 1);
}

TEST_F(SnapshotTest, ListIsNewestFirstAndIgnoresTmpAndForeignNames) {
  Write(5);
  Write(0x100000001);
  Write(7);
  WriteFile("snapshot.0000000000000009.tmp", "partial");
  WriteFile("snapshot.00000000000000AB", "upper-case hex");
  WriteFile("snapshot.000000000000001", "15 digits");
  WriteFile("snapshot.0000000000000005.bak", "copy");
  WriteFile("snapshot.000000000000000g", "not hex");
  WriteFile("LOG", "unrelated");
  EXPECT_EQ(ListSnapshots(env_, kDir), (std::vector<Zxid>{0x100000001, 7, 5}));
  EXPECT_TRUE(ListSnapshots(env_, "/nowhere").empty());
}

TEST_F(SnapshotTest, EveryTruncationIsDataInconsistencyWithNoCallbacks) {
  Write(9);
  const std::string whole = ReadFile("snapshot.0000000000000009");
  for (size_t size = 0; size < whole.size(); ++size) {
    WriteFile("snapshot.0000000000000009", whole.substr(0, size));
    Contents contents;
    Status status = Read(9, &contents);
    EXPECT_EQ(status.code(), proto::DATA_INCONSISTENCY)
        << "cut at " << size << ": " << status.ToString();
    EXPECT_EQ(contents.callbacks(), 0) << "cut at " << size;
  }
  WriteFile("snapshot.0000000000000009", whole);
  Contents contents;
  EXPECT_TRUE(Read(9, &contents).ok());
}

TEST_F(SnapshotTest, EveryFlippedByteIsDataInconsistencyWithNoCallbacks) {
  Write(9);
  const std::string whole = ReadFile("snapshot.0000000000000009");
  for (size_t i = 0; i < whole.size(); ++i) {
    std::string damaged = whole;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x10);
    WriteFile("snapshot.0000000000000009", damaged);
    Contents contents;
    Status status = Read(9, &contents);
    EXPECT_EQ(status.code(), proto::DATA_INCONSISTENCY)
        << "byte " << i << ": " << status.ToString();
    EXPECT_EQ(contents.callbacks(), 0) << "byte " << i;
  }
}

TEST_F(SnapshotTest, HugeRecordLengthIsRejectedWithoutReadingIt) {
  Write(9);
  std::string damaged = ReadFile("snapshot.0000000000000009");
  damaged[0] = damaged[1] = damaged[2] = damaged[3] = '\xff';
  WriteFile("snapshot.0000000000000009", damaged);
  Contents contents;
  Status status = Read(9, &contents);
  EXPECT_EQ(status.code(), proto::DATA_INCONSISTENCY);
  EXPECT_NE(status.message().find("snapshot.0000000000000009"),
            std::string::npos)
      << status.ToString();
}

TEST_F(SnapshotTest, FileUnderAnotherZxidsNameIsDataInconsistency) {
  Write(9);
  WriteFile("snapshot.000000000000000a", ReadFile("snapshot.0000000000000009"));
  Contents contents;
  EXPECT_EQ(Read(10, &contents).code(), proto::DATA_INCONSISTENCY);
}

TEST_F(SnapshotTest, DataAfterTheTrailerIsDataInconsistency) {
  Write(9);
  const std::string whole = ReadFile("snapshot.0000000000000009");
  // Append a copy of the first record (the header): framed correctly, but
  // after the trailer.
  const size_t header_bytes = 8 + static_cast<uint8_t>(whole[0]);
  WriteFile("snapshot.0000000000000009", whole + whole.substr(0, header_bytes));
  Contents contents;
  EXPECT_EQ(Read(9, &contents).code(), proto::DATA_INCONSISTENCY);
}

TEST_F(SnapshotTest, MissingSnapshotIsSystemError) {
  Contents contents;
  EXPECT_EQ(Read(3, &contents).code(), proto::SYSTEM_ERROR);
}

TEST_F(SnapshotTest, VisitorErrorStopsTheRead) {
  Write(9, 3, 0);
  int nodes = 0;
  SnapshotVisitor visitor;
  visitor.on_node = [&](const proto::SnapshotNode& node) {
    ++nodes;
    return Status(proto::NODE_EXISTS, node.path());
  };
  EXPECT_EQ(ReadSnapshot(env_, kDir, 9, visitor).code(), proto::NODE_EXISTS);
  EXPECT_EQ(nodes, 1);
}

TEST_F(SnapshotTest, WriterRejectsNodesAfterSessionsAndUseAfterFinish) {
  auto writer = SnapshotWriter::Create(env_, kDir, 3);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->AddSession(MakeSession(1)).ok());
  EXPECT_EQ((*writer)->AddNode(MakeNode("/", 0)).code(), proto::BAD_ARGUMENTS);
  ASSERT_TRUE((*writer)->Finish().ok());
  EXPECT_FALSE((*writer)->AddSession(MakeSession(2)).ok());
  EXPECT_FALSE((*writer)->Finish().ok());
  Contents contents;
  ASSERT_TRUE(Read(3, &contents).ok());
  EXPECT_EQ(contents.sessions.size(), 1u);
  EXPECT_TRUE(contents.nodes.empty());
}

TEST_F(SnapshotTest, NegativeZxidIsRejected) {
  EXPECT_EQ(SnapshotWriter::Create(env_, kDir, -1).status().code(),
            proto::BAD_ARGUMENTS);
}

TEST_F(SnapshotTest, AbandonedWriterLeavesNoFile) {
  {
    auto writer = SnapshotWriter::Create(env_, kDir, 3);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->AddNode(MakeNode("/", 0)).ok());
  }
  std::vector<std::string> children;
  ASSERT_TRUE(env_->GetChildren(kDir, &children).ok());
  EXPECT_TRUE(children.empty());
  EXPECT_TRUE(ListSnapshots(env_, kDir).empty());
}

TEST_F(SnapshotTest, PurgeKeepsTheNewestAndRemovesStaleTmpFiles) {
  for (Zxid zxid : {1, 2, 3, 4, 5}) Write(zxid, 1, 0);
  WriteFile("snapshot.0000000000000002.tmp", "leftover");
  WriteFile("snapshot.0000000000000009.tmp", "maybe still being written");
  WriteFile("unrelated", "x");
  ASSERT_TRUE(PurgeSnapshots(env_, kDir, 2).ok());
  EXPECT_EQ(ListSnapshots(env_, kDir), (std::vector<Zxid>{5, 4}));
  EXPECT_FALSE(env_->FileExists(Path("snapshot.0000000000000002.tmp")));
  // A .tmp newer than every complete snapshot may be in progress; it stays
  // until a newer snapshot completes.
  EXPECT_TRUE(env_->FileExists(Path("snapshot.0000000000000009.tmp")));
  EXPECT_TRUE(env_->FileExists(Path("unrelated")));
  Write(10, 1, 0);
  ASSERT_TRUE(PurgeSnapshots(env_, kDir, 2).ok());
  EXPECT_EQ(ListSnapshots(env_, kDir), (std::vector<Zxid>{10, 5}));
  EXPECT_FALSE(env_->FileExists(Path("snapshot.0000000000000009.tmp")));

  ASSERT_TRUE(PurgeSnapshots(env_, kDir, 0).ok());
  EXPECT_TRUE(ListSnapshots(env_, kDir).empty());
  EXPECT_EQ(PurgeSnapshots(env_, kDir, -1).code(), proto::BAD_ARGUMENTS);
}

TEST(SnapshotCrashTest, FinishedSnapshotSurvivesACrashAndUnfinishedVanishes) {
  testutil::FaultEnv env;
  {
    auto done = SnapshotWriter::Create(&env, kDir, 4);
    ASSERT_TRUE(done.ok());
    ASSERT_TRUE((*done)->AddNode(MakeNode("/", 0)).ok());
    ASSERT_TRUE((*done)->Finish().ok());
  }
  auto unfinished = SnapshotWriter::Create(&env, kDir, 8);
  ASSERT_TRUE(unfinished.ok());
  ASSERT_TRUE((*unfinished)->AddNode(MakeNode("/", 0)).ok());
  env.Crash();
  EXPECT_FALSE((*unfinished)->Finish().ok());
  unfinished = Status(proto::SYSTEM_ERROR, "dropped");
  ASSERT_TRUE(env.Recover().ok());

  std::vector<std::string> children;
  ASSERT_TRUE(env.GetChildren(kDir, &children).ok());
  EXPECT_EQ(children, (std::vector<std::string>{"snapshot.0000000000000004"}));
  int nodes = 0;
  SnapshotVisitor visitor;
  visitor.on_node = [&](const proto::SnapshotNode&) {
    ++nodes;
    return Status::Ok();
  };
  ASSERT_TRUE(ReadSnapshot(&env, kDir, 4, visitor).ok());
  EXPECT_EQ(nodes, 1);
}

TEST(SnapshotCrashTest, FailedSyncFailsFinishAndPublishesNothing) {
  testutil::FaultEnv env;
  auto writer = SnapshotWriter::Create(&env, kDir, 4);
  ASSERT_TRUE(writer.ok());
  env.SetFailSync(true);
  EXPECT_EQ((*writer)->Finish().code(), proto::SYSTEM_ERROR);
  env.SetFailSync(false);
  EXPECT_FALSE((*writer)->Finish().ok());
  writer = Status(proto::SYSTEM_ERROR, "dropped");
  EXPECT_TRUE(ListSnapshots(&env, kDir).empty());
  std::vector<std::string> children;
  ASSERT_TRUE(env.GetChildren(kDir, &children).ok());
  EXPECT_TRUE(children.empty());
}

}  // namespace
}  // namespace canopy::storage
