// Contextual transaction rules: finality (BIP113), relative lock-times (BIP68), sigop cost, and the value checks of
// spending coins, with Core's reject reasons. Pure: the caller supplies the spent coins and chain context.
#pragma once

#include "consensus/validation.h"
#include "primitives/coin.h"

#include <functional>
#include <span>
#include <utility>
#include <vector>

/** nLockTime satisfied at block_height / block_time, or every input final. */
bool IsFinalTx(const Transaction& tx, int block_height, int64_t block_time);

/** BIP68 lock: the minimum height and time (both exclusive; -1 for none) before which tx cannot be mined.
 *  prev_heights holds each input's coin height and is zeroed for inputs with locks disabled.
 *  mtp_at(h) returns the median time past of the block at height h on the chain being checked. */
std::pair<int, int64_t> CalculateSequenceLocks(const Transaction& tx, int flags, std::vector<int>& prev_heights,
                                               const std::function<int64_t(int)>& mtp_at);
/** Whether locks are met by a block at block_height whose parent has median time past prev_mtp. */
bool EvaluateSequenceLocks(int block_height, int64_t prev_mtp, std::pair<int, int64_t> lock);

/** Sigops of P2SH redeem scripts among the spent outputs (spent_coins in input order). */
unsigned int GetP2SHSigOpCount(const Transaction& tx, std::span<const Coin> spent_coins);
/** BIP141 sigop cost: legacy and P2SH sigops times 4, plus witness sigops. */
int64_t GetTransactionSigOpCost(const Transaction& tx, std::span<const Coin> spent_coins, uint32_t script_flags);

/** Value rules for spending spent_coins (in input order; a spent Coin means missing): maturity, ranges, fee.
 *  Reasons: bad-txns-inputs-missingorspent, bad-txns-premature-spend-of-coinbase, bad-txns-inputvalues-outofrange,
 *  bad-txns-in-belowout, bad-txns-fee-outofrange. */
bool CheckTxInputs(const Transaction& tx, TxValidationState& state, std::span<const Coin> spent_coins,
                   int spend_height, Amount& fee);
