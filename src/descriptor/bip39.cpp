// BIP39 mnemonic encoding and seed derivation (PBKDF2 through OpenSSL); intermediate secrets are wiped.
#include "descriptor/bip39.h"

#include "crypto/hash.h"
#include "descriptor/bip32.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

namespace {

int WordIndex(const std::string& word)
{
    const auto& list = Bip39EnglishWordlist();
    auto it = std::lower_bound(list.begin(), list.end(), word,
                               [](const char* a, const std::string& b) { return std::strcmp(a, b.c_str()) < 0; });
    if (it == list.end() || word != *it) return -1;
    return int(it - list.begin());
}

bool GetBit(std::span<const uint8_t> bytes, size_t i) { return (bytes[i / 8] >> (7 - i % 8)) & 1; }

} // namespace

std::optional<std::string> MnemonicFromEntropy(std::span<const uint8_t> entropy)
{
    if (entropy.size() < 16 || entropy.size() > 32 || entropy.size() % 4 != 0) return std::nullopt;
    uint256 hash = Sha256Hash(entropy);
    std::vector<uint8_t> bits(entropy.begin(), entropy.end());
    bits.insert(bits.end(), hash.begin(), hash.end());
    const size_t total_bits = entropy.size() * 8 + entropy.size() / 4;  // ENT + ENT/32 checksum bits
    const auto& list = Bip39EnglishWordlist();
    std::string ret;
    for (size_t w = 0; w < total_bits / 11; ++w) {
        unsigned idx = 0;
        for (size_t b = 0; b < 11; ++b) idx = (idx << 1) | GetBit(bits, w * 11 + b);
        if (w) ret += ' ';
        ret += list[idx];
    }
    MemoryCleanse(bits.data(), bits.size());
    return ret;
}

std::optional<std::vector<uint8_t>> MnemonicToEntropy(const std::string& mnemonic)
{
    // Split on ASCII space or the ideographic space U+3000 (E3 80 80), which Japanese sentences use.
    std::vector<std::string> words;
    std::string cur;
    for (size_t i = 0; i < mnemonic.size();) {
        if (mnemonic[i] == ' ' || mnemonic.compare(i, 3, "\xe3\x80\x80") == 0) {
            if (cur.empty()) return std::nullopt;
            words.push_back(std::move(cur));
            cur.clear();
            i += mnemonic[i] == ' ' ? 1 : 3;
            continue;
        }
        cur += mnemonic[i++];
        if (cur.size() > 16) return std::nullopt;
    }
    if (cur.empty()) return std::nullopt;
    words.push_back(std::move(cur));
    if (words.size() < 12 || words.size() > 24 || words.size() % 3 != 0) return std::nullopt;

    const size_t total_bits = words.size() * 11;
    const size_t cs_bits = total_bits / 33;
    const size_t ent_bits = total_bits - cs_bits;
    std::vector<uint8_t> bits((total_bits + 7) / 8, 0);
    for (size_t w = 0; w < words.size(); ++w) {
        int idx = WordIndex(words[w]);
        if (idx < 0) return std::nullopt;
        for (size_t b = 0; b < 11; ++b) {
            if ((idx >> (10 - b)) & 1) {
                size_t pos = w * 11 + b;
                bits[pos / 8] |= uint8_t(0x80 >> (pos % 8));
            }
        }
    }
    std::vector<uint8_t> entropy(bits.begin(), bits.begin() + ent_bits / 8);
    uint256 hash = Sha256Hash(entropy);
    bool ok = true;
    for (size_t i = 0; i < cs_bits; ++i) {
        if (GetBit(bits, ent_bits + i) != GetBit(std::span<const uint8_t>(hash.begin(), 32), i)) ok = false;
    }
    MemoryCleanse(bits.data(), bits.size());
    for (auto& w : words) MemoryCleanse(w.data(), w.size());
    if (!ok) {
        MemoryCleanse(entropy.data(), entropy.size());
        return std::nullopt;
    }
    return entropy;
}

std::array<uint8_t, 64> MnemonicToSeed(const std::string& mnemonic, const std::string& passphrase)
{
    std::string salt = "mnemonic" + passphrase;
    std::array<uint8_t, 64> seed{};
    PKCS5_PBKDF2_HMAC(mnemonic.data(), int(mnemonic.size()), reinterpret_cast<const unsigned char*>(salt.data()),
                      int(salt.size()), 2048, EVP_sha512(), int(seed.size()), seed.data());
    MemoryCleanse(salt.data(), salt.size());
    return seed;
}
