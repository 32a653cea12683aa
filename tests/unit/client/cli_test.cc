// The canopy CLI: argument parsing, ACL and stat text, and commands run
// against a fake server holding a tiny tree.
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "cli/acl_text.h"
#include "cli/command.h"
#include "cli/global_options.h"
#include "cli/runner.h"
#include "cli/stat_text.h"
#include "tests/unit/client/fake_native_server.h"

namespace canopy::cli {
namespace {

using canopy::testing::EventMessage;
using canopy::testing::FakeNativeServer;
using canopy::testing::ResponseMessage;

std::vector<std::string> Words(std::string_view line) {
  Result<std::vector<std::string>> w = SplitLine(line);
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  return w.ok() ? *w : std::vector<std::string>{};
}

Result<Command> Parse(std::string_view line) { return ParseCommand(Words(line)); }

TEST(SplitLineTest, QuotesAndEscapes) {
  EXPECT_EQ(Words("  create /a  'hello world' "),
            (std::vector<std::string>{"create", "/a", "hello world"}));
  EXPECT_EQ(Words(R"(set /a "say \"hi\"" x\ y)"),
            (std::vector<std::string>{"set", "/a", "say \"hi\"", "x y"}));
  EXPECT_EQ(Words("set /a ''"), (std::vector<std::string>{"set", "/a", ""}));
  EXPECT_TRUE(Words("   ").empty());
  EXPECT_TRUE(Words("# a comment").empty());
  EXPECT_FALSE(SplitLine("get 'open").ok());
  EXPECT_FALSE(SplitLine("get \"open").ok());
}

TEST(ParseCommandTest, CreateFlags) {
  Result<Command> c = Parse("create -e -s /a/job- data");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->kind, CommandKind::kCreate);
  EXPECT_EQ(c->path, "/a/job-");
  EXPECT_EQ(c->data, "data");
  EXPECT_EQ(c->mode(), proto::EPHEMERAL_SEQUENTIAL);
  EXPECT_EQ(Parse("create /a")->mode(), proto::PERSISTENT);
  EXPECT_EQ(Parse("create /a")->data, "");
  EXPECT_EQ(Parse("create -s /a")->mode(), proto::PERSISTENT_SEQUENTIAL);
  EXPECT_EQ(Parse("create -c /a")->mode(), proto::CONTAINER);
  EXPECT_EQ(Parse("create -c -e /a").status().code(), proto::BAD_ARGUMENTS);
}

TEST(ParseCommandTest, FlagsAnywhereAndValues) {
  Result<Command> set = Parse("set /a -v 3 value");
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->version, 3);
  EXPECT_EQ(set->data, "value");
  EXPECT_EQ(Parse("set /a -1")->data, "-1");  // data, not an option
  EXPECT_EQ(Parse("set -- /a -x")->data, "-x");
  EXPECT_EQ(Parse("delete -v 7 /a")->version, 7);
  EXPECT_EQ(Parse("delete /a")->version, -1);
  Result<Command> watch = Parse("watch /cfg --count 2");
  ASSERT_TRUE(watch.ok());
  EXPECT_EQ(watch->kind, CommandKind::kWatch);
  EXPECT_EQ(watch->count, 2);
  Result<Command> ls = Parse("ls -R -w /");
  ASSERT_TRUE(ls.ok());
  EXPECT_TRUE(ls->recursive);
  EXPECT_TRUE(ls->watch);
  EXPECT_TRUE(Parse("get -w /a")->watch);
  EXPECT_EQ(Parse("quit")->kind, CommandKind::kQuit);
  EXPECT_EQ(Parse("exit")->kind, CommandKind::kQuit);
  Result<Command> auth = Parse("addauth digest user:pw");
  EXPECT_EQ(auth->scheme, "digest");
  EXPECT_EQ(auth->auth, "user:pw");
}

TEST(ParseCommandTest, Errors) {
  for (const char* bad :
       {"frobnicate /a", "get", "get /a /b", "get -x /a", "set /a",
        "set -v /a x", "set -v abc /a x", "watch /a --count 0",
        "watch /a --count", "help me"}) {
    Result<Command> c = Parse(bad);
    EXPECT_FALSE(c.ok()) << bad;
    if (!c.ok()) {
      EXPECT_EQ(c.status().code(), proto::BAD_ARGUMENTS) << bad;
    }
  }
  EXPECT_NE(Parse("get").status().message().find("usage: get [-w] PATH"),
            std::string::npos);
  EXPECT_EQ(Parse("setacl /a world:anyone:xyz").status().code(),
            proto::INVALID_ACL);
}

TEST(AclTextTest, ParseZkCliAcls) {
  Result<std::vector<proto::Acl>> acl =
      ParseAcl("world:anyone:cdrwa,digest:bob:abc/def=:rw,ip:::1:r,auth::a");
  ASSERT_TRUE(acl.ok()) << acl.status().ToString();
  ASSERT_EQ(acl->size(), 4u);
  EXPECT_EQ((*acl)[0].id().scheme(), "world");
  EXPECT_EQ((*acl)[0].id().id(), "anyone");
  EXPECT_EQ((*acl)[0].perms(), proto::ALL);
  EXPECT_EQ((*acl)[1].id().id(), "bob:abc/def=");
  EXPECT_EQ((*acl)[1].perms(), proto::READ | proto::WRITE);
  EXPECT_EQ((*acl)[2].id().scheme(), "ip");
  EXPECT_EQ((*acl)[2].id().id(), "::1");
  EXPECT_EQ((*acl)[3].id().id(), "");
  EXPECT_EQ((*acl)[3].perms(), proto::ADMIN);
  for (const char* bad : {"", "world", "world:anyone", "world:anyone:",
                          "world:anyone:q", ":x:r"}) {
    EXPECT_EQ(ParseAcl(bad).status().code(), proto::INVALID_ACL) << bad;
  }
}

TEST(AclTextTest, FormatLikeZkCli) {
  EXPECT_EQ(PermString(proto::ALL), "cdrwa");
  EXPECT_EQ(PermString(proto::READ | proto::ADMIN), "ra");
  Result<std::vector<proto::Acl>> acl =
      ParseAcl("world:anyone:cdrwa,digest:u:h:r");
  ASSERT_TRUE(acl.ok());
  EXPECT_EQ(FormatAcl(*acl), "'world,'anyone\n: cdrwa\n'digest,'u:h\n: r\n");
}

TEST(StatTextTest, FormatStatLikeZkCli) {
  proto::Stat s;
  s.set_czxid(0x1a);
  s.set_mzxid(0x100000002);
  s.set_pzxid(0x1b);
  s.set_ctime(0);
  s.set_mtime(1700000000123);
  s.set_version(2);
  s.set_cversion(-1);
  s.set_aversion(0);
  s.set_ephemeral_owner(0x1000);
  s.set_data_length(5);
  s.set_num_children(1);
  EXPECT_EQ(FormatStat(s),
            "cZxid = 0x1a\n"
            "ctime = Thu Jan 01 00:00:00 UTC 1970\n"
            "mZxid = 0x100000002\n"
            "mtime = Tue Nov 14 22:13:20 UTC 2023\n"
            "pZxid = 0x1b\n"
            "cversion = -1\n"
            "dataVersion = 2\n"
            "aclVersion = 0\n"
            "ephemeralOwner = 0x1000\n"
            "dataLength = 5\n"
            "numChildren = 1\n");
}

TEST(StatTextTest, EventText) {
  proto::WatchEvent e;
  e.set_type(proto::NODE_DATA_CHANGED);
  e.set_path("/cfg");
  EXPECT_EQ(FormatEvent(e), "NodeDataChanged /cfg");
  EXPECT_STREQ(EventTypeName(proto::NODE_CHILDREN_CHANGED),
               "NodeChildrenChanged");
}

Result<GlobalOptions> ParseArgs(std::vector<const char*> args) {
  args.insert(args.begin(), "canopy");
  return ParseGlobalOptions(static_cast<int>(args.size()), args.data());
}

TEST(GlobalOptionsTest, DefaultsAndCommand) {
  Result<GlobalOptions> o = ParseArgs({});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->hosts, "127.0.0.1:2181");
  EXPECT_EQ(o->timeout_ms, 10000);
  EXPECT_TRUE(o->command.empty());

  o = ParseArgs({"-s", "h1:1,h2:2/app", "--timeout", "600", "create", "-s",
                 "/a", "x"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->hosts, "h1:1,h2:2/app");
  EXPECT_EQ(o->timeout_ms, 600);
  EXPECT_EQ(o->command,
            (std::vector<std::string>{"create", "-s", "/a", "x"}));
}

TEST(GlobalOptionsTest, HelpAndErrors) {
  Result<GlobalOptions> help = ParseArgs({"--help"});
  ASSERT_TRUE(help.ok());
  EXPECT_TRUE(help->help);
  EXPECT_NE(help->help_text.find("--timeout"), std::string::npos);
  EXPECT_NE(help->help_text.find("deleteall PATH"), std::string::npos);
  EXPECT_EQ(ParseArgs({"--timeout", "0"}).status().code(),
            proto::BAD_ARGUMENTS);
  EXPECT_EQ(ParseArgs({"--timeout", "x"}).status().code(),
            proto::BAD_ARGUMENTS);
  EXPECT_EQ(ParseArgs({"--bogus"}).status().code(), proto::BAD_ARGUMENTS);
}

// A tiny tree behind the fake server: enough for create, get, set, ls,
// stat, delete and exists, with data watches.
class TinyTree {
 public:
  TinyTree() { nodes_["/"] = ""; }

  std::vector<proto::ServerMessage> Handle(const proto::Request& r) {
    std::lock_guard lock(mu_);
    proto::ServerMessage m = ResponseMessage(r.xid(), proto::OK, ++zxid_);
    proto::Response* out = m.mutable_response();
    std::vector<proto::ServerMessage> msgs;
    if (r.has_create()) {
      const std::string& p = r.create().path();
      if (nodes_.count(p)) return {ResponseMessage(r.xid(), proto::NODE_EXISTS)};
      if (!nodes_.count(Parent(p))) {
        return {ResponseMessage(r.xid(), proto::NO_NODE)};
      }
      nodes_[p] = r.create().data();
      out->mutable_create()->set_path(p);
    } else if (r.has_get_data() || r.has_exists() || r.has_get_children()) {
      const std::string& p = r.has_get_data()   ? r.get_data().path()
                              : r.has_exists() ? r.exists().path()
                                               : r.get_children().path();
      if (!nodes_.count(p)) return {ResponseMessage(r.xid(), proto::NO_NODE)};
      if (r.has_get_data()) {
        out->mutable_get_data()->set_data(nodes_[p]);
        if (r.get_data().watch()) data_watches_.insert(p);
      } else if (r.has_exists()) {
        out->mutable_stat()->mutable_stat()->set_data_length(
            static_cast<int32_t>(nodes_[p].size()));
        if (r.exists().watch()) data_watches_.insert(p);
      } else {
        out->mutable_get_children();
        for (const std::string& c : Children(p)) {
          out->mutable_get_children()->add_children(c);
        }
      }
    } else if (r.has_set_data()) {
      const std::string& p = r.set_data().path();
      if (!nodes_.count(p)) return {ResponseMessage(r.xid(), proto::NO_NODE)};
      nodes_[p] = r.set_data().data();
      if (data_watches_.erase(p)) {
        msgs.push_back(EventMessage(proto::NODE_DATA_CHANGED, p, zxid_));
      }
      out->mutable_stat();
    } else if (r.has_delete_()) {
      const std::string& p = r.delete_().path();
      if (!nodes_.count(p)) return {ResponseMessage(r.xid(), proto::NO_NODE)};
      if (!Children(p).empty()) {
        return {ResponseMessage(r.xid(), proto::NOT_EMPTY)};
      }
      nodes_.erase(p);
      out->mutable_empty();
    } else {
      out->mutable_empty();
    }
    msgs.push_back(m);
    return msgs;
  }

  bool Has(const std::string& p) {
    std::lock_guard lock(mu_);
    return nodes_.count(p) > 0;
  }

 private:
  static std::string Parent(const std::string& p) {
    const size_t slash = p.rfind('/');
    return slash == 0 ? "/" : p.substr(0, slash);
  }
  std::vector<std::string> Children(const std::string& p) {
    std::vector<std::string> out;
    for (const auto& [path, data] : nodes_) {
      if (path != "/" && Parent(path) == p) {
        out.push_back(path.substr(p == "/" ? 1 : p.size() + 1));
      }
    }
    return out;
  }

  std::mutex mu_;
  std::map<std::string, std::string> nodes_;
  std::set<std::string> data_watches_;
  int64_t zxid_ = 0;
};

class CliRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.SetRequestHandler(
        [this](const proto::Request& r) { return tree_.Handle(r); });
    ClientOptions o;
    o.connect_string = server_.address();
    o.session_timeout_ms = 5000;
    o.on_session_event = [this](SessionEvent e) { session_.OnEvent(e); };
    Result<std::unique_ptr<Client>> c = Client::Connect(o);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    client_ = std::move(c).value();
    runner_ = std::make_unique<CommandRunner>(client_.get(), &session_, &out_);
  }

  TinyTree tree_;
  FakeNativeServer server_;
  SessionState session_;
  std::unique_ptr<Client> client_;
  std::ostringstream out_;
  std::unique_ptr<CommandRunner> runner_;
};

TEST_F(CliRunTest, ScriptRunsEveryLineThroughOneSession) {
  std::istringstream in(
      "create /a hello\n"
      "\n"
      "# comment\n"
      "get /a\n"
      "get /missing\n"
      "create /a/b\n"
      "create /a/c 'two words'\n"
      "ls /a\n"
      "ls -R /\n"
      "bogus\n"
      "deleteall /a\n"
      "quit\n"
      "create /after-quit\n");
  std::ostringstream err;
  EXPECT_EQ(RunScript(&in, runner_.get(), &err), 2);
  EXPECT_EQ(out_.str(),
            "/a\n"
            "hello\n"
            "/a/b\n"
            "/a/c\n"
            "b\nc\n"
            "/\n/a\n/a/b\n/a/c\n");
  EXPECT_EQ(err.str(),
            "NoNode: /missing\n"
            "BadArguments: unknown command 'bogus'; try help\n");
  EXPECT_FALSE(tree_.Has("/a"));
  EXPECT_FALSE(tree_.Has("/after-quit"));
  EXPECT_EQ(server_.connections(), 1);
}

TEST_F(CliRunTest, StatOfAMissingNodeIsNoNode) {
  Status s = runner_->Run(*Parse("stat /nope"));
  EXPECT_EQ(s.ToString(), "NoNode: /nope");
  ASSERT_TRUE(runner_->Run(*Parse("create /s abc")).ok());
  out_.str("");
  ASSERT_TRUE(runner_->Run(*Parse("stat /s")).ok());
  EXPECT_NE(out_.str().find("dataLength = 3\n"), std::string::npos);
}

TEST_F(CliRunTest, WatchPrintsEventsUntilCount) {
  ASSERT_TRUE(runner_->Run(*Parse("create /cfg v0")).ok());
  out_.str("");
  std::thread changer([this] {
    // Each set happens once the watch before it is armed.
    for (int i = 1; i <= 2; ++i) {
      for (int tries = 0; tries < 500; ++tries) {
        std::optional<proto::Request> r =
            server_.WaitForRequest(std::chrono::milliseconds(10));
        if (r && r->has_exists()) break;
      }
      client_->SetDataAsync("/cfg", "v" + std::to_string(i), -1,
                            [](Result<proto::Stat>) {});
    }
  });
  Status s = runner_->Run(*Parse("watch /cfg --count 2"));
  changer.join();
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(out_.str(), "NodeDataChanged /cfg\nNodeDataChanged /cfg\n");
}

}  // namespace
}  // namespace canopy::cli
