// The register linearizability checker on hand-made histories: linearizable
// ones, violations (stale reads, lost CAS races, time travel), and
// indeterminate ops that may or may not have taken effect.
#include "tests/nemesis/linearizability.h"

#include <gtest/gtest.h>

#include <random>

namespace canopy::nemesis {
namespace {

using Verdict = CheckResult::Verdict;

RegisterOp Write(int p, const std::string& v, int64_t a, int64_t b,
                 Outcome o = Outcome::kOk, int32_t version = -1) {
  RegisterOp op;
  op.process = p;
  op.kind = OpKind::kWrite;
  op.key = "k";
  op.value = v;
  op.version = version;
  op.outcome = o;
  op.invoke_time = a;
  op.complete_time = b;
  return op;
}

RegisterOp Read(int p, const std::string& v, int32_t version, int64_t a,
                int64_t b) {
  RegisterOp op = Write(p, v, a, b, Outcome::kOk, version);
  op.kind = OpKind::kRead;
  return op;
}

RegisterOp Cas(int p, int32_t expected, const std::string& v, int64_t a,
               int64_t b, Outcome o = Outcome::kOk) {
  RegisterOp op = Write(p, v, a, b, o);
  op.kind = OpKind::kCas;
  op.expected_version = expected;
  return op;
}

Verdict Check(const std::vector<RegisterOp>& h) {
  return CheckRegister(h, RegisterState{"", 0}).verdict;
}

TEST(LinearizabilityTest, EmptyHistoryIsLinearizable) {
  EXPECT_EQ(Check({}), Verdict::kLinearizable);
}

TEST(LinearizabilityTest, SequentialWriteThenReadIsLinearizable) {
  EXPECT_EQ(Check({Write(1, "a", 0, 10, Outcome::kOk, 1),
                   Read(2, "a", 1, 20, 30)}),
            Verdict::kLinearizable);
}

TEST(LinearizabilityTest, StaleReadAfterAcknowledgedWriteIsNot) {
  const auto r = CheckRegister(
      {Write(1, "a", 0, 10), Write(1, "b", 20, 30), Read(2, "a", 1, 40, 50)},
      RegisterState{"", 0});
  EXPECT_EQ(r.verdict, Verdict::kNotLinearizable);
  EXPECT_NE(r.explanation.find("read"), std::string::npos) << r.explanation;
}

TEST(LinearizabilityTest, ReadConcurrentWithWriteMaySeeEither) {
  EXPECT_EQ(Check({Write(1, "a", 0, 100), Read(2, "", 0, 10, 20),
                   Read(3, "a", 1, 30, 40)}),
            Verdict::kLinearizable);
  // ... but not old after new.
  EXPECT_EQ(Check({Write(1, "a", 0, 100), Read(2, "a", 1, 10, 20),
                   Read(3, "", 0, 30, 40)}),
            Verdict::kNotLinearizable);
}

TEST(LinearizabilityTest, WrongVersionOnAcknowledgedWriteIsNot) {
  EXPECT_EQ(Check({Write(1, "a", 0, 10, Outcome::kOk, 3)}),
            Verdict::kNotLinearizable);
}

TEST(LinearizabilityTest, UnknownWriteMayHaveTakenEffect) {
  EXPECT_EQ(Check({Write(1, "u", 0, 5, Outcome::kUnknown),
                   Read(2, "u", 1, 20, 30)}),
            Verdict::kLinearizable);
}

TEST(LinearizabilityTest, UnknownWriteMayNeverHaveTakenEffect) {
  EXPECT_EQ(Check({Write(1, "u", 0, 5, Outcome::kUnknown),
                   Read(2, "", 0, 20, 30), Write(3, "b", 40, 50),
                   Read(2, "b", 1, 60, 70)}),
            Verdict::kLinearizable);
}

TEST(LinearizabilityTest, UnknownWriteMayTakeEffectLongAfterItsCall) {
  // u was called first and its client gave up at 5, yet it lands after b.
  EXPECT_EQ(Check({Write(1, "u", 0, 5, Outcome::kUnknown),
                   Write(2, "b", 10, 20, Outcome::kOk, 1),
                   Read(3, "b", 1, 30, 40), Read(3, "u", 2, 50, 60)}),
            Verdict::kLinearizable);
}

TEST(LinearizabilityTest, UnknownWriteCannotTakeEffectBeforeItsCall) {
  EXPECT_EQ(Check({Read(3, "u", 1, 0, 5),
                   Write(1, "u", 10, 20, Outcome::kUnknown)}),
            Verdict::kNotLinearizable);
}

TEST(LinearizabilityTest, UnknownWriteSeenThenUnseenIsNot) {
  EXPECT_EQ(Check({Write(1, "u", 0, 5, Outcome::kUnknown),
                   Read(2, "u", 1, 20, 30), Read(2, "", 0, 40, 50)}),
            Verdict::kNotLinearizable);
}

TEST(LinearizabilityTest, TwoCasWithTheSameExpectedVersionCannotBothWin) {
  EXPECT_EQ(Check({Cas(1, 0, "a", 0, 100), Cas(2, 0, "b", 10, 90)}),
            Verdict::kNotLinearizable);
  EXPECT_EQ(Check({Cas(1, 0, "a", 0, 100),
                   Cas(2, 0, "b", 10, 90, Outcome::kFail)}),
            Verdict::kLinearizable);
}

TEST(LinearizabilityTest, CasBadVersionWhenTheVersionMatchedIsNot) {
  EXPECT_EQ(Check({Cas(1, 0, "a", 0, 10, Outcome::kFail)}),
            Verdict::kNotLinearizable);
  // A concurrent write explains the failure.
  EXPECT_EQ(Check({Write(2, "w", 0, 30), Cas(1, 0, "a", 5, 10, Outcome::kFail),
                   Read(3, "w", 1, 40, 50)}),
            Verdict::kLinearizable);
}

TEST(LinearizabilityTest, UnknownCasTakesEffectOnlyIfTheVersionMatched) {
  // The CAS expected v0 but a write got there first: it must have failed.
  EXPECT_EQ(Check({Write(1, "a", 0, 10), Cas(2, 0, "c", 20, 30,
                                              Outcome::kUnknown),
                   Read(3, "c", 2, 40, 50)}),
            Verdict::kNotLinearizable);
  // Called before the write, it may have won and the write came after.
  EXPECT_EQ(Check({Cas(2, 0, "c", 0, 5, Outcome::kUnknown),
                   Read(3, "c", 1, 8, 9), Write(1, "a", 10, 20),
                   Read(3, "a", 2, 40, 50)}),
            Verdict::kLinearizable);
}

TEST(LinearizabilityTest, KeysAreCheckedSeparately) {
  std::vector<RegisterOp> h = {Write(1, "a", 0, 10), Read(2, "a", 1, 20, 30)};
  RegisterOp bad = Read(2, "zz", 7, 40, 50);
  bad.key = "other";
  h.push_back(bad);
  const auto r = CheckRegisters(h, {});
  EXPECT_EQ(r.verdict, Verdict::kNotLinearizable);
  EXPECT_EQ(r.key, "other");
  EXPECT_EQ(r.ops, 3u);
  h.pop_back();
  EXPECT_TRUE(CheckRegisters(h, {}).ok());
}

TEST(LinearizabilityTest, InitialStateIsHonoured) {
  RegisterOp r = Read(1, "init", 4, 0, 1);
  EXPECT_TRUE(CheckRegisters({r}, {{"k", RegisterState{"init", 4}}}).ok());
  EXPECT_FALSE(CheckRegisters({r}, {}).ok());
}

// A random concurrent history produced by a real register: every op takes
// effect at a point inside its interval, some clients lose their answers.
std::vector<RegisterOp> RandomLinearizableHistory(uint32_t seed, int n,
                                                 uint32_t unknown_one_in = 8) {
  std::mt19937 rng(seed);
  std::vector<RegisterOp> h;
  std::string value;
  int32_t version = 0;
  int64_t now = 0;
  struct Pending {
    RegisterOp op;
    int64_t end;
  };
  for (int i = 0; i < n; ++i) {
    now += 1 + int64_t(rng() % 5);
    RegisterOp op;
    op.process = int(rng() % 5);
    op.key = "k";
    op.invoke_time = now - int64_t(rng() % 20);  // called a bit earlier
    op.complete_time = now + int64_t(rng() % 20);  // answered a bit later
    const int kind = int(rng() % 3);
    if (kind == 0) {
      op.kind = OpKind::kRead;
      op.value = value;
      op.version = version;
      op.outcome = Outcome::kOk;
    } else if (kind == 1) {
      op.kind = OpKind::kWrite;
      op.value = "w" + std::to_string(i);
      value = op.value;
      op.version = ++version;
      op.outcome = Outcome::kOk;
    } else {
      op.kind = OpKind::kCas;
      op.value = "c" + std::to_string(i);
      op.expected_version = version - int32_t(rng() % 2);
      if (op.expected_version == version) {
        value = op.value;
        op.version = ++version;
        op.outcome = Outcome::kOk;
      } else {
        op.outcome = Outcome::kFail;
      }
    }
    if (op.kind != OpKind::kRead && rng() % unknown_one_in == 0) {
      op.outcome = Outcome::kUnknown;
    }
    h.push_back(op);
  }
  return h;
}

TEST(LinearizabilityTest, RandomLinearizableHistoriesPass) {
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    const auto h = RandomLinearizableHistory(seed, 300);
    const auto r = CheckRegister(h, RegisterState{"", 0});
    EXPECT_EQ(r.verdict, Verdict::kLinearizable)
        << "seed " << seed << ": " << r.explanation;
  }
}

TEST(LinearizabilityTest, RandomHistoryWithAStaleReadFails) {
  int failed = 0;
  // A violation needs the whole search space ruled out, so these are kept
  // smaller than the passing ones.
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    auto h = RandomLinearizableHistory(seed, 150, 20);
    // A read long after everything that returns the first write again.
    RegisterOp stale;
    stale.kind = OpKind::kRead;
    stale.key = "k";
    for (const auto& op : h) {
      if (op.kind == OpKind::kWrite && op.outcome == Outcome::kOk) {
        stale.value = op.value;
        stale.version = op.version;
        break;
      }
    }
    stale.outcome = Outcome::kOk;
    stale.invoke_time = 1'000'000;
    stale.complete_time = 1'000'001;
    RegisterOp last_write;
    last_write.kind = OpKind::kWrite;
    last_write.key = "k";
    last_write.value = "final";
    last_write.outcome = Outcome::kOk;
    last_write.invoke_time = 900'000;
    last_write.complete_time = 900'001;
    h.push_back(last_write);
    h.push_back(stale);
    if (CheckRegister(h, RegisterState{"", 0}).verdict ==
        Verdict::kNotLinearizable) {
      ++failed;
    }
  }
  EXPECT_EQ(failed, 20);
}

TEST(LinearizabilityTest, SearchBoundGivesUpInsteadOfHanging) {
  const auto h = RandomLinearizableHistory(7, 300);
  CheckOptions options;
  options.max_steps = 10;
  EXPECT_EQ(CheckRegister(h, RegisterState{"", 0}, options).verdict,
            Verdict::kGaveUp);
}

}  // namespace
}  // namespace canopy::nemesis
