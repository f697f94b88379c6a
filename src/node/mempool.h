// The transaction memory pool (Core's CTxMemPool): entries with fees and sizes, lookups by txid, wtxid and spent
// outpoint, in-mempool parents/children, cluster limits, removal for blocks, conflicts, reorgs, expiry and size,
// the rolling minimum fee, block-template ordering, a coins view over the pool, and mempool.dat persistence.
#pragma once

#include "node/coins.h"
#include "policy/feerate.h"
#include "policy/fees.h"
#include "policy/policy.h"
#include "policy/rbf.h"

#include <array>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

/** Height given to coins created by mempool transactions (Core's MEMPOOL_HEIGHT). */
inline constexpr uint32_t MEMPOOL_HEIGHT = 0x7FFFFFFF;
/** Default for -maxmempool (MB). */
inline constexpr unsigned int DEFAULT_MAX_MEMPOOL_SIZE_MB{300};
/** Default for -mempoolexpiry (hours). */
inline constexpr unsigned int DEFAULT_MEMPOOL_EXPIRY_HOURS{336};
/** Half-life of the rolling minimum fee (seconds). */
inline constexpr int64_t ROLLING_FEE_HALFLIFE = 60 * 60 * 12;

/** BIP68 lock of an entry, valid while the block at max_input_height stays in the chain. */
struct LockPoints {
    int height{0};
    int64_t time{0};
    int max_input_height{0};
};

enum class MemPoolRemovalReason {
    EXPIRY,     //!< older than -mempoolexpiry
    SIZELIMIT,  //!< evicted by TrimToSize
    REORG,      //!< invalid after a reorg (finality, maturity, sequence locks)
    BLOCK,      //!< included in a block
    CONFLICT,   //!< conflicts with a transaction in a block
    REPLACED,   //!< replaced (RBF)
};
std::string RemovalReasonToString(MemPoolRemovalReason reason);

/** One transaction in the pool, with the data policy and mining need. */
struct MempoolEntry {
    TransactionRef tx;
    Amount fee{0};           //!< base fee
    Amount fee_delta{0};     //!< prioritisetransaction adjustment
    int64_t vsize{0};        //!< sigop-adjusted virtual size
    int64_t weight{0};
    int64_t time{0};         //!< entry time (unix seconds)
    unsigned int entry_height{0};  //!< chain height when the entry was added
    uint64_t sequence{0};    //!< order of entry (0 for re-added block transactions)
    bool spends_coinbase{false};
    int64_t sigop_cost{0};
    LockPoints lock_points;
    size_t usage{0};         //!< estimated memory held by this entry
    std::set<uint256> parents;   //!< in-mempool parents (txids)
    std::set<uint256> children;  //!< in-mempool children (txids)

    Amount ModifiedFee() const { return fee + fee_delta; }
    const uint256& Txid() const { return tx->GetHash(); }
};

/** Aggregates over an entry and its in-mempool ancestors or descendants (the entry included). */
struct MempoolAggregate {
    size_t count{0};
    int64_t vsize{0};
    Amount modified_fees{0};
    int64_t sigop_cost{0};
};

struct MempoolOptions {
    int64_t max_size_bytes{int64_t{DEFAULT_MAX_MEMPOOL_SIZE_MB} * 1'000'000};
    int64_t expiry_seconds{int64_t{DEFAULT_MEMPOOL_EXPIRY_HOURS} * 60 * 60};
    FeeRate incremental_relay_feerate{DEFAULT_INCREMENTAL_RELAY_FEE};
    FeeRate min_relay_feerate{DEFAULT_MIN_RELAY_TX_FEE};
    FeeRate dust_relay_feerate{DUST_RELAY_TX_FEE};
    std::optional<unsigned> max_datacarrier_bytes{MAX_OP_RETURN_RELAY};
    bool permit_bare_multisig{DEFAULT_PERMIT_BAREMULTISIG};
    bool require_standard{true};
    bool full_rbf{true};
    unsigned int bytes_per_sigop{DEFAULT_BYTES_PER_SIGOP};
    unsigned int cluster_count{DEFAULT_CLUSTER_LIMIT};
    int64_t cluster_size_vbytes{int64_t{DEFAULT_CLUSTER_SIZE_LIMIT_KVB} * 1000};
    /** Write mempool.dat version 1 (no XOR key), as -persistmempoolv1. */
    bool persist_v1_dat{false};
};

/** The mempool. Not internally synchronised: callers hold m_mutex around every call (Core's pool.cs). */
class TxMemPool
{
public:
    using RemovedCallback = std::function<void(const MempoolEntry&, MemPoolRemovalReason)>;
    using AddedCallback = std::function<void(const MempoolEntry&)>;

    explicit TxMemPool(MempoolOptions opts = {}) : m_opts(std::move(opts)) {}

    mutable std::recursive_mutex m_mutex;
    const MempoolOptions& Options() const { return m_opts; }

    // ---- lookups ---------------------------------------------------------------------------------------
    bool Exists(const uint256& txid) const { return m_entries.count(txid) > 0; }
    bool ExistsWtxid(const uint256& wtxid) const { return m_by_wtxid.count(wtxid) > 0; }
    const MempoolEntry* GetEntry(const uint256& txid) const;
    const MempoolEntry* GetEntryByWtxid(const uint256& wtxid) const;
    TransactionRef Get(const uint256& txid) const;
    /** The mempool transaction spending outpoint, if any (Core's GetConflictTx). */
    const Transaction* GetConflictTx(const OutPoint& outpoint) const;
    bool IsSpent(const OutPoint& outpoint) const { return m_spenders.count(outpoint) > 0; }
    size_t Size() const { return m_entries.size(); }
    int64_t TotalTxSize() const { return m_total_vsize; }
    Amount TotalFee() const { return m_total_fee; }
    /** Estimated memory use compared against -maxmempool. */
    size_t DynamicMemoryUsage() const { return m_usage; }
    uint64_t GetSequence() const { return m_sequence; }
    /** Every txid, in no particular order. */
    std::vector<uint256> Txids() const;
    /** Entries sorted parents-first (by ancestor count, then entry sequence). */
    std::vector<const MempoolEntry*> SortedEntries() const;

    // ---- graph -----------------------------------------------------------------------------------------
    /** In-mempool ancestors of txid (excluding itself). */
    std::set<uint256> CalculateAncestors(const uint256& txid) const;
    /** In-mempool ancestors of a transaction not (yet) in the pool, found through its inputs. */
    std::set<uint256> CalculateAncestors(const Transaction& tx) const;
    /** Adds txid and all its in-mempool descendants to out. */
    void CalculateDescendants(const uint256& txid, std::set<uint256>& out) const;
    MempoolAggregate AncestorAggregate(const uint256& txid) const;
    MempoolAggregate DescendantAggregate(const uint256& txid) const;
    size_t GetAncestorCount(const uint256& txid) const { return AncestorAggregate(txid).count; }
    size_t GetDescendantCount(const uint256& txid) const { return DescendantAggregate(txid).count; }
    /** The connected component (cluster) containing txid. */
    std::set<uint256> GetCluster(const uint256& txid) const;
    /** Number of distinct clusters the given txids belong to. */
    size_t GetUniqueClusterCount(const std::set<uint256>& txids) const;
    /** Whether adding a transaction with these in-mempool parents and size, after removing `removals`, keeps its
     *  cluster within -limitclustercount / -limitclustersize. */
    bool CheckClusterLimits(const std::set<uint256>& parents, int64_t vsize, const std::set<uint256>& removals,
                            size_t count = 1) const;
    /** Chunks (fee, vsize) of the given transactions' clusters, linearized by ancestor-set feerate. With
     *  `adding`, a new transaction (fee, vsize, parents) joins; `removals` are left out. For RBF's diagram check. */
    std::vector<FeeSize> ClusterChunks(const std::set<uint256>& seeds, const std::set<uint256>& removals,
                                       const std::optional<std::pair<FeeSize, std::set<uint256>>>& adding) const;

    // ---- changes ---------------------------------------------------------------------------------------
    /** Adds an entry whose validity the caller has checked (Core's addUnchecked). Applies any prioritisation. */
    void AddUnchecked(MempoolEntry entry);
    /** Removes txid and its descendants (e.g. a transaction found invalid). */
    void RemoveRecursive(const Transaction& tx, MemPoolRemovalReason reason);
    /** Removes the given entries (their descendants must be included by the caller). */
    void RemoveStaged(const std::set<uint256>& txids, MemPoolRemovalReason reason);
    /** A block connected at block_height: removes its transactions and everything conflicting with them, and
     *  clears their prioritisation. Returns the removed entries that were in the block (for fee estimation). */
    std::vector<MempoolEntry> RemoveForBlock(const std::vector<TransactionRef>& block_txs, unsigned int block_height,
                                             int64_t now);
    /** After a reorg: removes every entry (with descendants) for which should_remove returns true. */
    void RemoveForReorg(const std::function<bool(const MempoolEntry&)>& should_remove);
    /** Removes entries (with descendants) that entered before `cutoff`; returns how many were removed. */
    int Expire(int64_t cutoff);
    /** The lowest-feerate chunk of a cluster's linearization and its feerate (fee over sigop-adjusted vsize). */
    std::optional<std::pair<std::vector<uint256>, FeeRate>> WorstChunk(const std::set<uint256>& cluster) const;
    /** Evicts the worst chunk of all clusters until usage <= size_limit (Core's cluster-mempool TrimToSize),
     *  raising the rolling minimum fee to the evicted feerate plus the incremental relay fee.
     *  Outpoints that no mempool transaction spends any more go to *no_spends_remaining. */
    void TrimToSize(size_t size_limit, int64_t now, std::vector<OutPoint>* no_spends_remaining = nullptr);
    /** Minimum feerate to enter the pool: the decaying rolling minimum (at least the incremental relay fee once
     *  non-zero). */
    FeeRate GetMinFee(int64_t now) const { return GetMinFee(m_opts.max_size_bytes, now); }
    FeeRate GetMinFee(size_t size_limit, int64_t now) const;
    void SetRollingMinimumFee(double sat_per_kvb, int64_t now, bool block_since_bump);

    /** prioritisetransaction: adds delta to txid's modified fee (kept for transactions not in the pool yet). */
    void PrioritiseTransaction(const uint256& txid, Amount delta);
    Amount GetFeeDelta(const uint256& txid) const;
    void ClearPrioritisation(const uint256& txid) { m_deltas.erase(txid); }
    const std::map<uint256, Amount>& GetDeltas() const { return m_deltas; }

    void AddUnbroadcastTx(const uint256& txid)
    {
        if (Exists(txid)) m_unbroadcast.insert(txid);
    }
    void RemoveUnbroadcastTx(const uint256& txid) { m_unbroadcast.erase(txid); }
    const std::set<uint256>& GetUnbroadcastTxs() const { return m_unbroadcast; }

    /** Txids in block-template order: repeatedly the best ancestor-feerate package (modified fees), parents
     *  first. Stops before packages below min_feerate. */
    std::vector<uint256> BlockTemplateOrder(const FeeRate& min_feerate = FeeRate()) const;

    /** A chunk of a cluster's linearization: transactions (parents first), modified fee, sigop-adjusted weight. */
    struct Chunk {
        std::vector<uint256> txids;
        Amount fee{0};
        int64_t weight{0};
        size_t cluster{0};  //!< index of the cluster it belongs to
    };
    /** Every chunk in block-building order: clusters are linearized, then chunks merged by feerate (each
     *  cluster's chunks stay in order). */
    std::vector<Chunk> MiningChunks() const;

    struct BlockSelection {
        std::vector<const MempoolEntry*> entries;  //!< in block order
        std::vector<FeeRate> package_feerates;     //!< per included chunk
        int64_t weight{0};                         //!< including the initial weight
        int64_t sigop_cost{0};                     //!< including the initial sigops
        Amount fees{0};                            //!< base fees of the selected transactions
    };
    /** Core's BlockAssembler::addChunks: takes chunks in order while they pay at least min_feerate; a chunk that
     *  would reach max_weight or MAX_BLOCK_SIGOPS_COST, or has a transaction is_final rejects, is skipped with the
     *  rest of its cluster; stops after 1000 consecutive failures once the block is within 4000 WU of full.
     *  initial_weight / initial_sigops account for the header and coinbase (Core: -blockreservedweight, 400). */
    BlockSelection SelectForBlock(int64_t max_weight, int64_t initial_weight, int64_t initial_sigops,
                                  const FeeRate& min_feerate,
                                  const std::function<bool(const Transaction&)>& is_final) const;
    /** Incremented on every addition and removal (getblocktemplate long polling). */
    uint64_t GetTransactionsUpdated() const { return m_transactions_updated; }

    RemovedCallback m_on_removed;
    AddedCallback m_on_added;
    /** When set, confirmed blocks and removals feed it (acceptance reports new entries). Not owned. */
    BlockPolicyEstimator* m_fee_estimator{nullptr};

private:
    void RemoveUnchecked(const uint256& txid, MemPoolRemovalReason reason);
    void TrackPackageRemoved(const FeeRate& rate);

    MempoolOptions m_opts;
    std::map<uint256, MempoolEntry> m_entries;
    std::map<uint256, uint256> m_by_wtxid;
    std::map<OutPoint, uint256> m_spenders;
    std::map<uint256, Amount> m_deltas;
    std::set<uint256> m_unbroadcast;
    int64_t m_total_vsize{0};
    Amount m_total_fee{0};
    size_t m_usage{0};
    uint64_t m_sequence{1};
    uint64_t m_transactions_updated{0};

    mutable double m_rolling_min_fee{0};  // sat/kvB
    mutable int64_t m_last_rolling_update{0};
    mutable bool m_block_since_bump{false};
};

/** bip125-replaceable as getmempoolentry reports it (Core's IsRBFOptIn): the transaction or an in-mempool
 *  ancestor signals; UNKNOWN for transactions not in the pool that do not signal themselves. */
enum class RBFTransactionState { UNKNOWN, REPLACEABLE_BIP125, FINAL };
RBFTransactionState IsRBFOptIn(const Transaction& tx, const TxMemPool& pool);

/** Estimated memory held by one mempool entry. */
size_t EstimateEntryUsage(const Transaction& tx);

/** A coins view seeing the outputs of mempool transactions (height MEMPOOL_HEIGHT) over a base view. It does not
 *  hide coins mempool transactions spend: conflicts are found through the pool itself. */
class CoinsViewMemPool : public CoinsView
{
public:
    CoinsViewMemPool(CoinsView* base, const TxMemPool& pool) : m_base(base), m_pool(pool) {}
    std::optional<Coin> GetCoin(const OutPoint& outpoint) const override;
    uint256 GetBestBlock() const override { return m_base->GetBestBlock(); }
    bool BatchWrite(CoinsMap&, const uint256&, std::string* error) override
    {
        if (error) *error = "CoinsViewMemPool is read-only";
        return false;
    }
    /** Package validation: outputs of a transaction not yet in the pool. */
    void PackageAddTransaction(const TransactionRef& tx);

private:
    CoinsView* m_base;
    const TxMemPool& m_pool;
    std::map<OutPoint, Coin> m_temp_added;
};

/** mempool.dat in Core's format: version 2 with an 8-byte XOR key (or version 1 without), the entries with time
 *  and fee delta, the remaining prioritisation map and the unbroadcast set. */
struct MempoolDump {
    struct Item {
        TransactionRef tx;
        int64_t time{0};
        Amount fee_delta{0};
    };
    std::vector<Item> txs;
    std::map<uint256, Amount> deltas;
    std::set<uint256> unbroadcast;
};
/** Builds the dump of a pool (entries parents-first). */
MempoolDump MakeMempoolDump(const TxMemPool& pool);
/** Writes path atomically (path.new then rename). xor_key nullopt draws a random key; v1 writes no key. */
bool WriteMempoolDat(const MempoolDump& dump, const std::filesystem::path& path, bool v1 = false,
                     std::optional<std::array<uint8_t, 8>> xor_key = std::nullopt, std::string* error = nullptr);
/** Reads a mempool.dat; nullopt (with error) on an unknown version or malformed data. */
std::optional<MempoolDump> ReadMempoolDat(const std::filesystem::path& path, std::string* error = nullptr);
