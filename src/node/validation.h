// The chainstate: the block index, the active chain and its UTXO set, and the rules that move the tip
// (accept headers and blocks, connect and disconnect, pick the most-work chain, flush, recover after a crash).
#pragma once

#include "chain/block_index.h"
#include "chain/params.h"
#include "consensus/validation.h"
#include "node/block_tree_db.h"
#include "node/blockfiles.h"
#include "node/checkqueue.h"
#include "node/coins.h"
#include "script/interpreter.h"

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

/** Blocks at least this far below the tip are never pruned (Core's MIN_BLOCKS_TO_KEEP). */
constexpr int MIN_BLOCKS_TO_KEEP = 288;
/** Pruning keeps at least this many MiB of block files (Core's MIN_DISK_SPACE_FOR_BLOCK_FILES). */
constexpr uint64_t MIN_PRUNE_TARGET_MIB = 550;
/** A block may be at most this far ahead of our clock. */
constexpr int64_t MAX_FUTURE_BLOCK_TIME = 2 * 60 * 60;

/** New block subsidy at height (halving every subsidy_halving_interval blocks). */
Amount GetBlockSubsidy(int height, const ConsensusParams& params);
/** Script flags for a block (P2SH, WITNESS, TAPROOT always on, except historical exception blocks). */
uint32_t GetBlockScriptFlags(const BlockIndex& index, const ConsensusParams& params);

/** What other parts of the node learn about chain changes (wallet, indexes, mempool, P2P, dashboard). Called with
 *  the chainstate lock held, in order. */
class ValidationNotifications
{
public:
    virtual ~ValidationNotifications() = default;
    virtual void BlockConnected(const Block& block, const BlockIndex& index) { (void)block, (void)index; }
    virtual void BlockDisconnected(const Block& block, const BlockIndex& index) { (void)block, (void)index; }
    virtual void UpdatedBlockTip(const BlockIndex& tip, const BlockIndex* fork, bool initial_download)
    {
        (void)tip, (void)fork, (void)initial_download;
    }
    /** Long operations (reindex, replay, verify) report progress in percent. */
    virtual void Progress(const std::string& title, int percent) { (void)title, (void)percent; }
    /** A local failure (disk full, corrupt data) that should stop the node. */
    virtual void FatalError(const std::string& message) { (void)message; }
    /** A transaction entered the mempool (RPC, P2P or a wallet); called without the chainstate lock. */
    virtual void TransactionAddedToMempool(const TransactionRef& tx) { (void)tx; }
};

/** One input's script verification, run inline or on the script check threads (Core's CScriptCheck). */
struct ScriptCheck {
    TxOut spent;
    const Transaction* tx{nullptr};
    unsigned int input{0};
    uint32_t flags{0};
    const PrecomputedTransactionData* txdata{nullptr};
    /** nullopt when the input verifies; else the script error and Core's debug text naming the input. */
    std::optional<std::pair<ScriptError, std::string>> operator()() const;
};

/** Core's -par limits: at most this many script check threads, batches of this many checks. */
constexpr int MAX_SCRIPTCHECK_THREADS = 15;
constexpr unsigned SCRIPT_CHECK_BATCH_SIZE = 128;
/** Extra script check threads for -par=<n> (Core's rule: n <= 0 adds the core count; minus the validating thread,
 *  clamped to [0, 15]). */
int ScriptCheckThreadsFromPar(int64_t par, int cores);

enum class FlushMode {
    IF_NEEDED,  // only when caches are over their limits
    PERIODIC,   // also when enough time passed since the last write
    ALWAYS,
};

struct ChainstateOptions {
    std::filesystem::path data_dir;  // the per-chain directory (blocks/, blocks/index/, chainstate/)
    const ChainParams* params{nullptr};
    size_t coins_cache_bytes{450 << 20};  // -dbcache, most of it
    size_t coins_db_cache_bytes{8 << 20};
    size_t block_tree_cache_bytes{2 << 20};
    uint64_t prune_target_bytes{0};  // 0: keep everything
    bool reindex{false};             // rebuild index and chainstate from blk files
    bool reindex_chainstate{false};  // rebuild the UTXO set from stored blocks
    bool blocks_xor{true};
    uint256 assume_valid;  // skip script checks below this block when safe (null: check all)
    bool memory_only{false};  // tests: databases in memory (block files still on disk)
    std::function<int64_t()> now;  // adjusted time in seconds (mockable)
    int script_check_threads{0};  // extra threads verifying input scripts (0: inline, as -par=1)
    ValidationNotifications* notifications{nullptr};
};

class ChainstateManager
{
public:
    /** Opens or creates the chainstate, recovering from an interrupted flush or connecting stored blocks that were
     *  not yet connected. nullptr and *error (with what to do next) on failure. */
    static std::unique_ptr<ChainstateManager> Load(const ChainstateOptions& options, std::string* error);
    ~ChainstateManager();

    /** The lock that guards everything below (Core's cs_main). Public calls take it themselves. */
    std::recursive_mutex& Mutex() const { return m_mutex; }

    /** Checks, stores and (if it leads to the most work) connects a block. new_block tells whether it was new.
     *  Returns false when the block was invalid (state says why) or on a local error. */
    bool ProcessNewBlock(const std::shared_ptr<const Block>& block, bool force_processing, bool min_pow_checked,
                         bool* new_block, BlockValidationState* state_out = nullptr);
    /** Accepts headers (P2P header sync, submitheader). last receives the entry of the last one accepted. */
    bool ProcessNewBlockHeaders(std::span<const BlockHeader> headers, bool min_pow_checked, BlockValidationState& state,
                                const BlockIndex** last = nullptr);
    /** Moves the tip to the most-work valid chain. */
    bool ActivateBestChain(BlockValidationState& state);
    /** Every check of ConnectBlock on a copy of the state, for a block built on prev (block templates). */
    bool TestBlockValidity(BlockValidationState& state, const Block& block, BlockIndex* prev, bool check_pow,
                           bool check_merkle);
    /** Marks a block and its descendants invalid and moves the tip off them (invalidateblock). */
    bool InvalidateBlock(BlockValidationState& state, BlockIndex* index);
    /** Clears invalidity of a block, its ancestors and descendants (reconsiderblock). */
    bool ReconsiderBlock(BlockValidationState& state, BlockIndex* index);
    /** Writes caches and index to disk. */
    bool Flush(FlushMode mode = FlushMode::ALWAYS);
    /** Makes every stored block and the index entries pointing at it durable (fsync), without flushing the UTXO
     *  cache: after a crash the chainstate reconnects them. Called before acknowledging a block to a user. */
    bool MakeBlocksDurable(std::string* error);
    /** Deletes block files below height (pruneblockchain); returns the height actually pruned to. */
    int PruneBelow(int height);

    const ActiveChain& Chain() const { return m_chain; }
    BlockIndex* Tip() const { return m_chain.Tip(); }
    const BlockIndex* BestHeader() const { return m_best_header; }
    BlockIndex* LookupBlockIndex(const uint256& hash) const;
    const ChainParams& Params() const { return *m_opts.params; }
    CoinsViewCache& CoinsTip() { return *m_coins_tip; }
    CoinsViewDB& CoinsDB() { return *m_coins_db; }
    Decoded<Block> ReadBlock(const BlockIndex& index) const;
    std::optional<std::vector<uint8_t>> ReadRawBlock(const BlockIndex& index) const;
    /** Part of a stored block record (see BlockFiles::ReadBlockPart); pos is a block's (file, data_pos). */
    std::optional<std::vector<uint8_t>> ReadBlockPart(const FlatFilePos& pos, uint32_t offset, uint32_t max_len,
                                                      std::string* error) const;
    Decoded<BlockUndo> ReadUndo(const BlockIndex& index) const;
    bool IsInitialBlockDownload() const;
    /** Entries that no other entry builds on (getchaintips). */
    std::vector<const BlockIndex*> GetChainTips() const;
    size_t BlockIndexSize() const { return m_block_index.size(); }
    bool IsPruneMode() const { return m_opts.prune_target_bytes > 0; }
    uint64_t PruneTargetBytes() const { return m_opts.prune_target_bytes; }
    bool HavePruned() const { return m_have_pruned; }
    /** Lowest height whose block data is still stored on the active chain. */
    int PruneHeight() const;
    uint64_t BlockFilesSize() const;
    /** Share of the expected chain already validated (getblockchaininfo verificationprogress). */
    double VerificationProgress(const BlockIndex* index) const;
    int64_t Now() const { return m_opts.now ? m_opts.now() : static_cast<int64_t>(time(nullptr)); }

private:
    explicit ChainstateManager(const ChainstateOptions& options);
    bool LoadBlockIndex(std::string* error);
    bool LoadChainTip(std::string* error);
    bool ReplayBlocks(std::string* error);
    bool Reindex(std::string* error);
    /** Core's UpdateTip log line (progress=, cache=), plus a periodic rate and ETA line while syncing. */
    void LogTipUpdate(const char* func, const BlockIndex* tip);

    BlockIndex* AddToBlockIndex(const BlockHeader& header);
    bool AcceptBlockHeader(const BlockHeader& header, BlockValidationState& state, BlockIndex** index,
                           bool min_pow_checked);
    bool AcceptBlock(const std::shared_ptr<const Block>& block, BlockValidationState& state, BlockIndex** index,
                     bool force_processing, const FlatFilePos* known_pos, bool min_pow_checked, bool* new_block);
    bool ContextualCheckBlockHeader(const BlockHeader& header, BlockValidationState& state, const BlockIndex* prev) const;
    bool ContextualCheckBlock(const Block& block, BlockValidationState& state, const BlockIndex* prev) const;
    void ReceivedBlockTransactions(const Block& block, BlockIndex* index, const FlatFilePos& pos);

    bool ConnectBlock(const Block& block, BlockValidationState& state, BlockIndex* index, CoinsViewCache& view,
                      bool just_check);
    enum class DisconnectResult { OK, UNCLEAN, FAILED };
    DisconnectResult DisconnectBlock(const Block& block, const BlockIndex* index, CoinsViewCache& view);
    bool ConnectTip(BlockValidationState& state, BlockIndex* index, const std::shared_ptr<const Block>& block);
    bool DisconnectTip(BlockValidationState& state);
    BlockIndex* FindMostWorkChain();
    bool ActivateBestChainStep(BlockValidationState& state, BlockIndex* most_work, bool& invalid_found);
    void InvalidBlockFound(BlockIndex* index, const BlockValidationState& state);
    void PruneBlockIndexCandidates();
    bool ShouldCheckScripts(const BlockIndex* index) const;
    bool FlushToDisk(FlushMode mode, std::string* error);
    void FindFilesToPrune(std::vector<int>& files, int prune_up_to);
    bool IsFailed(const BlockIndex* index) const { return index->status & BLOCK_FAILED_MASK; }

    struct WorkComparator {
        bool operator()(const BlockIndex* a, const BlockIndex* b) const;
    };
    struct Uint256Hasher {
        size_t operator()(const uint256& h) const { return h.GetUint64(0); }
    };

    ChainstateOptions m_opts;
    mutable std::recursive_mutex m_mutex;
    std::unordered_map<uint256, std::unique_ptr<BlockIndex>, Uint256Hasher> m_block_index;
    std::set<BlockIndex*, WorkComparator> m_candidates;
    /** Blocks whose parent's data is missing, keyed by parent (connected when the parent arrives). */
    std::multimap<BlockIndex*, BlockIndex*> m_blocks_unlinked;
    std::set<BlockIndex*> m_dirty_index;
    ActiveChain m_chain;
    BlockIndex* m_best_header{nullptr};
    BlockIndex* m_best_invalid{nullptr};
    int32_t m_next_sequence_id{1};
    mutable bool m_ibd_latched{false};
    bool m_have_pruned{false};
    int64_t m_last_write{0};
    /** Sync rate bookkeeping for the periodic progress line (steady clock seconds, height at the start). */
    double m_sync_start_time{-1};
    int m_sync_start_height{0};
    double m_last_progress_log{0};

    std::unique_ptr<CheckQueue<ScriptCheck>> m_check_queue;
    std::unique_ptr<BlockFiles> m_files;
    std::unique_ptr<BlockTreeDB> m_block_tree;
    std::unique_ptr<Database> m_coins_database;
    std::unique_ptr<CoinsViewDB> m_coins_db;
    std::unique_ptr<CoinsViewCache> m_coins_tip;
};
