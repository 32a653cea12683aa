#include <openssl/evp.h>
#include <openssl/sha.h>

#include "server/pipeline/pipeline.h"

namespace canopy::pipeline {

std::string DigestId(const std::string& user_colon_password) {
  unsigned char hash[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(user_colon_password.data()),
       user_colon_password.size(), hash);
  unsigned char encoded[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  const int length = EVP_EncodeBlock(encoded, hash, SHA_DIGEST_LENGTH);
  const std::string user =
      user_colon_password.substr(0, user_colon_password.find(':'));
  return user + ":" +
         std::string(reinterpret_cast<const char*>(encoded), size_t(length));
}

}  // namespace canopy::pipeline
