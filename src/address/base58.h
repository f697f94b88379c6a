// Base58 and Base58Check text encoding of byte strings (legacy addresses, WIF, BIP32 extended keys).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

/** Base58 text of the bytes; each leading zero byte becomes a leading '1'. */
std::string EncodeBase58(std::span<const uint8_t> input);
/** Decode Base58 text as Core does: leading and trailing whitespace is skipped, anything else outside the
 *  alphabet (including an embedded NUL) fails, and so does a result longer than max_ret_len bytes. */
bool DecodeBase58(const std::string& str, std::vector<uint8_t>& out, int max_ret_len);

/** Base58 of the bytes followed by the first 4 bytes of their HASH256. */
std::string EncodeBase58Check(std::span<const uint8_t> input);
/** DecodeBase58 plus the 4-byte checksum test; out holds the payload (at most max_ret_len bytes), empty on
 *  failure. */
bool DecodeBase58Check(const std::string& str, std::vector<uint8_t>& out, int max_ret_len);
