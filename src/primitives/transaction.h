// Transactions: outpoints, inputs, outputs, witness, and their (segwit-aware) serialization and hashes.
#pragma once

#include "primitives/script.h"
#include "primitives/serialize.h"
#include "util/uint256.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

/** Amounts in satoshis. */
using Amount = int64_t;
constexpr Amount COIN = 100000000;
/** No amount larger than this (in satoshi) is valid (consensus). */
constexpr Amount MAX_MONEY = 21000000 * COIN;
inline bool MoneyRange(Amount v) { return v >= 0 && v <= MAX_MONEY; }

/** Witness scale factor of BIP141. */
constexpr int WITNESS_SCALE_FACTOR = 4;

struct OutPoint {
    static constexpr uint32_t NULL_INDEX = 0xffffffff;
    uint256 hash;
    uint32_t n{NULL_INDEX};

    OutPoint() = default;
    OutPoint(const uint256& h, uint32_t i) : hash(h), n(i) {}
    bool IsNull() const { return hash.IsNull() && n == NULL_INDEX; }
    std::string ToString() const;
    friend auto operator<=>(const OutPoint&, const OutPoint&) = default;
    friend bool operator==(const OutPoint&, const OutPoint&) = default;
};

struct TxIn {
    static constexpr uint32_t SEQUENCE_FINAL = 0xffffffff;
    /** BIP125 / BIP68 sequence constants. */
    static constexpr uint32_t MAX_SEQUENCE_NONFINAL = SEQUENCE_FINAL - 1;
    static constexpr uint32_t SEQUENCE_LOCKTIME_DISABLE_FLAG = 1U << 31;
    static constexpr uint32_t SEQUENCE_LOCKTIME_TYPE_FLAG = 1U << 22;
    static constexpr uint32_t SEQUENCE_LOCKTIME_MASK = 0x0000ffff;
    static constexpr int SEQUENCE_LOCKTIME_GRANULARITY = 9;

    OutPoint prevout;
    Script script_sig;
    uint32_t sequence{SEQUENCE_FINAL};
    ScriptWitness witness;

    friend bool operator==(const TxIn& a, const TxIn& b)
    {
        return a.prevout == b.prevout && a.script_sig == b.script_sig && a.sequence == b.sequence;
    }
};

struct TxOut {
    Amount value{-1};
    Script script_pubkey;

    TxOut() = default;
    TxOut(Amount v, Script spk) : value(v), script_pubkey(std::move(spk)) {}
    bool IsNull() const { return value == -1; }
    friend bool operator==(const TxOut&, const TxOut&) = default;
};

class Transaction;

/** A transaction under construction. */
struct MutableTransaction {
    int32_t version{2};
    std::vector<TxIn> vin;
    std::vector<TxOut> vout;
    uint32_t lock_time{0};

    MutableTransaction() = default;
    explicit MutableTransaction(const Transaction& tx);
    bool HasWitness() const;
    uint256 GetHash() const;
};

/** An immutable transaction with its txid and wtxid computed once. */
class Transaction
{
public:
    const int32_t version;
    const std::vector<TxIn> vin;
    const std::vector<TxOut> vout;
    const uint32_t lock_time;

    explicit Transaction(const MutableTransaction& tx);
    explicit Transaction(MutableTransaction&& tx);
    /** With hashes the caller computed from the exact serialized bytes it just decoded (block decoding). */
    Transaction(MutableTransaction&& tx, const uint256& txid, const uint256& wtxid);

    const uint256& GetHash() const { return m_txid; }
    const uint256& GetWitnessHash() const { return m_wtxid; }
    bool IsCoinBase() const { return vin.size() == 1 && vin[0].prevout.IsNull(); }
    bool HasWitness() const { return m_has_witness; }
    /** Sum of output values; caller must have checked ranges (CheckTransaction). */
    Amount GetValueOut() const;
    /** Serialized size with or without witness. */
    size_t GetTotalSize() const;
    size_t GetStrippedSize() const;

private:
    bool m_has_witness;
    uint256 m_txid;
    uint256 m_wtxid;
};

using TransactionRef = std::shared_ptr<const Transaction>;
inline TransactionRef MakeTransactionRef(MutableTransaction tx) { return std::make_shared<const Transaction>(std::move(tx)); }

// ---- serialization -------------------------------------------------------------------------------------

template <typename S>
void SerializeOutPoint(S& s, const OutPoint& o)
{
    WriteBlob(s, o.hash);
    WriteLE(s, o.n);
}

template <typename S>
void SerializeTxOut(S& s, const TxOut& o)
{
    WriteLE(s, o.value);
    WriteBytes(s, o.script_pubkey.bytes());
}

/** Network serialization; with_witness selects the BIP144 extended format (used only when a witness exists). */
template <typename S, typename Tx>
void SerializeTransaction(S& s, const Tx& tx, bool with_witness)
{
    WriteLE(s, tx.version);
    const bool extended = with_witness && tx.HasWitness();
    if (extended) {
        WriteCompactSize(s, 0);  // marker: an empty vin
        WriteLE<S, uint8_t>(s, 1);  // flag
    }
    WriteCompactSize(s, tx.vin.size());
    for (const TxIn& in : tx.vin) {
        SerializeOutPoint(s, in.prevout);
        WriteBytes(s, in.script_sig.bytes());
        WriteLE(s, in.sequence);
    }
    WriteCompactSize(s, tx.vout.size());
    for (const TxOut& out : tx.vout) SerializeTxOut(s, out);
    if (extended) {
        for (const TxIn& in : tx.vin) {
            WriteCompactSize(s, in.witness.stack.size());
            for (const auto& item : in.witness.stack) WriteBytes(s, item);
        }
    }
    WriteLE(s, tx.lock_time);
}

/** Reads a transaction as Core's UnserializeTransaction, including its error texts. */
template <typename S>
void UnserializeTransaction(S& s, MutableTransaction& tx, bool allow_witness)
{
    auto read_in = [](S& st) {
        TxIn in;
        in.prevout.hash = ReadUint256(st);
        in.prevout.n = ReadLE<uint32_t>(st);
        in.script_sig = Script(ReadBytes(st));
        in.sequence = ReadLE<uint32_t>(st);
        return in;
    };
    auto read_out = [](S& st) {
        TxOut out;
        out.value = ReadLE<int64_t>(st);
        out.script_pubkey = Script(ReadBytes(st));
        return out;
    };
    tx.version = ReadLE<int32_t>(s);
    uint8_t flags = 0;
    tx.vin = ReadVector<TxIn>(s, read_in);
    tx.vout.clear();
    if (tx.vin.empty() && allow_witness) {
        // An empty vin is the BIP144 marker; the next byte holds the flags.
        flags = ReadLE<uint8_t>(s);
        if (flags != 0) {
            tx.vin = ReadVector<TxIn>(s, read_in);
            tx.vout = ReadVector<TxOut>(s, read_out);
        }
    } else {
        tx.vout = ReadVector<TxOut>(s, read_out);
    }
    if ((flags & 1) && allow_witness) {
        flags ^= 1;
        for (TxIn& in : tx.vin) {
            in.witness.stack = ReadVector<std::vector<uint8_t>>(s, [](S& st) { return ReadBytes(st); });
        }
        if (!tx.HasWitness()) throw DeserializeError("Superfluous witness record");
    }
    if (flags) throw DeserializeError("Unknown transaction optional data");
    tx.lock_time = ReadLE<uint32_t>(s);
}

/** Result of decoding outside bytes: the value, or the reason it failed. */
template <typename T>
struct Decoded {
    std::optional<T> value;
    std::string error;
    explicit operator bool() const { return value.has_value(); }
    T& operator*() { return *value; }
    T* operator->() { return &*value; }
};

/** Decodes exactly one transaction from bytes (no trailing data). try_no_witness/try_witness mirror Core's
 *  DecodeHexTx heuristics: with both, the extended format is tried first and must consume all bytes. */
Decoded<MutableTransaction> DecodeTransaction(std::span<const uint8_t> bytes, bool try_no_witness = false,
                                              bool try_witness = true);
std::vector<uint8_t> EncodeTransaction(const MutableTransaction& tx, bool with_witness = true);
std::vector<uint8_t> EncodeTransaction(const Transaction& tx, bool with_witness = true);

/** BIP141 weight: stripped size * 3 + total size. */
int64_t GetTransactionWeight(const Transaction& tx);
/** Virtual size: weight / 4 rounded up. */
int64_t GetVirtualTransactionSize(int64_t weight);
