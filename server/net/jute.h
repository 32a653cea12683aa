// Jute, ZooKeeper's binary record encoding: int (4 bytes) and long (8 bytes)
// big-endian, boolean as one byte, buffer and ustring as an int length and
// the bytes (length -1 is null), vector as an int count (-1 is null) and the
// elements. A record is its fields back to back, with no tags.
#ifndef CANOPY_SERVER_NET_JUTE_H_
#define CANOPY_SERVER_NET_JUTE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace canopy::net::jute {

// Reads jute from bytes it does not own. Every read is bounds-checked: one
// that would pass the end, a negative length other than -1 (null), or a
// vector count the remaining bytes cannot hold fails instead, and so does
// every read after it. Never throws; never allocates more than the input
// holds.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool ReadInt(int32_t* out);
  bool ReadLong(int64_t* out);
  // Any nonzero byte is true, as Java's readBoolean.
  bool ReadBool(bool* out);
  // A buffer: raw bytes; null reads as empty.
  bool ReadBuffer(std::string* out);
  // A ustring: UTF-8 text; null reads as empty. Invalid UTF-8 sequences
  // become U+FFFD, as Java's decoder does, so the result is always valid
  // UTF-8 (a proto3 string field must be).
  bool ReadString(std::string* out);
  // A vector's count; null reads as 0. Fails when the remaining bytes cannot
  // hold count elements of at least min_element_bytes each.
  bool ReadCount(size_t min_element_bytes, int32_t* count);

  size_t remaining() const { return failed_ ? 0 : data_.size() - pos_; }
  bool failed() const { return failed_; }

 private:
  const unsigned char* Take(size_t n);
  bool ReadLengthPrefixed(std::string_view* bytes);
  bool Fail() {
    failed_ = true;
    return false;
  }

  std::string_view data_;
  size_t pos_ = 0;
  bool failed_ = false;
};

// Appends jute to a string. A buffer, string or vector longer than
// INT32_MAX cannot be encoded: the writer then reports !ok() and what it
// wrote must be dropped.
class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}

  void WriteInt(int32_t value);
  void WriteLong(int64_t value);
  void WriteBool(bool value);
  void WriteBuffer(std::string_view bytes);
  void WriteString(std::string_view text) { WriteBuffer(text); }
  void WriteCount(size_t count);

  bool ok() const { return ok_; }

 private:
  std::string* out_;
  bool ok_ = true;
};

// Replaces each invalid UTF-8 sequence of text with U+FFFD.
std::string ToValidUtf8(std::string_view text);

}  // namespace canopy::net::jute

#endif  // CANOPY_SERVER_NET_JUTE_H_
