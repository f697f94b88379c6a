// Fuzz target: transaction decoding. Whatever decodes must re-encode to the same bytes and hash consistently.
#include "crypto/hash.h"
#include "fuzz_check.h"
#include "primitives/transaction.h"

#include <cstdint>
#include <span>

namespace {
void CheckDecoded(std::span<const uint8_t> bytes, const MutableTransaction& mtx)
{
    // Re-encoding with witness reproduces the input whichever reading was chosen: a witness can only come from the
    // BIP144 reading, whose extended encoding is the input; without a witness both encodings are the legacy one, and
    // the only witness-less extended reading (empty vin, flag byte 0, then lock time) re-encodes to the same bytes.
    const auto again = EncodeTransaction(mtx, true);
    FUZZ_CHECK(std::equal(again.begin(), again.end(), bytes.begin(), bytes.end()));

    const Transaction tx(mtx);
    FUZZ_CHECK(tx.HasWitness() == mtx.HasWitness());
    FUZZ_CHECK(tx.GetTotalSize() == bytes.size());
    const auto stripped = EncodeTransaction(tx, false);
    FUZZ_CHECK(tx.GetStrippedSize() == stripped.size());
    FUZZ_CHECK(tx.GetHash() == Hash256(stripped));
    FUZZ_CHECK(tx.GetWitnessHash() == Hash256(bytes));
    FUZZ_CHECK(mtx.GetHash() == tx.GetHash());
    FUZZ_CHECK(GetTransactionWeight(tx) == int64_t(stripped.size()) * 3 + int64_t(bytes.size()));

    // The stripped form read without witness gives the same transaction minus witnesses. (Read with witness allowed
    // it may not: a stripped transaction with no inputs looks like a BIP144 marker; that ambiguity is real.)
    auto legacy = DecodeTransaction(stripped, true, false);
    FUZZ_CHECK(legacy);
    FUZZ_CHECK(legacy->version == mtx.version && legacy->vin == mtx.vin && legacy->vout == mtx.vout &&
           legacy->lock_time == mtx.lock_time);
    FUZZ_CHECK(!legacy->HasWitness());
    FUZZ_CHECK(EncodeTransaction(*legacy, true) == stripped);

    // Witnesses round-trip too (TxIn's == ignores them).
    const MutableTransaction back(tx);
    for (size_t i = 0; i < mtx.vin.size(); ++i) FUZZ_CHECK(back.vin[i].witness == mtx.vin[i].witness);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::span<const uint8_t> bytes(data, size);
    const auto witness = DecodeTransaction(bytes, false, true);
    const auto legacy = DecodeTransaction(bytes, true, false);
    const auto either = DecodeTransaction(bytes, true, true);
    if (witness) CheckDecoded(bytes, *witness.value);
    if (legacy) {
        CheckDecoded(bytes, *legacy.value);
        FUZZ_CHECK(!legacy.value->HasWitness());
    }
    // Core's DecodeHexTx with both readings succeeds exactly when one of them does.
    FUZZ_CHECK(bool(either) == (bool(witness) || bool(legacy)));
    if (either) {
        CheckDecoded(bytes, *either.value);
    } else {
        FUZZ_CHECK(!either.error.empty());
    }
    // A transaction with a witness can only be the BIP144 reading.
    if (either && either.value->HasWitness()) {
        FUZZ_CHECK(witness && EncodeTransaction(*witness.value) == EncodeTransaction(*either.value));
    }
    return 0;
}
