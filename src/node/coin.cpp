// Coin and undo encodings compatible with Bitcoin Core's chainstate and rev*.dat files.
#include "node/coin.h"

#include "crypto/pubkey.h"

#include <cstring>

uint64_t CompressAmount(uint64_t n)
{
    if (n == 0) return 0;
    int e = 0;
    while ((n % 10) == 0 && e < 9) {
        n /= 10;
        e++;
    }
    if (e < 9) {
        const uint64_t d = n % 10;
        n /= 10;
        return 1 + (n * 9 + d - 1) * 10 + e;
    }
    return 1 + (n - 1) * 10 + 9;
}

uint64_t DecompressAmount(uint64_t x)
{
    if (x == 0) return 0;
    x--;
    int e = static_cast<int>(x % 10);
    x /= 10;
    uint64_t n;
    if (e < 9) {
        const uint64_t d = (x % 9) + 1;
        x /= 9;
        n = x * 10 + d;
    } else {
        n = x + 1;
    }
    while (e--) n *= 10;
    return n;
}

namespace coin_detail {
bool CompressScript(const Script& script, std::vector<uint8_t>& out)
{
    const auto& b = script.bytes();
    if (b.size() == 25 && b[0] == OP_DUP && b[1] == OP_HASH160 && b[2] == 20 && b[23] == OP_EQUALVERIFY &&
        b[24] == OP_CHECKSIG) {
        out.assign(21, 0x00);
        std::memcpy(&out[1], &b[3], 20);
        return true;
    }
    if (script.IsPayToScriptHash()) {
        out.assign(21, 0x01);
        std::memcpy(&out[1], &b[2], 20);
        return true;
    }
    if (b.size() == 35 && b[0] == 33 && b[34] == OP_CHECKSIG && (b[1] == 0x02 || b[1] == 0x03)) {
        out.assign(33, b[1]);
        std::memcpy(&out[1], &b[2], 32);
        return true;
    }
    if (b.size() == 67 && b[0] == 65 && b[66] == OP_CHECKSIG && b[1] == 0x04) {
        // Only keys on the curve can be rebuilt from x and the parity of y.
        PubKey key(std::span<const uint8_t>(&b[1], 65));
        if (!key.IsFullyValid()) return false;
        out.assign(33, static_cast<uint8_t>(0x04 | (b[65] & 0x01)));
        std::memcpy(&out[1], &b[2], 32);
        return true;
    }
    return false;
}

bool DecompressScript(Script& script, unsigned int type, std::span<const uint8_t> in)
{
    std::vector<uint8_t> b;
    switch (type) {
    case 0x00:
        b = {OP_DUP, OP_HASH160, 20};
        b.insert(b.end(), in.begin(), in.begin() + 20);
        b.push_back(OP_EQUALVERIFY);
        b.push_back(OP_CHECKSIG);
        break;
    case 0x01:
        b = {OP_HASH160, 20};
        b.insert(b.end(), in.begin(), in.begin() + 20);
        b.push_back(OP_EQUAL);
        break;
    case 0x02:
    case 0x03:
        b = {33, static_cast<uint8_t>(type)};
        b.insert(b.end(), in.begin(), in.begin() + 32);
        b.push_back(OP_CHECKSIG);
        break;
    case 0x04:
    case 0x05: {
        uint8_t compressed[33];
        compressed[0] = static_cast<uint8_t>(type - 2);
        std::memcpy(compressed + 1, in.data(), 32);
        PubKey key(compressed);
        if (!key.Decompress()) return false;
        b = {65};
        b.insert(b.end(), key.begin(), key.end());
        b.push_back(OP_CHECKSIG);
        break;
    }
    default:
        return false;
    }
    script = Script(std::move(b));
    return true;
}
}  // namespace coin_detail

std::vector<uint8_t> SerializeCoin(const Coin& coin)
{
    std::vector<uint8_t> out;
    VectorWriter w(out);
    WriteVarInt(w, uint64_t(coin.height) * 2 + (coin.coinbase ? 1 : 0));
    WriteCompressedTxOut(w, coin.out);
    return out;
}

Decoded<Coin> DeserializeCoin(std::span<const uint8_t> bytes)
{
    Decoded<Coin> result;
    try {
        SpanReader r(bytes);
        Coin coin;
        uint64_t code = ReadVarInt(r, std::numeric_limits<uint32_t>::max());
        coin.height = static_cast<uint32_t>(code >> 1);
        coin.coinbase = code & 1;
        coin.out = ReadCompressedTxOut(r);
        if (!r.empty()) {
            result.error = "trailing data";
        } else {
            result.value = std::move(coin);
        }
    } catch (const DeserializeError& e) {
        result.error = e.what();
    }
    return result;
}

std::vector<uint8_t> EncodeBlockUndo(const BlockUndo& undo)
{
    std::vector<uint8_t> out;
    VectorWriter w(out);
    SerializeBlockUndo(w, undo);
    return out;
}

Decoded<BlockUndo> DecodeBlockUndo(std::span<const uint8_t> bytes)
{
    Decoded<BlockUndo> result;
    try {
        SpanReader r(bytes);
        BlockUndo undo = UnserializeBlockUndo(r);
        if (!r.empty()) {
            result.error = "trailing data";
        } else {
            result.value = std::move(undo);
        }
    } catch (const DeserializeError& e) {
        result.error = e.what();
    }
    return result;
}
