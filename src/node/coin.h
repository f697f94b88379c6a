// Unspent outputs (Coin) and undo records, with Bitcoin Core's on-disk encodings: VARINT, compressed amounts
// and scripts (chainstate values and rev*.dat records are byte-compatible with Core's).
#pragma once

#include "primitives/coin.h"

#include <cstdint>
#include <limits>
#include <vector>

// ---- VARINT: base-128, most significant group first, each continuation group offset by one -----------

template <typename S>
void WriteVarInt(S& s, uint64_t n)
{
    uint8_t tmp[10];
    int len = 0;
    while (true) {
        tmp[len] = static_cast<uint8_t>((n & 0x7f) | (len ? 0x80 : 0x00));
        if (n <= 0x7f) break;
        n = (n >> 7) - 1;
        ++len;
    }
    do {
        s.write(std::span<const uint8_t>(&tmp[len], 1));
    } while (len--);
}

template <typename S>
uint64_t ReadVarInt(S& s, uint64_t max = std::numeric_limits<uint64_t>::max())
{
    uint64_t n = 0;
    while (true) {
        uint8_t b = ReadLE<uint8_t>(s);
        if (n > (max >> 7)) throw DeserializeError("ReadVarInt(): size too large");
        n = (n << 7) | (b & 0x7f);
        if (!(b & 0x80)) return n;
        if (n == max) throw DeserializeError("ReadVarInt(): size too large");
        ++n;
    }
}

/** Amount compression: strips trailing decimal zeros (most amounts are round). */
uint64_t CompressAmount(uint64_t n);
uint64_t DecompressAmount(uint64_t x);

/** Number of special script encodings (P2PKH, P2SH, 4 kinds of P2PK). */
constexpr unsigned int NUM_SPECIAL_SCRIPTS = 6;

template <typename S>
void WriteCompressedScript(S& s, const Script& script);
/** Oversized scripts (> MAX_SCRIPT_SIZE) decode to a lone OP_RETURN, as in Core: they are unspendable anyway. */
template <typename S>
Script ReadCompressedScript(S& s);

/** Chainstate value encoding: VARINT(height*2+coinbase) then compressed amount and script. */
std::vector<uint8_t> SerializeCoin(const Coin& coin);
Decoded<Coin> DeserializeCoin(std::span<const uint8_t> bytes);

/** Coins spent by one transaction, in input order. */
struct TxUndo {
    std::vector<Coin> prevout;
};
/** Undo data of a block: one TxUndo per non-coinbase transaction. */
struct BlockUndo {
    std::vector<TxUndo> vtxundo;
};

template <typename S>
void SerializeBlockUndo(S& s, const BlockUndo& undo);
template <typename S>
BlockUndo UnserializeBlockUndo(S& s);
std::vector<uint8_t> EncodeBlockUndo(const BlockUndo& undo);
Decoded<BlockUndo> DecodeBlockUndo(std::span<const uint8_t> bytes);

// ---- templates -----------------------------------------------------------------------------------------

namespace coin_detail {
bool CompressScript(const Script& script, std::vector<uint8_t>& out);
bool DecompressScript(Script& script, unsigned int type, std::span<const uint8_t> in);
inline unsigned int SpecialScriptSize(unsigned int type) { return type < 2 ? 20 : type < 6 ? 32 : 0; }
}  // namespace coin_detail

template <typename S>
void WriteCompressedScript(S& s, const Script& script)
{
    std::vector<uint8_t> compressed;
    if (coin_detail::CompressScript(script, compressed)) {
        s.write(compressed);  // the first byte is the type (0..5), itself a one-byte VARINT
        return;
    }
    WriteVarInt(s, script.size() + NUM_SPECIAL_SCRIPTS);
    s.write(script.bytes());
}

template <typename S>
Script ReadCompressedScript(S& s)
{
    uint64_t size = ReadVarInt(s, std::numeric_limits<uint32_t>::max());
    if (size < NUM_SPECIAL_SCRIPTS) {
        std::vector<uint8_t> data(coin_detail::SpecialScriptSize(static_cast<unsigned int>(size)));
        s.read(data);
        Script script;
        if (!coin_detail::DecompressScript(script, static_cast<unsigned int>(size), data)) {
            throw DeserializeError("invalid compressed script");
        }
        return script;
    }
    size -= NUM_SPECIAL_SCRIPTS;
    if (size > MAX_SCRIPT_SIZE) {
        // Skip the bytes in bounded steps; keep an unspendable placeholder.
        uint8_t sink[4096];
        while (size > 0) {
            size_t step = std::min<uint64_t>(size, sizeof(sink));
            s.read(std::span<uint8_t>(sink, step));
            size -= step;
        }
        Script script;
        script << OP_RETURN;
        return script;
    }
    std::vector<uint8_t> bytes(size);
    s.read(bytes);
    return Script(std::move(bytes));
}

template <typename S>
void WriteCompressedTxOut(S& s, const TxOut& out)
{
    WriteVarInt(s, CompressAmount(static_cast<uint64_t>(out.value)));
    WriteCompressedScript(s, out.script_pubkey);
}

template <typename S>
TxOut ReadCompressedTxOut(S& s)
{
    TxOut out;
    out.value = static_cast<Amount>(DecompressAmount(ReadVarInt(s)));
    out.script_pubkey = ReadCompressedScript(s);
    return out;
}

template <typename S>
void SerializeBlockUndo(S& s, const BlockUndo& undo)
{
    WriteCompactSize(s, undo.vtxundo.size());
    for (const TxUndo& txundo : undo.vtxundo) {
        WriteCompactSize(s, txundo.prevout.size());
        for (const Coin& coin : txundo.prevout) {
            WriteVarInt(s, uint64_t(coin.height) * 2 + (coin.coinbase ? 1 : 0));
            // Old undo records carried the creating transaction's version; a zero keeps the format.
            if (coin.height > 0) WriteVarInt(s, 0);
            WriteCompressedTxOut(s, coin.out);
        }
    }
}

template <typename S>
BlockUndo UnserializeBlockUndo(S& s)
{
    BlockUndo undo;
    undo.vtxundo = ReadVector<TxUndo>(s, [](S& st) {
        TxUndo txundo;
        txundo.prevout = ReadVector<Coin>(st, [](S& st2) {
            Coin coin;
            uint64_t code = ReadVarInt(st2, std::numeric_limits<uint32_t>::max());
            coin.height = static_cast<uint32_t>(code >> 1);
            coin.coinbase = code & 1;
            if (coin.height > 0) ReadVarInt(st2, std::numeric_limits<uint32_t>::max());
            coin.out = ReadCompressedTxOut(st2);
            return coin;
        });
        return txundo;
    });
    return undo;
}
