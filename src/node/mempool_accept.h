// Mempool acceptance (Core's MemPoolAccept for single transactions): PreChecks, ReplacementChecks,
// PolicyScriptChecks, ConsensusScriptChecks, Finalize, with Core's reject reasons, against a small chain interface.
#pragma once

#include "consensus/validation.h"
#include "node/mempool.h"

#include <map>
#include <optional>
#include <vector>

/** What acceptance needs to know of the active chain. The chainstate implements it. */
class MempoolChainContext
{
public:
    virtual ~MempoolChainContext() = default;
    /** Height of the active tip. The mempool holds transactions for the next block (TipHeight() + 1). */
    virtual int TipHeight() const = 0;
    /** Median time past of the tip (BIP113: lock times are checked against it). */
    virtual int64_t TipMedianTimePast() const = 0;
    /** Median time past of the active-chain block at height (0 <= height <= TipHeight()), for BIP68. */
    virtual int64_t MedianTimePastAt(int height) const = 0;
    /** The UTXO set at the tip (usually the chainstate's CoinsViewCache). */
    virtual CoinsView& TipCoins() = 0;
    /** Consensus script flags of the next block (Core's GetBlockScriptFlags at the tip). */
    virtual uint32_t BlockScriptFlags() const = 0;
    /** Current time (unix seconds) for expiry and the rolling minimum fee; tests override it. */
    virtual int64_t Now() const;
    /** Whether the chain is synced enough for fee estimation (Core: not in IBD, tip recent, headers caught up). */
    virtual bool IsCurrentForFeeEstimation() const { return true; }
    /** Whether the tip's coins cache holds outpoint already; coins it did not hold before a failed acceptance are
     *  handed to Uncache (Core's coins_to_uncache). Optional. */
    virtual bool HaveCoinInCache(const OutPoint& outpoint) const
    {
        (void)outpoint;
        return false;
    }
    /** Called for coins that acceptance looked up but did not keep (Core uncaches them); optional. */
    virtual void Uncache(const OutPoint& outpoint) { (void)outpoint; }
};

struct MempoolAcceptResult {
    /** MEMPOOL_ENTRY: already in the pool (packages); DIFFERENT_WITNESS: same txid with another witness is. */
    enum class ResultType { VALID, INVALID, MEMPOOL_ENTRY, DIFFERENT_WITNESS };
    ResultType result_type{ResultType::INVALID};
    TxValidationState state;
    /** Transactions removed by this replacement (VALID only). */
    std::vector<TransactionRef> replaced_transactions;
    std::optional<int64_t> vsize;
    std::optional<Amount> base_fees;
    /** Modified fees over vsize; set on VALID and on fee failures (TX_RECONSIDERABLE). */
    std::optional<FeeRate> effective_feerate;
    /** Wtxids whose fees and sizes made effective_feerate. */
    std::vector<uint256> wtxids_fee_calculations;
    /** DIFFERENT_WITNESS: the wtxid of the transaction in the pool. */
    std::optional<uint256> other_wtxid;

    bool IsValid() const { return result_type == ResultType::VALID; }
};

/** Validates tx against the chain tip and the pool and (unless test_accept) adds it, replacing conflicts.
 *  accept_time is the entry time recorded. bypass_limits (re-adding block transactions after a reorg) skips the
 *  fee floor, TRUC and size trimming. */
MempoolAcceptResult AcceptToMemoryPool(TxMemPool& pool, MempoolChainContext& context, const TransactionRef& tx,
                                       int64_t accept_time, bool bypass_limits, bool test_accept);

/** Package limits (Core's policy/packages.h). */
inline constexpr uint32_t MAX_PACKAGE_COUNT{25};
inline constexpr uint32_t MAX_PACKAGE_WEIGHT{404'000};

enum class PackageValidationResult {
    PCKG_RESULT_UNSET = 0,  //!< initial value
    PCKG_POLICY,            //!< the package itself is invalid (e.g. too many transactions)
    PCKG_TX,                //!< at least one transaction is invalid
    PCKG_MEMPOOL_ERROR,     //!< mempool logic error
};
class PackageValidationState : public ValidationState<PackageValidationResult>
{
};

struct PackageMempoolAcceptResult {
    PackageValidationState state;
    /** Per wtxid; transactions not reached may be missing. */
    std::map<uint256, MempoolAcceptResult> tx_results;
};

/** Well-formedness: count, total weight, duplicates, topological order, no conflicts inside (Core's reasons
 *  "package-too-many-transactions", "package-too-large", "package-contains-duplicates", "package-not-sorted",
 *  "conflict-in-package"). */
bool IsWellFormedPackage(const std::vector<TransactionRef>& txns, PackageValidationState& state);
/** The last transaction spends an output of each of the others. */
bool IsChildWithParents(const std::vector<TransactionRef>& txns);

/** submitpackage (test_accept false) and testmempoolaccept (true) for a child with its parents: Core's
 *  AcceptPackage: each transaction alone first, then the ones that failed on fees or missing inputs together at
 *  their package feerate (with 1-parent-1-child package RBF). */
PackageMempoolAcceptResult AcceptPackage(TxMemPool& pool, MempoolChainContext& context,
                                         const std::vector<TransactionRef>& txns, int64_t accept_time,
                                         bool test_accept);

/** Re-checks pool entries after the tip changed by a reorg (Core's removeForReorg predicate): drops entries that
 *  are no longer final, no longer meet BIP68, or spend an immature coinbase, with their descendants. */
void RemoveForReorg(TxMemPool& pool, MempoolChainContext& context);

/** After disconnecting blocks: re-adds their transactions (oldest block first, bypassing limits), then removes
 *  what became invalid and trims to size (Core's MaybeUpdateMempoolForReorg). */
void UpdateMempoolForReorg(TxMemPool& pool, MempoolChainContext& context,
                           const std::vector<TransactionRef>& disconnected_txs, bool add_to_mempool);

/** Loads a mempool.dat: entries not expired are accepted with their saved time; prioritisation and the
 *  unbroadcast set are restored. Returns false when the file cannot be read. */
struct MempoolLoadStats {
    int64_t count{0}, failed{0}, expired{0}, already_there{0};
};
bool LoadMempool(TxMemPool& pool, MempoolChainContext& context, const std::filesystem::path& path,
                 MempoolLoadStats* stats = nullptr);
bool DumpMempool(const TxMemPool& pool, const std::filesystem::path& path, std::string* error = nullptr);
