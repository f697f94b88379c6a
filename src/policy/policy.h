// Relay policy (Core's policy/policy.h): standard scripts and transactions, dust, witness standardness, virtual
// size with the sigop adjustment, and the script flags mempool acceptance verifies with.
#pragma once

#include "consensus/consensus.h"
#include "consensus/validation.h"
#include "policy/feerate.h"
#include "primitives/coin.h"
#include "script/interpreter.h"
#include "script/solver.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

/** Default for -blockmaxweight. */
inline constexpr unsigned int DEFAULT_BLOCK_MAX_WEIGHT{MAX_BLOCK_WEIGHT};
/** Default for -blockreservedweight. */
inline constexpr unsigned int DEFAULT_BLOCK_RESERVED_WEIGHT{8000};
/** Default for -blockmintxfee (sat/kvB). */
inline constexpr unsigned int DEFAULT_BLOCK_MIN_TX_FEE{1};
/** Largest transaction weight we relay or mine. */
inline constexpr int32_t MAX_STANDARD_TX_WEIGHT{400'000};
/** Smallest non-witness size we relay: one more than 64 (CVE-2017-12842). */
inline constexpr unsigned int MIN_STANDARD_TX_NONWITNESS_SIZE{65};
/** Most sigops allowed in a standard P2SH redeem script. */
inline constexpr unsigned int MAX_P2SH_SIGOPS{15};
/** Most sigop cost allowed in a standard transaction. */
inline constexpr unsigned int MAX_STANDARD_TX_SIGOPS_COST{MAX_BLOCK_SIGOPS_COST / 5};
/** BIP54: most potentially executed legacy sigops in a standard transaction. */
inline constexpr unsigned int MAX_TX_LEGACY_SIGOPS{2'500};
/** Default for -incrementalrelayfee (sat/kvB). */
inline constexpr unsigned int DEFAULT_INCREMENTAL_RELAY_FEE{100};
/** Default for -bytespersigop. */
inline constexpr unsigned int DEFAULT_BYTES_PER_SIGOP{20};
/** Default for -permitbaremultisig. */
inline constexpr bool DEFAULT_PERMIT_BAREMULTISIG{true};
inline constexpr unsigned int MAX_STANDARD_P2WSH_STACK_ITEMS{100};
inline constexpr unsigned int MAX_STANDARD_P2WSH_STACK_ITEM_SIZE{80};
inline constexpr unsigned int MAX_STANDARD_TAPSCRIPT_STACK_ITEM_SIZE{80};
inline constexpr unsigned int MAX_STANDARD_P2WSH_SCRIPT_SIZE{3600};
inline constexpr unsigned int MAX_STANDARD_SCRIPTSIG_SIZE{1650};
/** Feerate (sat/kvB) that defines dust (-dustrelayfee). */
inline constexpr unsigned int DUST_RELAY_TX_FEE{3000};
/** Default for -minrelaytxfee (sat/kvB). */
inline constexpr unsigned int DEFAULT_MIN_RELAY_TX_FEE{100};
/** Default for -limitclustercount and -limitclustersize (kvB). */
inline constexpr unsigned int DEFAULT_CLUSTER_LIMIT{64};
inline constexpr unsigned int DEFAULT_CLUSTER_SIZE_LIMIT_KVB{101};
/** Defaults of the (deprecated in Core) ancestor/descendant limits. */
inline constexpr unsigned int DEFAULT_ANCESTOR_LIMIT{25};
inline constexpr unsigned int DEFAULT_ANCESTOR_SIZE_LIMIT_KVB{101};
inline constexpr unsigned int DEFAULT_DESCENDANT_LIMIT{25};
inline constexpr unsigned int DEFAULT_DESCENDANT_SIZE_LIMIT_KVB{101};
/** Default for -datacarrier. */
inline constexpr bool DEFAULT_ACCEPT_DATACARRIER = true;
/** Default for -datacarriersize (bytes of OP_RETURN scriptPubKeys in one transaction). */
inline constexpr unsigned int MAX_OP_RETURN_RELAY = MAX_STANDARD_TX_WEIGHT / WITNESS_SCALE_FACTOR;
/** At most this many dust outputs (ephemeral dust) per transaction. */
inline constexpr unsigned int MAX_DUST_OUTPUTS_PER_TX{1};

/** Flags every transaction must satisfy (failure is a consensus failure). */
inline constexpr uint32_t MANDATORY_SCRIPT_VERIFY_FLAGS{SCRIPT_VERIFY_P2SH | SCRIPT_VERIFY_DERSIG |
                                                        SCRIPT_VERIFY_NULLDUMMY | SCRIPT_VERIFY_CHECKLOCKTIMEVERIFY |
                                                        SCRIPT_VERIFY_CHECKSEQUENCEVERIFY | SCRIPT_VERIFY_WITNESS |
                                                        SCRIPT_VERIFY_TAPROOT};
/** Flags standard transactions satisfy. */
inline constexpr uint32_t STANDARD_SCRIPT_VERIFY_FLAGS{
    MANDATORY_SCRIPT_VERIFY_FLAGS | SCRIPT_VERIFY_STRICTENC | SCRIPT_VERIFY_MINIMALDATA |
    SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_NOPS | SCRIPT_VERIFY_CLEANSTACK | SCRIPT_VERIFY_MINIMALIF |
    SCRIPT_VERIFY_NULLFAIL | SCRIPT_VERIFY_LOW_S | SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM |
    SCRIPT_VERIFY_WITNESS_PUBKEYTYPE | SCRIPT_VERIFY_CONST_SCRIPTCODE |
    SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION | SCRIPT_VERIFY_DISCOURAGE_OP_SUCCESS |
    SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_PUBKEYTYPE};
inline constexpr uint32_t STANDARD_NOT_MANDATORY_VERIFY_FLAGS{STANDARD_SCRIPT_VERIFY_FLAGS &
                                                              ~MANDATORY_SCRIPT_VERIFY_FLAGS};
/** Lock-time flags for non-consensus checks (BIP68 on). */
inline constexpr unsigned int STANDARD_LOCKTIME_VERIFY_FLAGS{LOCKTIME_VERIFY_SEQUENCE};

inline constexpr int32_t TX_MIN_STANDARD_VERSION{1};
inline constexpr int32_t TX_MAX_STANDARD_VERSION{3};

/** Smallest value of txout that is not dust at dust_relay_fee (0 for unspendable outputs). */
Amount GetDustThreshold(const TxOut& txout, const FeeRate& dust_relay_fee);
bool IsDust(const TxOut& txout, const FeeRate& dust_relay_fee);
/** Indexes of the dust outputs of tx. */
std::vector<uint32_t> GetDust(const Transaction& tx, const FeeRate& dust_relay_fee);

/** A standard output script (bare multisig only up to x-of-3). */
bool IsStandard(const Script& script_pubkey, TxoutType& type);

/** Output and size standardness; reason gets Core's string ("version", "tx-size", "scriptsig-size",
 *  "scriptsig-not-pushonly", "scriptpubkey", "datacarrier", "bare-multisig", "dust"). max_datacarrier_bytes
 *  nullopt means -datacarrier=0. */
bool IsStandardTx(const Transaction& tx, const std::optional<unsigned>& max_datacarrier_bytes,
                  bool permit_bare_multisig, const FeeRate& dust_relay_fee, std::string& reason);

/** Input standardness ("bad-txns-nonstandard-inputs", with Core's debug texts). spent holds the spent coins in
 *  input order. */
TxValidationState ValidateInputsStandardness(const Transaction& tx, std::span<const Coin> spent);
/** Witness standardness (P2WSH and tapscript limits, no annex, no witness stuffing). */
bool IsWitnessStandard(const Transaction& tx, std::span<const Coin> spent);
/** Whether tx spends a witness program other than pay-to-anchor (directly or P2SH-wrapped). */
bool SpendsNonAnchorWitnessProg(const Transaction& tx, std::span<const Coin> spent);

int64_t GetSigOpsAdjustedWeight(int64_t weight, int64_t sigop_cost, unsigned int bytes_per_sigop);
/** Weight (raised to sigop_cost * bytes_per_sigop) over 4, rounded up. */
int64_t GetVirtualTransactionSize(int64_t weight, int64_t sigop_cost, unsigned int bytes_per_sigop);
int64_t GetVirtualTransactionSize(const Transaction& tx, int64_t sigop_cost, unsigned int bytes_per_sigop);

/** OP_1 <0x4e73> (BIP433 pay-to-anchor). */
bool IsPayToAnchor(const Script& script_pubkey);
