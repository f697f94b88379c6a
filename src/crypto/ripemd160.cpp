// RIPEMD-160 through OpenSSL's low-level interface (it needs no provider).
#include "crypto/hash.h"

#include <openssl/ripemd.h>

void Ripemd160(std::span<const uint8_t> data, uint8_t out[20]) { RIPEMD160(data.data(), data.size(), out); }
