// Transactions: hashes, sizes and decoding of outside bytes.
#include "primitives/transaction.h"

#include "crypto/hash.h"

std::string OutPoint::ToString() const { return hash.GetHex() + ":" + std::to_string(n); }

MutableTransaction::MutableTransaction(const Transaction& tx)
    : version(tx.version), vin(tx.vin), vout(tx.vout), lock_time(tx.lock_time)
{
}

bool MutableTransaction::HasWitness() const
{
    for (const TxIn& in : vin) {
        if (!in.witness.IsNull()) return true;
    }
    return false;
}

uint256 MutableTransaction::GetHash() const
{
    HashWriter w;
    SerializeTransaction(w, *this, false);
    return w.GetHash();
}

namespace {
bool ComputeHasWitness(const std::vector<TxIn>& vin)
{
    for (const TxIn& in : vin) {
        if (!in.witness.IsNull()) return true;
    }
    return false;
}
}  // namespace

Transaction::Transaction(const MutableTransaction& tx) : Transaction(MutableTransaction(tx)) {}

Transaction::Transaction(MutableTransaction&& tx)
    : version(tx.version),
      vin(std::move(tx.vin)),
      vout(std::move(tx.vout)),
      lock_time(tx.lock_time),
      m_has_witness(ComputeHasWitness(vin))
{
    HashWriter w;
    SerializeTransaction(w, *this, false);
    m_txid = w.GetHash();
    if (m_has_witness) {
        HashWriter ww;
        SerializeTransaction(ww, *this, true);
        m_wtxid = ww.GetHash();
    } else {
        m_wtxid = m_txid;
    }
}

Transaction::Transaction(MutableTransaction&& tx, const uint256& txid, const uint256& wtxid)
    : version(tx.version),
      vin(std::move(tx.vin)),
      vout(std::move(tx.vout)),
      lock_time(tx.lock_time),
      m_has_witness(ComputeHasWitness(vin)),
      m_txid(txid),
      m_wtxid(wtxid)
{
}

Amount Transaction::GetValueOut() const
{
    Amount total = 0;
    for (const TxOut& out : vout) total += out.value;
    return total;
}

size_t Transaction::GetTotalSize() const
{
    SizeComputer s;
    SerializeTransaction(s, *this, true);
    return s.size();
}

size_t Transaction::GetStrippedSize() const
{
    SizeComputer s;
    SerializeTransaction(s, *this, false);
    return s.size();
}

int64_t GetTransactionWeight(const Transaction& tx)
{
    return int64_t(tx.GetStrippedSize()) * (WITNESS_SCALE_FACTOR - 1) + int64_t(tx.GetTotalSize());
}

int64_t GetVirtualTransactionSize(int64_t weight) { return (weight + WITNESS_SCALE_FACTOR - 1) / WITNESS_SCALE_FACTOR; }

namespace {
// Core's CheckTxScriptsSanity: used to choose between the two readings of ambiguous bytes.
bool ScriptsLookSane(const MutableTransaction& tx)
{
    const bool coinbase = tx.vin.size() == 1 && tx.vin[0].prevout.IsNull();
    if (!coinbase) {
        for (const TxIn& in : tx.vin) {
            if (!in.script_sig.HasValidOps() || in.script_sig.size() > MAX_SCRIPT_SIZE) return false;
        }
    }
    for (const TxOut& out : tx.vout) {
        if (!out.script_pubkey.HasValidOps() || out.script_pubkey.size() > MAX_SCRIPT_SIZE) return false;
    }
    return true;
}

bool TryDecode(std::span<const uint8_t> bytes, bool with_witness, MutableTransaction& tx, std::string& error)
{
    try {
        SpanReader r(bytes);
        UnserializeTransaction(r, tx, with_witness);
        if (!r.empty()) {
            error = "trailing data";
            return false;
        }
        return true;
    } catch (const DeserializeError& e) {
        error = e.what();
        return false;
    }
}
}  // namespace

Decoded<MutableTransaction> DecodeTransaction(std::span<const uint8_t> bytes, bool try_no_witness, bool try_witness)
{
    Decoded<MutableTransaction> result;
    MutableTransaction extended, legacy;
    std::string error;
    const bool ok_extended = try_witness && TryDecode(bytes, true, extended, error);
    if (ok_extended && ScriptsLookSane(extended)) {
        result.value = std::move(extended);
        return result;
    }
    const bool ok_legacy = try_no_witness && TryDecode(bytes, false, legacy, error);
    if (ok_legacy && ScriptsLookSane(legacy)) {
        result.value = std::move(legacy);
    } else if (ok_extended) {
        result.value = std::move(extended);
    } else if (ok_legacy) {
        result.value = std::move(legacy);
    } else {
        result.error = error.empty() ? "TX decode failed" : error;
    }
    return result;
}

std::vector<uint8_t> EncodeTransaction(const MutableTransaction& tx, bool with_witness)
{
    std::vector<uint8_t> out;
    VectorWriter w(out);
    SerializeTransaction(w, tx, with_witness);
    return out;
}

std::vector<uint8_t> EncodeTransaction(const Transaction& tx, bool with_witness)
{
    std::vector<uint8_t> out;
    VectorWriter w(out);
    SerializeTransaction(w, tx, with_witness);
    return out;
}
