// Context-free transaction checks with Bitcoin Core's reject reasons, in Core's order.
#include "consensus/tx_check.h"

#include "consensus/consensus.h"

#include <algorithm>
#include <vector>

bool CheckTransaction(const Transaction& tx, TxValidationState& state) {
    if (tx.vin.empty()) return state.Invalid(TxValidationResult::TX_CONSENSUS, "bad-txns-vin-empty");
    if (tx.vout.empty()) return state.Invalid(TxValidationResult::TX_CONSENSUS, "bad-txns-vout-empty");
    // The witness is not counted: it has not been checked for malleation yet.
    if (tx.GetStrippedSize() * WITNESS_SCALE_FACTOR > MAX_BLOCK_WEIGHT) {
        return state.Invalid(TxValidationResult::TX_CONSENSUS, "bad-txns-oversize");
    }

    // Negative or overflowing output values (CVE-2010-5139). Each value is at most MAX_MONEY before it is
    // added, so the running total cannot overflow int64.
    Amount value_out = 0;
    for (const TxOut& out : tx.vout) {
        if (out.value < 0) return state.Invalid(TxValidationResult::TX_CONSENSUS, "bad-txns-vout-negative");
        if (out.value > MAX_MONEY)
            return state.Invalid(TxValidationResult::TX_CONSENSUS, "bad-txns-vout-toolarge");
        value_out += out.value;
        if (!MoneyRange(value_out)) {
            return state.Invalid(TxValidationResult::TX_CONSENSUS, "bad-txns-txouttotal-toolarge");
        }
    }

    // Duplicate inputs (CVE-2018-17144): nothing later in validation catches them.
    std::vector<const OutPoint*> prevouts;
    prevouts.reserve(tx.vin.size());
    for (const TxIn& in : tx.vin) prevouts.push_back(&in.prevout);
    std::sort(prevouts.begin(), prevouts.end(), [](const OutPoint* a, const OutPoint* b) { return *a < *b; });
    if (std::adjacent_find(prevouts.begin(), prevouts.end(),
                           [](const OutPoint* a, const OutPoint* b) { return *a == *b; }) != prevouts.end()) {
        return state.Invalid(TxValidationResult::TX_CONSENSUS, "bad-txns-inputs-duplicate");
    }

    if (tx.IsCoinBase()) {
        const size_t len = tx.vin[0].script_sig.size();
        if (len < 2 || len > 100) return state.Invalid(TxValidationResult::TX_CONSENSUS, "bad-cb-length");
    } else {
        for (const TxIn& in : tx.vin) {
            if (in.prevout.IsNull())
                return state.Invalid(TxValidationResult::TX_CONSENSUS, "bad-txns-prevout-null");
        }
    }
    return true;
}

unsigned int GetLegacySigOpCount(const Transaction& tx) {
    unsigned int sigops = 0;
    for (const TxIn& in : tx.vin) sigops += in.script_sig.GetSigOpCount(false);
    for (const TxOut& out : tx.vout) sigops += out.script_pubkey.GetSigOpCount(false);
    return sigops;
}
