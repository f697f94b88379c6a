// Contextual transaction rules as Bitcoin Core applies them.
#include "consensus/tx_verify.h"

#include "consensus/consensus.h"
#include "consensus/tx_check.h"
#include "script/interpreter.h"
#include "util/strencodings.h"

#include <algorithm>
#include <cassert>

bool IsFinalTx(const Transaction& tx, int block_height, int64_t block_time)
{
    if (tx.lock_time == 0) return true;
    const int64_t lock = tx.lock_time;
    if (lock < (lock < LOCKTIME_THRESHOLD ? int64_t(block_height) : block_time)) return true;
    // A lock-time in the future is still satisfied when every input opted out with SEQUENCE_FINAL.
    for (const TxIn& in : tx.vin) {
        if (in.sequence != TxIn::SEQUENCE_FINAL) return false;
    }
    return true;
}

std::pair<int, int64_t> CalculateSequenceLocks(const Transaction& tx, int flags, std::vector<int>& prev_heights,
                                               const std::function<int64_t(int)>& mtp_at)
{
    assert(prev_heights.size() == tx.vin.size());
    int min_height = -1;
    int64_t min_time = -1;
    // BIP68 applies to version 2+ transactions once CSV is active.
    // Core treats the version as unsigned: 0xffffffff counts as >= 2.
    if (!(static_cast<uint32_t>(tx.version) >= 2 && (flags & LOCKTIME_VERIFY_SEQUENCE))) return {min_height, min_time};
    for (size_t i = 0; i < tx.vin.size(); ++i) {
        const uint32_t seq = tx.vin[i].sequence;
        if (seq & TxIn::SEQUENCE_LOCKTIME_DISABLE_FLAG) {
            prev_heights[i] = 0;
            continue;
        }
        const int coin_height = prev_heights[i];
        if (seq & TxIn::SEQUENCE_LOCKTIME_TYPE_FLAG) {
            // Time locks count from the median time past of the block before the coin's block.
            const int64_t coin_time = mtp_at(std::max(coin_height - 1, 0));
            min_time = std::max(min_time, coin_time +
                                              (int64_t(seq & TxIn::SEQUENCE_LOCKTIME_MASK)
                                               << TxIn::SEQUENCE_LOCKTIME_GRANULARITY) -
                                              1);
        } else {
            min_height = std::max(min_height, coin_height + int(seq & TxIn::SEQUENCE_LOCKTIME_MASK) - 1);
        }
    }
    return {min_height, min_time};
}

bool EvaluateSequenceLocks(int block_height, int64_t prev_mtp, std::pair<int, int64_t> lock)
{
    return !(lock.first >= block_height || lock.second >= prev_mtp);
}

unsigned int GetP2SHSigOpCount(const Transaction& tx, std::span<const Coin> spent_coins)
{
    if (tx.IsCoinBase()) return 0;
    unsigned int n = 0;
    for (size_t i = 0; i < tx.vin.size(); ++i) {
        const Script& spk = spent_coins[i].out.script_pubkey;
        if (spk.IsPayToScriptHash()) n += spk.GetSigOpCount(tx.vin[i].script_sig);
    }
    return n;
}

int64_t GetTransactionSigOpCost(const Transaction& tx, std::span<const Coin> spent_coins, uint32_t script_flags)
{
    int64_t cost = int64_t(GetLegacySigOpCount(tx)) * WITNESS_SCALE_FACTOR;
    if (tx.IsCoinBase()) return cost;
    if (script_flags & SCRIPT_VERIFY_P2SH) cost += int64_t(GetP2SHSigOpCount(tx, spent_coins)) * WITNESS_SCALE_FACTOR;
    for (size_t i = 0; i < tx.vin.size(); ++i) {
        cost += CountWitnessSigOps(tx.vin[i].script_sig, spent_coins[i].out.script_pubkey, &tx.vin[i].witness,
                                   script_flags);
    }
    return cost;
}

bool CheckTxInputs(const Transaction& tx, TxValidationState& state, std::span<const Coin> spent_coins,
                   int spend_height, Amount& fee)
{
    if (spent_coins.size() != tx.vin.size() ||
        std::any_of(spent_coins.begin(), spent_coins.end(), [](const Coin& c) { return c.IsSpent(); })) {
        return state.Invalid(TxValidationResult::TX_MISSING_INPUTS, "bad-txns-inputs-missingorspent",
                             "CheckTxInputs: inputs missing/spent");
    }
    Amount value_in = 0;
    for (const Coin& coin : spent_coins) {
        if (coin.coinbase && spend_height - int64_t(coin.height) < COINBASE_MATURITY) {
            return state.Invalid(TxValidationResult::TX_PREMATURE_SPEND, "bad-txns-premature-spend-of-coinbase",
                                 "tried to spend coinbase at depth " + std::to_string(spend_height - int64_t(coin.height)));
        }
        // Check each value and the running sum before adding further, so the sum cannot overflow.
        if (!MoneyRange(coin.out.value)) {
            return state.Invalid(TxValidationResult::TX_CONSENSUS, "bad-txns-inputvalues-outofrange");
        }
        value_in += coin.out.value;
        if (!MoneyRange(value_in)) {
            return state.Invalid(TxValidationResult::TX_CONSENSUS, "bad-txns-inputvalues-outofrange");
        }
    }
    const Amount value_out = tx.GetValueOut();
    if (value_in < value_out) {
        return state.Invalid(TxValidationResult::TX_CONSENSUS, "bad-txns-in-belowout",
                             "value in (" + FormatMoney(value_in) + ") < value out (" + FormatMoney(value_out) + ")");
    }
    const Amount txfee = value_in - value_out;
    if (!MoneyRange(txfee)) return state.Invalid(TxValidationResult::TX_CONSENSUS, "bad-txns-fee-outofrange");
    fee = txfee;
    return true;
}
