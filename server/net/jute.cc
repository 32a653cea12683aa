#include "server/net/jute.h"

#include <limits>

namespace canopy::net::jute {
namespace {

constexpr size_t kMaxLength = size_t(std::numeric_limits<int32_t>::max());

// The length of the valid UTF-8 sequence at p (at most n bytes), or 0 when it
// is invalid; then *bad is how many bytes the invalid part spans (the lead
// byte and the continuation bytes that were still acceptable), at least 1.
size_t Utf8Sequence(const unsigned char* p, size_t n, size_t* bad) {
  const unsigned char b = p[0];
  if (b < 0x80) return 1;
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (b >= 0xC2 && b <= 0xDF) {
    need = 1;
  } else if (b >= 0xE0 && b <= 0xEF) {
    need = 2;
    if (b == 0xE0) lo = 0xA0;  // no overlong forms
    if (b == 0xED) hi = 0x9F;  // no surrogates
  } else if (b >= 0xF0 && b <= 0xF4) {
    need = 3;
    if (b == 0xF0) lo = 0x90;  // no overlong forms
    if (b == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    *bad = 1;
    return 0;
  }
  for (size_t i = 1; i <= need; ++i) {
    const bool fits = i < n && (i == 1 ? (p[i] >= lo && p[i] <= hi)
                                       : (p[i] >= 0x80 && p[i] <= 0xBF));
    if (!fits) {
      *bad = i;
      return 0;
    }
  }
  return need + 1;
}

}  // namespace

std::string ToValidUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  std::string out;
  size_t copied = 0;  // text[0, copied) is already in out (when used)
  size_t i = 0;
  bool replaced = false;
  while (i < n) {
    size_t bad = 0;
    const size_t len = Utf8Sequence(p + i, n - i, &bad);
    if (len != 0) {
      i += len;
      continue;
    }
    if (!replaced) {
      out.reserve(n + 2);
      replaced = true;
    }
    out.append(text.data() + copied, i - copied);
    out += "\xEF\xBF\xBD";
    i += bad;
    copied = i;
  }
  if (!replaced) return std::string(text);
  out.append(text.data() + copied, n - copied);
  return out;
}

const unsigned char* Reader::Take(size_t n) {
  if (failed_ || data_.size() - pos_ < n) {
    failed_ = true;
    return nullptr;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(data_.data() + pos_);
  pos_ += n;
  return p;
}

bool Reader::ReadInt(int32_t* out) {
  const unsigned char* p = Take(4);
  if (p == nullptr) return false;
  *out = int32_t((uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) |
                 (uint32_t(p[2]) << 8) | uint32_t(p[3]));
  return true;
}

bool Reader::ReadLong(int64_t* out) {
  const unsigned char* p = Take(8);
  if (p == nullptr) return false;
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  *out = int64_t(v);
  return true;
}

bool Reader::ReadBool(bool* out) {
  const unsigned char* p = Take(1);
  if (p == nullptr) return false;
  *out = p[0] != 0;
  return true;
}

bool Reader::ReadLengthPrefixed(std::string_view* bytes) {
  int32_t length;
  if (!ReadInt(&length)) return false;
  if (length == -1) {
    *bytes = {};
    return true;
  }
  if (length < 0 || size_t(length) > remaining()) return Fail();
  const unsigned char* p = Take(size_t(length));
  if (p == nullptr) return false;
  *bytes = std::string_view(reinterpret_cast<const char*>(p), size_t(length));
  return true;
}

bool Reader::ReadBuffer(std::string* out) {
  std::string_view bytes;
  if (!ReadLengthPrefixed(&bytes)) return false;
  out->assign(bytes.data(), bytes.size());
  return true;
}

bool Reader::ReadString(std::string* out) {
  std::string_view bytes;
  if (!ReadLengthPrefixed(&bytes)) return false;
  *out = ToValidUtf8(bytes);
  return true;
}

bool Reader::ReadCount(size_t min_element_bytes, int32_t* count) {
  int32_t n;
  if (!ReadInt(&n)) return false;
  if (n == -1) {
    *count = 0;
    return true;
  }
  if (n < 0) return Fail();
  if (min_element_bytes == 0) min_element_bytes = 1;
  if (size_t(n) > remaining() / min_element_bytes) return Fail();
  *count = n;
  return true;
}

void Writer::WriteInt(int32_t value) {
  const uint32_t v = uint32_t(value);
  const char bytes[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  out_->append(bytes, 4);
}

void Writer::WriteLong(int64_t value) {
  const uint64_t v = uint64_t(value);
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = char(v >> (56 - 8 * i));
  out_->append(bytes, 8);
}

void Writer::WriteBool(bool value) { out_->push_back(value ? 1 : 0); }

void Writer::WriteBuffer(std::string_view bytes) {
  if (bytes.size() > kMaxLength) {
    ok_ = false;
    return;
  }
  WriteInt(int32_t(bytes.size()));
  out_->append(bytes.data(), bytes.size());
}

void Writer::WriteCount(size_t count) {
  if (count > kMaxLength) {
    ok_ = false;
    return;
  }
  WriteInt(int32_t(count));
}

}  // namespace canopy::net::jute
