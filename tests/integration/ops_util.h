// Test support for operations tests: a blocking HTTP GET, a Prometheus
// text parser, and running canopy-server to completion.
#ifndef CANOPY_TESTS_INTEGRATION_OPS_UTIL_H_
#define CANOPY_TESTS_INTEGRATION_OPS_UTIL_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace canopy::testing {

struct HttpReply {
  int status = 0;  // 0: no answer
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// GET path from 127.0.0.1:port with "Connection: close"; bounded (10 s).
HttpReply HttpGet(int port, const std::string& path);

// One parsed sample line: name{labels} value.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Parses Prometheus' text exposition format. Returns nullopt (and says why
// in *error) on any malformed line, a sample without a preceding # TYPE
// for its family, or a histogram whose buckets are not cumulative.
std::optional<std::vector<Sample>> ParsePrometheus(const std::string& text,
                                                   std::string* error);

// The sum of samples named `name` whose labels include `labels`.
double SumOf(const std::vector<Sample>& samples, const std::string& name,
             const std::map<std::string, std::string>& labels = {});

// Runs canopy-server with args to completion (at most 20 s); returns its
// exit code (-1 if it did not exit normally) and its stdout+stderr.
int RunServerBinary(const std::vector<std::string>& args, std::string* output);

}  // namespace canopy::testing

#endif  // CANOPY_TESTS_INTEGRATION_OPS_UTIL_H_
