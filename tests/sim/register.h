// RegisterChecker: linearizability of a set of single-key registers whose
// writes are totally ordered by zxid (the order the leader assigned and
// every member applies).
//
// With the write order known, a history is linearizable iff every read r
// that returns the value of write w satisfies: no write after w in zxid
// order was acknowledged before r began (no stale read), and no read that
// ended before r began returned a write after w (no going back). Checked as
// each read completes, since both only look at the past.
#ifndef CANOPY_TESTS_SIM_REGISTER_H_
#define CANOPY_TESTS_SIM_REGISTER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace canopy::sim {

class RegisterChecker {
 public:
  void OnWrite(const std::string& key, Zxid zxid, int64_t start);
  void OnAck(Zxid zxid, int64_t end);
  // Returns an explanation when the read breaks linearizability, else "".
  std::string OnRead(const std::string& key, Zxid read_zxid, int64_t start,
                     int64_t end);
  size_t reads() const { return reads_count_; }

 private:
  struct Write {
    std::string key;
    int64_t start = 0;
    int64_t end = -1;  // -1: never acknowledged
  };
  struct Read {
    Zxid zxid = 0;
    int64_t start = 0;
    int64_t end = 0;
  };
  std::map<Zxid, Write> writes_;
  std::map<std::string, std::vector<Read>> reads_;
  size_t reads_count_ = 0;
};

}  // namespace canopy::sim

#endif  // CANOPY_TESTS_SIM_REGISTER_H_
