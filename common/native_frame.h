// The native dialect's framing, shared by server and client.
//
// A native connection opens with the 4-byte magic "CNPY" sent by the client.
// After it, every message in either direction is a 4-byte big-endian length
// followed by that many bytes of a serialized ClientMessage (client to server)
// or ServerMessage (server to client). A length above the receiver's maximum
// frame size is a protocol error that closes the connection.
#ifndef CANOPY_COMMON_NATIVE_FRAME_H_
#define CANOPY_COMMON_NATIVE_FRAME_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace canopy::frame {

inline constexpr char kNativeMagic[4] = {'C', 'N', 'P', 'Y'};
inline constexpr size_t kHeaderBytes = 4;
inline constexpr uint32_t kDefaultMaxFrameBytes = 4 * 1024 * 1024;

inline uint32_t DecodeLength(const void* header) {
  const auto* p = static_cast<const unsigned char*>(header);
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) |
         (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

inline void EncodeLength(uint32_t length, char* out) {
  out[0] = char(length >> 24);
  out[1] = char(length >> 16);
  out[2] = char(length >> 8);
  out[3] = char(length);
}

// Appends one frame (header + serialized message) to out.
template <typename Message>
inline void AppendFrame(const Message& message, std::string* out) {
  const size_t size = message.ByteSizeLong();
  const size_t start = out->size();
  out->resize(start + kHeaderBytes + size);
  EncodeLength(uint32_t(size), out->data() + start);
  message.SerializeWithCachedSizesToArray(
      reinterpret_cast<uint8_t*>(out->data() + start + kHeaderBytes));
}

}  // namespace canopy::frame

#endif  // CANOPY_COMMON_NATIVE_FRAME_H_
