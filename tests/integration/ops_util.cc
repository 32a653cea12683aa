#include "tests/integration/ops_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <regex>
#include <set>
#include <sstream>

#ifndef CANOPY_SERVER_BIN
#error "CANOPY_SERVER_BIN must name the canopy-server binary"
#endif

namespace canopy::testing {

namespace {
using Clock = std::chrono::steady_clock;

int LeftMs(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - Clock::now())
                        .count();
  return left < 0 ? 0 : int(left);
}

std::string Lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

HttpReply HttpGet(int port, const std::string& path) {
  HttpReply reply;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return reply;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return reply;
  }
  const std::string request = "GET " + path +
                              " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Connection: close\r\n\r\n";
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      ssize_t(request.size())) {
    close(fd);
    return reply;
  }
  std::string in;
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (LeftMs(deadline) > 0) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, LeftMs(deadline)) <= 0) break;
    char buf[65536];
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    in.append(buf, size_t(n));
  }
  close(fd);
  const auto head_end = in.find("\r\n\r\n");
  if (head_end == std::string::npos) return reply;
  std::istringstream head(in.substr(0, head_end));
  std::string line;
  std::getline(head, line);
  if (line.rfind("HTTP/1.1 ", 0) != 0) return reply;
  reply.status = std::atoi(line.c_str() + 9);
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    reply.headers[Lower(line.substr(0, colon))] = value;
  }
  reply.body = in.substr(head_end + 4);
  return reply;
}

std::optional<std::vector<Sample>> ParsePrometheus(const std::string& text,
                                                   std::string* error) {
  static const std::regex kType(
      R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? ([-+0-9.eE]+|[+-]Inf|NaN))");
  static const std::regex kLabel(R"(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)\"(,|$))");
  std::map<std::string, std::string> types;
  std::vector<Sample> out;
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  auto fail = [&](const std::string& why) {
    *error = "line " + std::to_string(line_no) + ": " + why + ": " + line;
    return std::nullopt;
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    std::smatch m;
    if (line.rfind("# HELP ", 0) == 0) continue;
    if (line[0] == '#') {
      if (!std::regex_match(line, m, kType)) return fail("bad comment");
      types[m[1]] = m[2];
      continue;
    }
    if (!std::regex_match(line, m, kSample)) return fail("bad sample");
    Sample sample;
    sample.name = m[1];
    std::string labels = m[3];
    while (!labels.empty()) {
      std::smatch lm;
      if (!std::regex_search(labels, lm, kLabel) || lm.position(0) != 0) {
        return fail("bad labels");
      }
      sample.labels[lm[1]] = lm[2];
      labels = lm.suffix();
    }
    const std::string value = m[4];
    sample.value = value == "+Inf"   ? HUGE_VAL
                   : value == "-Inf" ? -HUGE_VAL
                                     : std::strtod(value.c_str(), nullptr);
    std::string family = sample.name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s = suffix;
      if (types.count(family) == 0 && family.size() > s.size() &&
          family.compare(family.size() - s.size(), s.size(), s) == 0) {
        family.resize(family.size() - s.size());
      }
    }
    if (types.count(family) == 0) return fail("sample without # TYPE");
    out.push_back(std::move(sample));
  }
  // Histogram buckets must be cumulative and end in +Inf == _count.
  std::map<std::string, double> last_bucket;
  for (const auto& s : out) {
    if (s.labels.count("le") == 0) continue;
    auto labels = s.labels;
    labels.erase("le");
    std::string key = s.name;
    for (const auto& [k, v] : labels) key += "," + k + "=" + v;
    auto it = last_bucket.find(key);
    if (it != last_bucket.end() && s.value < it->second) {
      *error = "buckets not cumulative in " + key;
      return std::nullopt;
    }
    last_bucket[key] = s.value;
  }
  return out;
}

double SumOf(const std::vector<Sample>& samples, const std::string& name,
             const std::map<std::string, std::string>& labels) {
  double sum = 0;
  for (const auto& s : samples) {
    if (s.name != name) continue;
    bool match = true;
    for (const auto& [k, v] : labels) {
      auto it = s.labels.find(k);
      match &= it != s.labels.end() && it->second == v;
    }
    if (match) sum += s.value;
  }
  return sum;
}

int RunServerBinary(const std::vector<std::string>& args,
                    std::string* output) {
  int out_pipe[2];
  if (pipe(out_pipe) != 0) return -1;
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(out_pipe[1], STDERR_FILENO);
    close(out_pipe[0]);
    close(out_pipe[1]);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(CANOPY_SERVER_BIN));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(CANOPY_SERVER_BIN, argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (LeftMs(deadline) > 0) {
    pollfd p{out_pipe[0], POLLIN, 0};
    if (poll(&p, 1, LeftMs(deadline)) <= 0) break;
    char buf[4096];
    const ssize_t n = read(out_pipe[0], buf, sizeof buf);
    if (n <= 0) break;
    output->append(buf, size_t(n));
  }
  close(out_pipe[0]);
  if (LeftMs(deadline) == 0) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace canopy::testing
