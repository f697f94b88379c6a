// HMAC-SHA512 and HMAC-SHA256 through OpenSSL.
#include "crypto/hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

void HmacSha512(std::span<const uint8_t> key, std::span<const uint8_t> data, uint8_t out[64])
{
    unsigned int len = 64;
    HMAC(EVP_sha512(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out, &len);
}

void HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> data, uint8_t out[32])
{
    unsigned int len = 32;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out, &len);
}
