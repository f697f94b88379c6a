// BIP39 mnemonic sentences: entropy <-> words with the SHA-256 checksum, and the PBKDF2 seed.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

/** The English wordlist, sorted; position is the word's 11-bit value. */
const std::array<const char*, 2048>& Bip39EnglishWordlist();

/** Words for 16..32 bytes of entropy (a multiple of 4), single-space separated; nullopt on a bad length. */
std::optional<std::string> MnemonicFromEntropy(std::span<const uint8_t> entropy);

/** The entropy of a mnemonic (12..24 words, a multiple of 3; words separated by single ASCII spaces or by
 *  U+3000), with its checksum checked; nullopt on an unknown word, a bad count or a wrong checksum. */
std::optional<std::vector<uint8_t>> MnemonicToEntropy(const std::string& mnemonic);

inline bool IsValidMnemonic(const std::string& mnemonic) { return MnemonicToEntropy(mnemonic).has_value(); }

/** PBKDF2-HMAC-SHA512(mnemonic, "mnemonic" + passphrase, 2048 rounds, 64 bytes). BIP39 asks for NFKD of both
 *  strings; this takes them as given, which is the same for ASCII text (the English wordlist and ASCII
 *  passphrases). Callers must wipe the seed (MemoryCleanse) when done. */
std::array<uint8_t, 64> MnemonicToSeed(const std::string& mnemonic, const std::string& passphrase = "");
