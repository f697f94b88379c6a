// The chainstate: accepting, connecting and disconnecting blocks with Bitcoin Core's rules, and keeping the
// UTXO set, block index and block files consistent across crashes.
#include "node/validation.h"

#include "chain/pow.h"
#include "consensus/block_check.h"
#include "consensus/consensus.h"
#include "consensus/tx_check.h"
#include "consensus/tx_verify.h"
#include "script/interpreter.h"

#include "util/logging.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <cassert>
#include <cinttypes>
#include <cstdio>
#include <map>

namespace fs = std::filesystem;

namespace {
/** Blocks connected per ActivateBestChainStep before the lock is reconsidered (Core: 32). */
constexpr int MAX_BLOCKS_PER_STEP = 32;
/** Caches are written at least this often (seconds) when the node is busy. */
constexpr int64_t DATABASE_WRITE_INTERVAL = 60 * 60;
/** Blocks older than this make us consider the chain still syncing. */
constexpr int64_t MAX_TIP_AGE = 24 * 60 * 60;
constexpr int BIP34_IMPLIES_BIP30_LIMIT = 1983702;
/** Seconds between sync progress lines (rate and ETA) while connecting many blocks. */
constexpr double SYNC_LOG_INTERVAL = 10.0;

double SteadySeconds()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string FormatIsoTime(int64_t t)
{
    const time_t tt = static_cast<time_t>(t);
    struct tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string FormatEta(double seconds)
{
    if (!(seconds >= 0) || seconds > 1e9) return "unknown";
    const int64_t s = static_cast<int64_t>(seconds + 0.5);
    char buf[64];
    if (s >= 3600) {
        std::snprintf(buf, sizeof(buf), "%" PRId64 "h%02" PRId64 "m", s / 3600, (s / 60) % 60);
    } else if (s >= 60) {
        std::snprintf(buf, sizeof(buf), "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
    } else {
        std::snprintf(buf, sizeof(buf), "%" PRId64 "s", s);
    }
    return buf;
}

bool IsBIP30Repeat(const BlockIndex& index)
{
    return (index.height == 91842 &&
            index.GetBlockHash() == *uint256::FromHex("00000000000a4d0a398161ffc163c503763b1f4360639393e0e4c8e300e0caec")) ||
           (index.height == 91880 &&
            index.GetBlockHash() == *uint256::FromHex("00000000000743f190a18c5577a3c2d2a1f610ae9601ac046a38084ccb7cd721"));
}

std::string Hex8(int32_t v)
{
    char buf[16];
    std::snprintf(buf, sizeof(buf), "0x%08x", static_cast<uint32_t>(v));
    return buf;
}

/** Spent coins of tx's inputs from view, in input order (spent/empty Coin where missing). */
std::vector<Coin> SpentCoins(const Transaction& tx, const CoinsViewCache& view)
{
    std::vector<Coin> coins;
    coins.reserve(tx.vin.size());
    for (const TxIn& in : tx.vin) coins.push_back(view.AccessCoin(in.prevout));
    return coins;
}
}  // namespace

Amount GetBlockSubsidy(int height, const ConsensusParams& params)
{
    const int halvings = height / params.subsidy_halving_interval;
    if (halvings >= 64) return 0;  // a shift of 64 or more is undefined
    return (50 * COIN) >> halvings;
}

uint32_t GetBlockScriptFlags(const BlockIndex& index, const ConsensusParams& params)
{
    uint32_t flags = SCRIPT_VERIFY_P2SH | SCRIPT_VERIFY_WITNESS | SCRIPT_VERIFY_TAPROOT;
    auto it = params.script_flag_exceptions.find(index.GetBlockHash());
    if (it != params.script_flag_exceptions.end()) flags = it->second;
    if (index.height >= params.bip66_height) flags |= SCRIPT_VERIFY_DERSIG;
    if (index.height >= params.bip65_height) flags |= SCRIPT_VERIFY_CHECKLOCKTIMEVERIFY;
    if (index.height >= params.csv_height) flags |= SCRIPT_VERIFY_CHECKSEQUENCEVERIFY;
    if (index.height >= params.segwit_height) flags |= SCRIPT_VERIFY_NULLDUMMY;
    return flags;
}

bool ChainstateManager::WorkComparator::operator()(const BlockIndex* a, const BlockIndex* b) const
{
    // Most work first; among equal work, the one received first; then by address for a total order.
    if (a->chain_work > b->chain_work) return true;
    if (a->chain_work < b->chain_work) return false;
    if (a->sequence_id < b->sequence_id) return true;
    if (a->sequence_id > b->sequence_id) return false;
    return a < b;
}

std::optional<std::pair<ScriptError, std::string>> ScriptCheck::operator()() const
{
    ScriptError error = SCRIPT_ERR_UNKNOWN_ERROR;
    TransactionSignatureChecker checker(tx, input, spent.value, *txdata, MissingDataBehavior::ASSERT_FAIL);
    const TxIn& in = tx->vin[input];
    if (VerifyScript(in.script_sig, spent.script_pubkey, &in.witness, flags, checker, &error)) return std::nullopt;
    return std::make_pair(error, "input " + std::to_string(input) + " of " + tx->GetHash().GetHex() + " (wtxid " +
                                     tx->GetWitnessHash().GetHex() + "), spending " + in.prevout.hash.GetHex() + ":" +
                                     std::to_string(in.prevout.n));
}

int ScriptCheckThreadsFromPar(int64_t par, int cores)
{
    int64_t threads = par <= 0 ? par + cores : par;
    --threads;  // the validating thread works along
    return static_cast<int>(std::clamp<int64_t>(threads, 0, MAX_SCRIPTCHECK_THREADS));
}

ChainstateManager::ChainstateManager(const ChainstateOptions& options) : m_opts(options)
{
    m_check_queue = std::make_unique<CheckQueue<ScriptCheck>>(SCRIPT_CHECK_BATCH_SIZE, m_opts.script_check_threads);
}

ChainstateManager::~ChainstateManager()
{
    std::lock_guard lock(m_mutex);
    if (m_coins_tip) FlushToDisk(FlushMode::ALWAYS, nullptr);
}

// ---- loading -------------------------------------------------------------------------------------------

std::unique_ptr<ChainstateManager> ChainstateManager::Load(const ChainstateOptions& options, std::string* error)
{
    std::unique_ptr<ChainstateManager> cm(new ChainstateManager(options));
    std::lock_guard lock(cm->m_mutex);
    const fs::path blocks_dir = options.data_dir / "blocks";
    std::string err;
    auto fail = [&](const std::string& msg) -> std::unique_ptr<ChainstateManager> {
        if (error) *error = msg;
        return nullptr;
    };
    auto tree_db = Database::Open({.path = blocks_dir / "index",
                                   .cache_bytes = options.block_tree_cache_bytes,
                                   .memory_only = options.memory_only,
                                   .wipe = options.reindex,
                                   .obfuscate = false},
                                  &err);
    if (!tree_db) return fail(err);
    cm->m_block_tree = std::make_unique<BlockTreeDB>(std::move(tree_db));
    auto coins_db = Database::Open({.path = options.data_dir / "chainstate",
                                    .cache_bytes = options.coins_db_cache_bytes,
                                    .memory_only = options.memory_only,
                                    .wipe = options.reindex || options.reindex_chainstate,
                                    .obfuscate = true},
                                   &err);
    if (!coins_db) return fail(err);
    cm->m_coins_database = std::move(coins_db);
    cm->m_coins_db = std::make_unique<CoinsViewDB>(*cm->m_coins_database);
    cm->m_coins_tip = std::make_unique<CoinsViewCache>(cm->m_coins_db.get());

    const bool reindex = options.reindex || cm->m_block_tree->IsReindexing();
    std::vector<BlockFileInfo> files = reindex ? std::vector<BlockFileInfo>{} : cm->m_block_tree->ReadFileInfo();
    BlockFiles::Options file_opts{blocks_dir, options.params->message_start, options.blocks_xor, MAX_BLOCKFILE_SIZE};
    if (reindex) {
        // Existing files are read in place; new blocks are appended after the last one.
        cm->m_files = BlockFiles::Open(file_opts, {}, &err);
    } else {
        cm->m_files = BlockFiles::Open(file_opts, files, &err);
    }
    if (!cm->m_files) return fail(err);
    cm->m_have_pruned = cm->m_block_tree->ReadFlag("prunedblockfiles");

    if (reindex) {
        if (!cm->Reindex(&err)) return fail(err);
    } else {
        if (!cm->LoadBlockIndex(&err)) return fail(err);
        if (!cm->ReplayBlocks(&err)) return fail(err);
        if (!cm->LoadChainTip(&err)) return fail(err);
    }
    // Connect anything stored but not yet connected (e.g. after kill -9), or the genesis block on a new node.
    if (cm->m_block_index.empty()) {
        auto genesis = std::make_shared<const Block>(options.params->genesis);
        BlockValidationState state;
        bool new_block;
        if (!cm->ProcessNewBlock(genesis, true, true, &new_block, &state)) {
            return fail("Cannot store the genesis block: " + state.ToString());
        }
    }
    BlockValidationState state;
    if (!cm->ActivateBestChain(state)) return fail("Cannot activate the best chain: " + state.ToString());
    if (!cm->FlushToDisk(FlushMode::ALWAYS, &err)) return fail(err);
    return cm;
}

BlockIndex* ChainstateManager::LookupBlockIndex(const uint256& hash) const
{
    auto it = m_block_index.find(hash);
    return it == m_block_index.end() ? nullptr : it->second.get();
}

bool ChainstateManager::LoadBlockIndex(std::string* error)
{
    const double started = SteadySeconds();
    LogPrintf("Loading block index...\n");
    struct DoneLog {
        const ChainstateManager& cm;
        double started;
        ~DoneLog()
        {
            LogPrintf("Loaded block index: %zu entries in %.2fms\n", cm.BlockIndexSize(),
                      (SteadySeconds() - started) * 1000);
        }
    } done_log{*this, started};
    std::vector<DiskBlockIndex> entries;
    if (!m_block_tree->ForEachIndex([&](const DiskBlockIndex& d) { entries.push_back(d); })) {
        if (error) *error = "The block index database is corrupt. Restart with -reindex to rebuild it.";
        return false;
    }
    for (const DiskBlockIndex& d : entries) {
        auto [it, inserted] = m_block_index.try_emplace(d.hash, std::make_unique<BlockIndex>(d.header));
        BlockIndex* index = it->second.get();
        index->phash = &it->first;
        index->height = d.height;
        index->status = d.status;
        index->tx_count = d.tx_count;
        index->file = d.file;
        index->data_pos = d.data_pos;
        index->undo_pos = d.undo_pos;
    }
    for (const DiskBlockIndex& d : entries) {
        if (d.prev_hash.IsNull()) continue;
        BlockIndex* index = LookupBlockIndex(d.hash);
        index->pprev = LookupBlockIndex(d.prev_hash);
        if (!index->pprev) {
            if (error) *error = "The block index lacks the parent of " + d.hash.GetHex() + ". Restart with -reindex.";
            return false;
        }
    }
    // Derived fields in height order: work, skip pointers, transaction counts, candidates.
    std::vector<BlockIndex*> sorted;
    sorted.reserve(m_block_index.size());
    for (auto& [hash, index] : m_block_index) sorted.push_back(index.get());
    std::sort(sorted.begin(), sorted.end(), [](const BlockIndex* a, const BlockIndex* b) { return a->height < b->height; });
    for (BlockIndex* index : sorted) {
        index->chain_work = (index->pprev ? index->pprev->chain_work : arith_uint256()) + GetBlockProof(*index);
        index->time_max = index->pprev ? std::max(index->pprev->time_max, index->time) : index->time;
        index->BuildSkip();
        if (index->status & BLOCK_HAVE_DATA) index->sequence_id = m_next_sequence_id++;
        if (index->tx_count > 0) {
            if (!index->pprev) {
                index->chain_tx_count = index->tx_count;
            } else if (index->pprev->chain_tx_count) {
                index->chain_tx_count = index->pprev->chain_tx_count + index->tx_count;
            } else {
                m_blocks_unlinked.emplace(index->pprev, index);
            }
        }
        if (index->pprev && IsFailed(index->pprev) && !IsFailed(index)) {
            index->status |= BLOCK_FAILED_CHILD;
            m_dirty_index.insert(index);
        }
        if (IsFailed(index) && (!m_best_invalid || index->chain_work > m_best_invalid->chain_work)) {
            m_best_invalid = index;
        }
        if (index->IsValid(BLOCK_VALID_TREE) && (!m_best_header || WorkComparator()(index, m_best_header))) {
            m_best_header = index;
        }
    }
    return true;
}

bool ChainstateManager::LoadChainTip(std::string* error)
{
    const uint256 best = m_coins_db->GetBestBlock();
    BlockIndex* tip = nullptr;
    if (!best.IsNull()) {
        tip = LookupBlockIndex(best);
        if (!tip) {
            if (error) *error = "The chainstate's best block is not in the block index. Restart with -reindex-chainstate.";
            return false;
        }
        m_chain.SetTip(*tip);
    }
    // With an empty chainstate (new node, -reindex-chainstate) every stored chain is a candidate from genesis.
    for (auto& [hash, index] : m_block_index) {
        BlockIndex* b = index.get();
        if (b->IsValid(BLOCK_VALID_TRANSACTIONS) && b->HaveNumChainTxs() && (!tip || !WorkComparator()(tip, b))) {
            m_candidates.insert(b);
        }
    }
    return true;
}

// After a crash in the middle of a coins flush, the database holds a mix of two states. Undo the blocks of the
// old branch and re-apply those of the new one; every step tolerates coins already being in the target state.
bool ChainstateManager::ReplayBlocks(std::string* error)
{
    std::vector<uint256> heads = m_coins_db->GetHeadBlocks();
    if (heads.empty()) return true;
    if (heads.size() != 2) {
        if (error) *error = "Unknown chainstate transition marker. Restart with -reindex-chainstate.";
        return false;
    }
    BlockIndex* new_tip = LookupBlockIndex(heads[0]);
    BlockIndex* old_tip = heads[1].IsNull() ? nullptr : LookupBlockIndex(heads[1]);
    if (!new_tip || (!heads[1].IsNull() && !old_tip)) {
        if (error) *error = "Chainstate transition refers to unknown blocks. Restart with -reindex-chainstate.";
        return false;
    }
    if (m_opts.notifications) m_opts.notifications->Progress("Replaying blocks", 0);
    LogPrintf("Replaying blocks\n");
    CoinsViewCache cache(m_coins_db.get());
    const BlockIndex* fork = old_tip ? LastCommonAncestor(old_tip, new_tip) : nullptr;
    const int back = old_tip ? old_tip->height - (fork ? fork->height : -1) : 0;
    const int total = back + new_tip->height - (fork ? fork->height : -1);
    int done = 0;
    auto report = [&](const char* what, const BlockIndex* b) {
        ++done;
        const int pct = total > 0 ? done * 100 / total : 100;
        LogPrintf("%s %s (%d) - %d%%\n", what, b->GetBlockHash().GetHex().c_str(), b->height, pct);
        if (m_opts.notifications) m_opts.notifications->Progress("Replaying blocks", pct);
    };
    // Roll back the old branch down to the fork.
    for (BlockIndex* b = old_tip; b && b != fork; b = b->pprev) {
        report("Rolling back", b);
        auto block = ReadBlock(*b);
        if (!block) {
            if (error) *error = "Cannot read block " + b->GetBlockHash().GetHex() + " to replay: " + block.error;
            return false;
        }
        if (DisconnectBlock(*block, b, cache) == DisconnectResult::FAILED) {
            if (error) *error = "Cannot roll back block " + b->GetBlockHash().GetHex() + ". Restart with -reindex-chainstate.";
            return false;
        }
    }
    // Roll forward from the fork to the new tip, applying outputs and spends without checks.
    std::vector<BlockIndex*> forward;
    for (BlockIndex* b = new_tip; b && b != fork; b = b->pprev) forward.push_back(b);
    std::reverse(forward.begin(), forward.end());
    for (BlockIndex* b : forward) {
        report("Rolling forward", b);
        if (b->height == 0) continue;  // the genesis coinbase is not spendable
        auto block = ReadBlock(*b);
        if (!block) {
            if (error) *error = "Cannot read block " + b->GetBlockHash().GetHex() + " to replay: " + block.error;
            return false;
        }
        for (const auto& tx : block->vtx) {
            if (!tx->IsCoinBase()) {
                for (const TxIn& in : tx->vin) cache.SpendCoin(in.prevout);
            }
            AddCoins(cache, *tx, b->height, true);
        }
    }
    cache.SetBestBlock(new_tip->GetBlockHash());
    std::string err;
    if (!cache.Flush(&err)) {
        if (error) *error = err;
        return false;
    }
    if (m_opts.notifications) m_opts.notifications->Progress("Replaying blocks", 100);
    return true;
}

bool ChainstateManager::Reindex(std::string* error)
{
    if (!m_block_tree->WriteReindexing(true)) {
        if (error) *error = "Cannot write the reindex flag";
        return false;
    }
    // Read every block file in order; blocks whose parent is not yet known wait for it.
    std::multimap<uint256, std::pair<FlatFilePos, std::shared_ptr<const Block>>> waiting;
    int file = 0;
    const double started = SteadySeconds();
    uint64_t blocks_read = 0;
    int total_files = 0;
    while (std::filesystem::exists(m_files->BlockPath(total_files))) ++total_files;
    LogPrintf("Reindexing %d block files...\n", total_files);
    std::vector<BlockFileInfo> infos;
    for (;; ++file) {
        BlockFileInfo info;
        bool exists = m_files->ScanFile(file, [&](const FlatFilePos& pos, std::span<const uint8_t> raw) {
            info.size = pos.pos + static_cast<uint32_t>(raw.size());
            auto decoded = DecodeBlock(raw);
            if (!decoded) return;
            auto block = std::make_shared<const Block>(std::move(*decoded));
            info.AddBlock(0, block->header.time);
            ++blocks_read;
            std::vector<std::pair<FlatFilePos, std::shared_ptr<const Block>>> queue{{pos, block}};
            while (!queue.empty()) {
                auto [p, b] = queue.back();
                queue.pop_back();
                const uint256 hash = b->GetHash();
                const bool is_genesis = hash == m_opts.params->consensus.hash_genesis_block;
                if (!is_genesis && !LookupBlockIndex(b->header.prev_block)) {
                    waiting.emplace(b->header.prev_block, std::make_pair(p, b));
                    continue;
                }
                BlockValidationState state;
                BlockIndex* index = nullptr;
                AcceptBlock(b, state, &index, true, &p, true, nullptr);
                auto range = waiting.equal_range(hash);
                for (auto it = range.first; it != range.second; ++it) queue.push_back(it->second);
                waiting.erase(range.first, range.second);
            }
        });
        if (!exists) break;
        infos.push_back(info);
        const double elapsed = SteadySeconds() - started;
        const double pct = total_files > 0 ? 100.0 * (file + 1) / total_files : 100.0;
        const double eta = file + 1 < total_files ? elapsed / (file + 1) * (total_files - file - 1) : 0;
        LogPrintf("Reindexing block file blk%05d.dat... (%d of %d files, %.1f%%, %" PRIu64
                  " blocks, %.0f blocks/s, ETA %s)\n",
                  file, file + 1, total_files, pct, blocks_read, elapsed > 0 ? blocks_read / elapsed : 0.0,
                  FormatEta(eta).c_str());
        if (m_opts.notifications) {
            m_opts.notifications->Progress("Reindexing block file blk" + std::to_string(file) + ".dat",
                                           static_cast<int>(pct));
        }
    }
    // Recorded block counts and heights come from the index entries just created.
    for (auto& [hash, index] : m_block_index) {
        if (!(index->status & BLOCK_HAVE_DATA) || index->file >= static_cast<int>(infos.size())) continue;
        BlockFileInfo& f = infos[index->file];
        if (f.height_last < static_cast<uint32_t>(index->height)) f.height_last = index->height;
    }
    if (infos.empty()) infos.emplace_back();
    std::string err;
    m_files = BlockFiles::Open({m_opts.data_dir / "blocks", m_opts.params->message_start, m_opts.blocks_xor,
                                MAX_BLOCKFILE_SIZE},
                               infos, &err);
    if (!m_files) {
        if (error) *error = err;
        return false;
    }
    for (auto& [hash, index] : m_block_index) m_dirty_index.insert(index.get());
    if (!FlushToDisk(FlushMode::ALWAYS, error)) return false;
    if (!m_block_tree->WriteReindexing(false)) {
        if (error) *error = "Cannot clear the reindex flag";
        return false;
    }
    const double elapsed = SteadySeconds() - started;
    LogPrintf("Reindexing finished: %" PRIu64 " blocks from %d files in %.2f s (%.0f blocks/s); connecting them\n",
              blocks_read, file, elapsed, elapsed > 0 ? blocks_read / elapsed : 0.0);
    return true;
}

// ---- headers and blocks --------------------------------------------------------------------------------

BlockIndex* ChainstateManager::AddToBlockIndex(const BlockHeader& header)
{
    const uint256 hash = header.GetHash();
    if (BlockIndex* existing = LookupBlockIndex(hash)) return existing;
    auto [it, inserted] = m_block_index.try_emplace(hash, std::make_unique<BlockIndex>(header));
    BlockIndex* index = it->second.get();
    index->phash = &it->first;
    index->pprev = LookupBlockIndex(header.prev_block);
    if (index->pprev) {
        index->height = index->pprev->height + 1;
        index->BuildSkip();
    }
    index->time_max = index->pprev ? std::max(index->pprev->time_max, index->time) : index->time;
    index->chain_work = (index->pprev ? index->pprev->chain_work : arith_uint256()) + GetBlockProof(*index);
    index->RaiseValidity(BLOCK_VALID_TREE);
    if (!m_best_header || m_best_header->chain_work < index->chain_work) m_best_header = index;
    m_dirty_index.insert(index);
    return index;
}

bool ChainstateManager::ContextualCheckBlockHeader(const BlockHeader& header, BlockValidationState& state,
                                                   const BlockIndex* prev) const
{
    const ConsensusParams& params = m_opts.params->consensus;
    const int height = prev->height + 1;
    if (header.bits != GetNextWorkRequired(prev, header, params)) {
        return state.Invalid(BlockValidationResult::BLOCK_INVALID_HEADER, "bad-diffbits", "incorrect proof of work");
    }
    if (header.GetBlockTime() <= prev->GetMedianTimePast()) {
        return state.Invalid(BlockValidationResult::BLOCK_INVALID_HEADER, "time-too-old",
                             "block's timestamp is too early");
    }
    // BIP94: the first block of a period may not be much earlier than the last block of the previous one.
    if (params.enforce_bip94 && height % params.DifficultyAdjustmentInterval() == 0 &&
        header.GetBlockTime() < prev->GetBlockTime() - MAX_TIMEWARP) {
        return state.Invalid(BlockValidationResult::BLOCK_INVALID_HEADER, "time-timewarp-attack",
                             "block's timestamp is too early on diff adjustment block");
    }
    if (header.GetBlockTime() > Now() + MAX_FUTURE_BLOCK_TIME) {
        return state.Invalid(BlockValidationResult::BLOCK_TIME_FUTURE, "time-too-new",
                             "block timestamp too far in the future");
    }
    if ((header.version < 2 && height >= params.bip34_height) || (header.version < 3 && height >= params.bip66_height) ||
        (header.version < 4 && height >= params.bip65_height)) {
        return state.Invalid(BlockValidationResult::BLOCK_INVALID_HEADER, "bad-version(" + Hex8(header.version) + ")",
                             "rejected nVersion=" + Hex8(header.version) + " block");
    }
    return true;
}

bool ChainstateManager::ContextualCheckBlock(const Block& block, BlockValidationState& state,
                                             const BlockIndex* prev) const
{
    const ConsensusParams& params = m_opts.params->consensus;
    const int height = prev ? prev->height + 1 : 0;
    // BIP113: lock-times compare against the median time past once CSV is active.
    const int64_t cutoff = (prev && height >= params.csv_height) ? prev->GetMedianTimePast() : block.header.GetBlockTime();
    for (const auto& tx : block.vtx) {
        if (!IsFinalTx(*tx, height, cutoff)) {
            return state.Invalid(BlockValidationResult::BLOCK_CONSENSUS, "bad-txns-nonfinal", "non-final transaction");
        }
    }
    // BIP34: the coinbase starts with the block height.
    if (height >= params.bip34_height && height > 0) {
        Script expect;
        expect.PushInt(height);
        const Script& sig = block.vtx[0]->vin[0].script_sig;
        if (sig.size() < expect.size() || !std::equal(expect.begin(), expect.end(), sig.begin())) {
            return state.Invalid(BlockValidationResult::BLOCK_CONSENSUS, "bad-cb-height",
                                 "block height mismatch in coinbase");
        }
    }
    if (!CheckWitnessMalleation(block, height >= params.segwit_height, state)) return false;
    if (GetBlockWeight(block) > MAX_BLOCK_WEIGHT) {
        return state.Invalid(BlockValidationResult::BLOCK_CONSENSUS, "bad-blk-weight",
                             "ContextualCheckBlock : weight limit failed");
    }
    return true;
}

bool ChainstateManager::AcceptBlockHeader(const BlockHeader& header, BlockValidationState& state, BlockIndex** index_out,
                                          bool min_pow_checked)
{
    const uint256 hash = header.GetHash();
    if (BlockIndex* existing = LookupBlockIndex(hash)) {
        if (index_out) *index_out = existing;
        if (IsFailed(existing)) {
            return state.Invalid(BlockValidationResult::BLOCK_CACHED_INVALID, "duplicate-invalid",
                                 "block " + hash.GetHex() + " was previously marked invalid");
        }
        return true;
    }
    const ConsensusParams& params = m_opts.params->consensus;
    if (hash != params.hash_genesis_block) {
        if (!CheckBlockHeader(header, state, params.pow_limit, true)) return false;
        BlockIndex* prev = LookupBlockIndex(header.prev_block);
        if (!prev) return state.Invalid(BlockValidationResult::BLOCK_MISSING_PREV, "prev-blk-not-found");
        if (IsFailed(prev)) return state.Invalid(BlockValidationResult::BLOCK_INVALID_PREV, "bad-prevblk");
        if (!ContextualCheckBlockHeader(header, state, prev)) return false;
        if (!min_pow_checked) {
            return state.Invalid(BlockValidationResult::BLOCK_HEADER_LOW_WORK, "too-little-chainwork");
        }
    }
    BlockIndex* index = AddToBlockIndex(header);
    if (index_out) *index_out = index;
    return true;
}

bool ChainstateManager::ProcessNewBlockHeaders(std::span<const BlockHeader> headers, bool min_pow_checked,
                                               BlockValidationState& state, const BlockIndex** last)
{
    std::lock_guard lock(m_mutex);
    for (const BlockHeader& header : headers) {
        BlockIndex* index = nullptr;
        if (!AcceptBlockHeader(header, state, &index, min_pow_checked)) return false;
        if (last) *last = index;
    }
    return true;
}

void ChainstateManager::ReceivedBlockTransactions(const Block& block, BlockIndex* index, const FlatFilePos& pos)
{
    index->tx_count = static_cast<uint32_t>(block.vtx.size());
    index->chain_tx_count = 0;
    index->file = pos.file;
    index->data_pos = pos.pos;
    index->undo_pos = 0;
    index->status |= BLOCK_HAVE_DATA;
    if (m_opts.params->consensus.segwit_height <= index->height) index->status |= BLOCK_OPT_WITNESS;
    index->RaiseValidity(BLOCK_VALID_TRANSACTIONS);
    m_dirty_index.insert(index);
    if (!index->pprev || index->pprev->HaveNumChainTxs()) {
        // This block and any waiting descendants become connectable.
        std::vector<BlockIndex*> queue{index};
        while (!queue.empty()) {
            BlockIndex* b = queue.back();
            queue.pop_back();
            b->chain_tx_count = (b->pprev ? b->pprev->chain_tx_count : 0) + b->tx_count;
            b->sequence_id = m_next_sequence_id++;
            // A candidate must be at least as good as the tip (the comparator orders best first).
            if (!m_chain.Tip() || !WorkComparator()(m_chain.Tip(), b)) m_candidates.insert(b);
            auto range = m_blocks_unlinked.equal_range(b);
            for (auto it = range.first; it != range.second; ++it) queue.push_back(it->second);
            m_blocks_unlinked.erase(range.first, range.second);
        }
    } else if (index->pprev && index->pprev->IsValid(BLOCK_VALID_TREE)) {
        m_blocks_unlinked.emplace(index->pprev, index);
    }
}

bool ChainstateManager::AcceptBlock(const std::shared_ptr<const Block>& block_ptr, BlockValidationState& state,
                                    BlockIndex** index_out, bool force_processing, const FlatFilePos* known_pos,
                                    bool min_pow_checked, bool* new_block)
{
    const Block& block = *block_ptr;
    if (new_block) *new_block = false;
    BlockIndex* index = nullptr;
    if (!AcceptBlockHeader(block.header, state, &index, min_pow_checked)) return false;
    if (index_out) *index_out = index;
    if (index->status & BLOCK_HAVE_DATA) return true;  // already stored
    // Unrequested blocks with less work than the tip are not worth storing (P2P); local callers force.
    if (!force_processing && m_chain.Tip() && index->chain_work < m_chain.Tip()->chain_work) return true;

    const ConsensusParams& params = m_opts.params->consensus;
    if (!CheckBlock(block, state, params.pow_limit) || !ContextualCheckBlock(block, state, index->pprev)) {
        if (state.IsInvalid() && state.GetResult() != BlockValidationResult::BLOCK_MUTATED) {
            index->status |= BLOCK_FAILED_VALID;
            m_dirty_index.insert(index);
        }
        return false;
    }
    if (new_block) *new_block = true;
    FlatFilePos pos;
    if (known_pos) {
        pos = *known_pos;
    } else {
        std::string err;
        auto written = m_files->WriteBlock(block, static_cast<uint32_t>(index->height), &err);
        if (!written) {
            if (m_opts.notifications) m_opts.notifications->FatalError("Failed to write block: " + err);
            return state.Error("Failed to write block: " + err);
        }
        pos = *written;
    }
    ReceivedBlockTransactions(block, index, pos);
    std::string err;
    if (!FlushToDisk(FlushMode::IF_NEEDED, &err)) return state.Error(err);
    return true;
}

bool ChainstateManager::ProcessNewBlock(const std::shared_ptr<const Block>& block, bool force_processing,
                                        bool min_pow_checked, bool* new_block, BlockValidationState* state_out)
{
    BlockValidationState state;
    bool ok;
    {
        std::lock_guard lock(m_mutex);
        // Context-free checks first: a mutated block must not mark its (valid) header as failed.
        ok = CheckBlock(*block, state, m_opts.params->consensus.pow_limit);
        if (ok) ok = AcceptBlock(block, state, nullptr, force_processing, nullptr, min_pow_checked, new_block);
        if (ok) ok = ActivateBestChain(state) && !state.IsInvalid();
    }
    if (state_out) *state_out = state;
    return ok;
}

// ---- connecting ----------------------------------------------------------------------------------------

bool ChainstateManager::ShouldCheckScripts(const BlockIndex* index) const
{
    const uint256& av = m_opts.assume_valid;
    if (av.IsNull()) return true;
    const BlockIndex* av_index = LookupBlockIndex(av);
    if (!av_index || av_index->GetAncestor(index->height) != index) return true;
    if (!m_best_header || m_best_header->GetAncestor(index->height) != index) return true;
    if (m_best_header->chain_work < UintToArith256(m_opts.params->consensus.minimum_chain_work)) return true;
    constexpr int64_t TWO_WEEKS = 60 * 60 * 24 * 7 * 2;
    return GetBlockProofEquivalentTime(*m_best_header, *index, *m_best_header,
                                       m_opts.params->consensus.pow_target_spacing) <= TWO_WEEKS;
}

bool ChainstateManager::ConnectBlock(const Block& block, BlockValidationState& state, BlockIndex* index,
                                     CoinsViewCache& view, bool just_check)
{
    const ConsensusParams& params = m_opts.params->consensus;
    if (!CheckBlock(block, state, params.pow_limit, !just_check, !just_check)) return false;
    assert((index->pprev ? index->pprev->GetBlockHash() : uint256()) == view.GetBestBlock());
    const uint256 hash = index->GetBlockHash();
    if (hash == params.hash_genesis_block) {
        // The genesis coinbase is not spendable: it never enters the UTXO set.
        if (!just_check) view.SetBestBlock(hash);
        return true;
    }
    const bool check_scripts = ShouldCheckScripts(index);

    // BIP30: no transaction may overwrite an unspent one, unless BIP34 (on the chain with the BIP34 block) makes
    // duplicates impossible, up to the height where old coinbases could repeat.
    bool enforce_bip30 = !IsBIP30Repeat(*index);
    const BlockIndex* bip34_block = index->pprev->GetAncestor(params.bip34_height);
    enforce_bip30 = enforce_bip30 && (!bip34_block || bip34_block->GetBlockHash() != params.bip34_hash);
    if (enforce_bip30 || index->height >= BIP34_IMPLIES_BIP30_LIMIT) {
        for (const auto& tx : block.vtx) {
            for (size_t o = 0; o < tx->vout.size(); ++o) {
                if (view.HaveCoin(OutPoint(tx->GetHash(), static_cast<uint32_t>(o)))) {
                    state.Invalid(BlockValidationResult::BLOCK_CONSENSUS, "bad-txns-BIP30", "tried to overwrite transaction");
                }
            }
        }
    }
    const int lock_flags = index->height >= params.csv_height ? LOCKTIME_VERIFY_SEQUENCE : 0;
    const uint32_t flags = GetBlockScriptFlags(*index, params);
    const int64_t prev_mtp = index->pprev->GetMedianTimePast();
    auto mtp_at = [index](int h) { return index->GetAncestor(h)->GetMedianTimePast(); };

    BlockUndo undo;
    undo.vtxundo.reserve(block.vtx.size() - 1);
    // Script checks run on the worker threads when there are any, while this thread goes on with the other rules;
    // txdata must stay in place until they finished. As in Core, a script failure found in parallel is reported
    // only when no other rule failed, and inline checks stop at the first failing input.
    std::vector<PrecomputedTransactionData> txsdata(block.vtx.size());
    std::optional<std::unique_lock<std::mutex>> control;
    if (check_scripts && m_check_queue->HasThreads()) control.emplace(m_check_queue->ControlMutex());
    struct CompleteOnExit {
        CheckQueue<ScriptCheck>* queue;
        ~CompleteOnExit()
        {
            if (queue) queue->Complete();
        }
    } complete_on_exit{control ? m_check_queue.get() : nullptr};
    Amount fees = 0;
    int64_t sigop_cost = 0;
    std::vector<int> prev_heights;
    for (size_t i = 0; i < block.vtx.size(); ++i) {
        if (!state.IsValid()) break;
        const Transaction& tx = *block.vtx[i];
        std::vector<Coin> spent;
        if (!tx.IsCoinBase()) {
            spent = SpentCoins(tx, view);
            Amount fee = 0;
            TxValidationState tx_state;
            if (!CheckTxInputs(tx, tx_state, spent, index->height, fee)) {
                state.Invalid(BlockValidationResult::BLOCK_CONSENSUS, tx_state.GetRejectReason(),
                              tx_state.GetDebugMessage() + " in transaction " + tx.GetHash().GetHex());
                break;
            }
            fees += fee;
            if (!MoneyRange(fees)) {
                state.Invalid(BlockValidationResult::BLOCK_CONSENSUS, "bad-txns-accumulated-fee-outofrange",
                              "accumulated fee in the block out of range");
                break;
            }
            prev_heights.resize(tx.vin.size());
            for (size_t j = 0; j < tx.vin.size(); ++j) prev_heights[j] = static_cast<int>(spent[j].height);
            auto lock = CalculateSequenceLocks(tx, lock_flags, prev_heights, mtp_at);
            if (!EvaluateSequenceLocks(index->height, prev_mtp, lock)) {
                state.Invalid(BlockValidationResult::BLOCK_CONSENSUS, "bad-txns-nonfinal",
                              "contains a non-BIP68-final transaction " + tx.GetHash().GetHex());
                break;
            }
        }
        sigop_cost += GetTransactionSigOpCost(tx, spent, flags);
        if (sigop_cost > MAX_BLOCK_SIGOPS_COST) {
            state.Invalid(BlockValidationResult::BLOCK_CONSENSUS, "bad-blk-sigops", "too many sigops");
            break;
        }
        if (!tx.IsCoinBase() && check_scripts) {
            std::vector<TxOut> spent_outputs;
            spent_outputs.reserve(spent.size());
            for (const Coin& c : spent) spent_outputs.push_back(c.out);
            PrecomputedTransactionData& txdata = txsdata[i];
            txdata.Init(tx, std::move(spent_outputs));
            std::vector<ScriptCheck> checks;
            checks.reserve(tx.vin.size());
            for (size_t j = 0; j < tx.vin.size(); ++j) {
                ScriptCheck check{spent[j].out, &tx, static_cast<unsigned int>(j), flags, &txdata};
                if (control) {
                    checks.push_back(std::move(check));
                } else if (auto failure = check()) {
                    state.Invalid(BlockValidationResult::BLOCK_CONSENSUS,
                                  "block-script-verify-flag-failed (" + ScriptErrorString(failure->first) + ")",
                                  failure->second);
                    break;
                }
            }
            if (!state.IsValid()) break;
            if (control) m_check_queue->Add(std::move(checks));
        }
        // Spend the inputs (recording them for undo) and add the outputs.
        if (i > 0) {
            undo.vtxundo.emplace_back();
            TxUndo& txundo = undo.vtxundo.back();
            txundo.prevout.reserve(tx.vin.size());
            for (const TxIn& in : tx.vin) {
                txundo.prevout.emplace_back();
                bool ok = view.SpendCoin(in.prevout, &txundo.prevout.back());
                assert(ok);
            }
        }
        AddCoins(view, tx, index->height);
    }
    const Amount reward = fees + GetBlockSubsidy(index->height, params);
    if (state.IsValid() && block.vtx[0]->GetValueOut() > reward) {
        state.Invalid(BlockValidationResult::BLOCK_CONSENSUS, "bad-cb-amount",
                      "coinbase pays too much (actual=" + std::to_string(block.vtx[0]->GetValueOut()) +
                          " vs limit=" + std::to_string(reward) + ")");
    }
    if (control) {
        complete_on_exit.queue = nullptr;
        auto failure = m_check_queue->Complete();
        if (failure && state.IsValid()) {
            state.Invalid(BlockValidationResult::BLOCK_CONSENSUS,
                          "block-script-verify-flag-failed (" + ScriptErrorString(failure->first) + ")", failure->second);
        }
    }
    if (!state.IsValid()) return false;
    if (just_check) return true;

    if (!(index->status & BLOCK_HAVE_UNDO)) {
        std::string err;
        auto pos = m_files->WriteUndo(undo, index->pprev->GetBlockHash(), index->file, &err);
        if (!pos) {
            if (m_opts.notifications) m_opts.notifications->FatalError("Failed to write undo data: " + err);
            return state.Error("Failed to write undo data: " + err);
        }
        index->undo_pos = pos->pos;
        index->status |= BLOCK_HAVE_UNDO;
        m_dirty_index.insert(index);
    }
    if (index->RaiseValidity(BLOCK_VALID_SCRIPTS)) m_dirty_index.insert(index);
    view.SetBestBlock(hash);
    return true;
}

ChainstateManager::DisconnectResult ChainstateManager::DisconnectBlock(const Block& block, const BlockIndex* index,
                                                                       CoinsViewCache& view)
{
    bool clean = true;
    auto undo = ReadUndo(*index);
    if (!undo) return DisconnectResult::FAILED;
    if (undo->vtxundo.size() + 1 != block.vtx.size()) return DisconnectResult::FAILED;
    const bool enforce_bip30 = !IsBIP30Repeat(*index);
    for (size_t i = block.vtx.size(); i-- > 0;) {
        const Transaction& tx = *block.vtx[i];
        const bool bip30_exception = tx.IsCoinBase() && !enforce_bip30;
        // The outputs must be unspent and exactly as the block created them.
        for (size_t o = 0; o < tx.vout.size(); ++o) {
            if (tx.vout[o].script_pubkey.IsUnspendable()) continue;
            Coin coin;
            const bool spent = view.SpendCoin(OutPoint(tx.GetHash(), static_cast<uint32_t>(o)), &coin);
            if (!spent || tx.vout[o] != coin.out || static_cast<uint32_t>(index->height) != coin.height ||
                tx.IsCoinBase() != coin.coinbase) {
                if (!bip30_exception) clean = false;
            }
        }
        if (i == 0) continue;
        const TxUndo& txundo = undo->vtxundo[i - 1];
        if (txundo.prevout.size() != tx.vin.size()) return DisconnectResult::FAILED;
        for (size_t j = tx.vin.size(); j-- > 0;) {
            const OutPoint& out = tx.vin[j].prevout;
            const Coin& restored = txundo.prevout[j];
            if (restored.height == 0) return DisconnectResult::FAILED;  // records always carry the height
            const bool overwrite = view.HaveCoin(out);
            if (overwrite) clean = false;
            view.AddCoin(out, restored, overwrite);
        }
    }
    view.SetBestBlock(index->pprev->GetBlockHash());
    return clean ? DisconnectResult::OK : DisconnectResult::UNCLEAN;
}

bool ChainstateManager::ConnectTip(BlockValidationState& state, BlockIndex* index,
                                   const std::shared_ptr<const Block>& hint)
{
    std::shared_ptr<const Block> block = hint;
    if (!block || block->GetHash() != index->GetBlockHash()) {
        auto read = ReadBlock(*index);
        if (!read) {
            if (m_opts.notifications) m_opts.notifications->FatalError("Failed to read block: " + read.error);
            return state.Error("Failed to read block " + index->GetBlockHash().GetHex() + ": " + read.error);
        }
        block = std::make_shared<const Block>(std::move(*read));
    }
    {
        CoinsViewCache view(m_coins_tip.get());
        if (!ConnectBlock(*block, state, index, view, false)) {
            if (state.IsInvalid()) InvalidBlockFound(index, state);
            return false;
        }
        std::string err;
        if (!view.Flush(&err)) return state.Error(err);
    }
    m_chain.SetTip(*index);
    std::string err;
    if (!FlushToDisk(FlushMode::IF_NEEDED, &err)) return state.Error(err);
    LogTipUpdate("UpdateTip", index);
    if (m_opts.notifications) m_opts.notifications->BlockConnected(*block, *index);
    return true;
}

bool ChainstateManager::DisconnectTip(BlockValidationState& state)
{
    BlockIndex* tip = m_chain.Tip();
    assert(tip && tip->pprev);
    auto block = ReadBlock(*tip);
    if (!block) return state.Error("Failed to read block " + tip->GetBlockHash().GetHex() + ": " + block.error);
    {
        CoinsViewCache view(m_coins_tip.get());
        if (DisconnectBlock(*block, tip, view) != DisconnectResult::OK) {
            return state.Error("DisconnectTip(): DisconnectBlock " + tip->GetBlockHash().GetHex() + " failed");
        }
        std::string err;
        if (!view.Flush(&err)) return state.Error(err);
    }
    m_chain.SetTip(*tip->pprev);
    std::string err;
    if (!FlushToDisk(FlushMode::IF_NEEDED, &err)) return state.Error(err);
    LogTipUpdate("UpdateTip", tip->pprev);
    if (m_opts.notifications) m_opts.notifications->BlockDisconnected(*block, *tip);
    return true;
}

void ChainstateManager::InvalidBlockFound(BlockIndex* index, const BlockValidationState& state)
{
    if (state.GetResult() == BlockValidationResult::BLOCK_MUTATED) return;
    index->status |= BLOCK_FAILED_VALID;
    m_dirty_index.insert(index);
    m_candidates.erase(index);
    if (!m_best_invalid || index->chain_work > m_best_invalid->chain_work) m_best_invalid = index;
}

BlockIndex* ChainstateManager::FindMostWorkChain()
{
    while (true) {
        if (m_candidates.empty()) return nullptr;
        BlockIndex* candidate = *m_candidates.begin();
        // Every block between the active chain and the candidate must not have failed and must have its data.
        bool usable = true;
        for (BlockIndex* test = candidate; test && !m_chain.Contains(test); test = test->pprev) {
            const bool failed = IsFailed(test);
            const bool missing = !(test->status & BLOCK_HAVE_DATA);
            if (!failed && !missing) continue;
            if (failed && (!m_best_invalid || candidate->chain_work > m_best_invalid->chain_work)) {
                m_best_invalid = candidate;
            }
            // Drop the whole branch from the candidates; remember missing-data ones for when the data arrives.
            for (BlockIndex* walk = candidate; walk != test; walk = walk->pprev) {
                if (failed) {
                    walk->status |= BLOCK_FAILED_CHILD;
                    m_dirty_index.insert(walk);
                } else {
                    m_blocks_unlinked.emplace(walk->pprev, walk);
                }
                m_candidates.erase(walk);
            }
            m_candidates.erase(test);
            usable = false;
            break;
        }
        if (usable) return candidate;
    }
}

void ChainstateManager::PruneBlockIndexCandidates()
{
    // Candidates worse than the tip can never win; the tip itself stays.
    if (!m_chain.Tip()) return;
    auto it = m_candidates.begin();
    while (it != m_candidates.end() && !WorkComparator()(m_chain.Tip(), *it)) ++it;
    m_candidates.erase(it, m_candidates.end());
}

bool ChainstateManager::ActivateBestChainStep(BlockValidationState& state, BlockIndex* most_work, bool& invalid_found)
{
    const BlockIndex* fork = m_chain.FindFork(most_work);
    while (m_chain.Tip() && m_chain.Tip() != fork) {
        if (!DisconnectTip(state)) return false;
    }
    std::vector<BlockIndex*> to_connect;
    int height = fork ? fork->height : -1;
    while (height != most_work->height) {
        const int target = std::min(height + MAX_BLOCKS_PER_STEP, most_work->height);
        to_connect.clear();
        for (BlockIndex* b = most_work->GetAncestor(target); b && b->height > height; b = b->pprev) {
            to_connect.push_back(b);
        }
        std::reverse(to_connect.begin(), to_connect.end());
        height = target;
        for (BlockIndex* b : to_connect) {
            BlockValidationState block_state;
            if (!ConnectTip(block_state, b, nullptr)) {
                if (block_state.IsInvalid()) {
                    // Mark descendants as failed children; try the next best chain.
                    for (auto& [hash, idx] : m_block_index) {
                        BlockIndex* d = idx.get();
                        if (d != b && d->GetAncestor(b->height) == b) {
                            d->status |= BLOCK_FAILED_CHILD;
                            m_dirty_index.insert(d);
                            m_candidates.erase(d);
                        }
                    }
                    state = block_state;
                    invalid_found = true;
                    return true;
                }
                state = block_state;
                return false;
            }
            if (m_chain.Tip()->chain_work > (fork ? fork->chain_work : arith_uint256())) PruneBlockIndexCandidates();
        }
    }
    return true;
}

bool ChainstateManager::ActivateBestChain(BlockValidationState& state)
{
    std::lock_guard lock(m_mutex);
    const BlockIndex* start_tip = m_chain.Tip();
    while (true) {
        BlockIndex* most_work = FindMostWorkChain();
        // Only a strictly better chain replaces the tip (equal work: first seen wins).
        if (!most_work || most_work == m_chain.Tip()) break;
        if (m_chain.Tip() && !WorkComparator()(most_work, m_chain.Tip())) break;
        bool invalid_found = false;
        BlockValidationState step_state;
        if (!ActivateBestChainStep(step_state, most_work, invalid_found)) {
            state = step_state;
            return false;
        }
        if (invalid_found) {
            // Report the invalid block to the caller but keep going to the best remaining chain.
            state = step_state;
        }
    }
    PruneBlockIndexCandidates();
    if (m_chain.Tip() != start_tip && m_opts.notifications && m_chain.Tip()) {
        const BlockIndex* fork = start_tip ? m_chain.FindFork(start_tip) : nullptr;
        m_opts.notifications->UpdatedBlockTip(*m_chain.Tip(), fork, IsInitialBlockDownload());
    }
    // Returns false only on local errors; an invalid block found on the way is reported through state.
    std::string err;
    if (!FlushToDisk(FlushMode::PERIODIC, &err)) return state.Error(err);
    return !state.IsError();
}

bool ChainstateManager::TestBlockValidity(BlockValidationState& state, const Block& block, BlockIndex* prev,
                                          bool check_pow, bool check_merkle)
{
    std::lock_guard lock(m_mutex);
    assert(prev && prev == m_chain.Tip());
    CoinsViewCache view(m_coins_tip.get());
    BlockIndex index(block.header);
    uint256 hash = block.GetHash();
    index.phash = &hash;
    index.pprev = prev;
    index.height = prev->height + 1;
    index.BuildSkip();
    if (!ContextualCheckBlockHeader(block.header, state, prev)) return false;
    if (!CheckBlock(block, state, m_opts.params->consensus.pow_limit, check_pow, check_merkle)) return false;
    if (!ContextualCheckBlock(block, state, prev)) return false;
    return ConnectBlock(block, state, &index, view, true);
}

bool ChainstateManager::InvalidateBlock(BlockValidationState& state, BlockIndex* index)
{
    std::lock_guard lock(m_mutex);
    const BlockIndex* const start_tip = m_chain.Tip();
    // Disconnect until the block is off the active chain.
    while (m_chain.Contains(index)) {
        if (!DisconnectTip(state)) return false;
    }
    index->status |= BLOCK_FAILED_VALID;
    m_dirty_index.insert(index);
    m_candidates.erase(index);
    for (auto& [hash, idx] : m_block_index) {
        BlockIndex* d = idx.get();
        if (d != index && d->GetAncestor(index->height) == index) {
            d->status |= BLOCK_FAILED_CHILD;
            m_dirty_index.insert(d);
            m_candidates.erase(d);
        }
    }
    // Anything with at least the new tip's work may become the best chain again.
    for (auto& [hash, idx] : m_block_index) {
        BlockIndex* b = idx.get();
        if (b->IsValid(BLOCK_VALID_TRANSACTIONS) && b->HaveNumChainTxs() && m_chain.Tip() &&
            !WorkComparator()(m_chain.Tip(), b)) {
            m_candidates.insert(b);
        }
    }
    if (m_chain.Tip()) m_candidates.insert(m_chain.Tip());
    BlockIndex* const disconnected_to = m_chain.Tip();
    const bool ok = ActivateBestChain(state);
    // ActivateBestChain reports a tip change only against the tip it started from, which is already the
    // disconnected-to block. When no other chain takes over, report the disconnection here: subscribers (the
    // mempool re-adding the disconnected transactions, as Core's InvalidateBlock does) must hear of the new tip.
    if (m_chain.Tip() && m_chain.Tip() == disconnected_to && disconnected_to != start_tip && m_opts.notifications) {
        m_opts.notifications->UpdatedBlockTip(*m_chain.Tip(), m_chain.Tip(), IsInitialBlockDownload());
    }
    return ok;
}

bool ChainstateManager::ReconsiderBlock(BlockValidationState& state, BlockIndex* index)
{
    std::lock_guard lock(m_mutex);
    for (auto& [hash, idx] : m_block_index) {
        BlockIndex* b = idx.get();
        const bool related = b->GetAncestor(index->height) == index || index->GetAncestor(b->height) == b;
        if (related && IsFailed(b)) {
            b->status &= ~BLOCK_FAILED_MASK;
            m_dirty_index.insert(b);
            if (b->IsValid(BLOCK_VALID_TRANSACTIONS) && b->HaveNumChainTxs() && m_chain.Tip() &&
                !WorkComparator()(m_chain.Tip(), b)) {
                m_candidates.insert(b);
            }
            if (b == m_best_invalid) m_best_invalid = nullptr;
        }
    }
    return ActivateBestChain(state);
}

// ---- storage -------------------------------------------------------------------------------------------

Decoded<Block> ChainstateManager::ReadBlock(const BlockIndex& index) const
{
    if (!(index.status & BLOCK_HAVE_DATA)) {
        Decoded<Block> r;
        r.error = "Block not available (pruned data)";
        return r;
    }
    auto block = m_files->ReadBlock(FlatFilePos{index.file, index.data_pos});
    if (block && block->GetHash() != index.GetBlockHash()) {
        block.value.reset();
        block.error = "block hash mismatch at stored position";
    }
    return block;
}

std::optional<std::vector<uint8_t>> ChainstateManager::ReadRawBlock(const BlockIndex& index) const
{
    if (!(index.status & BLOCK_HAVE_DATA)) return std::nullopt;
    return m_files->ReadRawBlock(FlatFilePos{index.file, index.data_pos}, nullptr);
}

std::optional<std::vector<uint8_t>> ChainstateManager::ReadBlockPart(const FlatFilePos& pos, uint32_t offset,
                                                                     uint32_t max_len, std::string* error) const
{
    return m_files->ReadBlockPart(pos, offset, max_len, error);
}

Decoded<BlockUndo> ChainstateManager::ReadUndo(const BlockIndex& index) const
{
    if (!(index.status & BLOCK_HAVE_UNDO) || !index.pprev) {
        Decoded<BlockUndo> r;
        r.error = "Undo data not available";
        return r;
    }
    return m_files->ReadUndo(FlatFilePos{index.file, index.undo_pos}, index.pprev->GetBlockHash());
}

bool ChainstateManager::Flush(FlushMode mode)
{
    std::lock_guard lock(m_mutex);
    return FlushToDisk(mode, nullptr);
}

bool ChainstateManager::MakeBlocksDurable(std::string* error)
{
    std::lock_guard lock(m_mutex);
    if (!m_files->Flush(error)) return false;
    std::vector<const BlockIndex*> dirty(m_dirty_index.begin(), m_dirty_index.end());
    if (!m_block_tree->WriteBatchSync(m_files->FileInfo(), dirty, error)) return false;
    m_dirty_index.clear();
    return true;
}

// Order matters for crash safety: block and undo files are fsynced before the index that points into them is
// written, and the index before the UTXO set's best-block marker moves. Whatever survives a crash, the marker
// names a block whose data and undo are durable, and later stored blocks are simply connected again.
bool ChainstateManager::FlushToDisk(FlushMode mode, std::string* error)
{
    const int64_t now = Now();
    if (m_last_write == 0) m_last_write = now;
    const bool cache_full = m_coins_tip->DynamicMemoryUsage() > m_opts.coins_cache_bytes;
    const bool periodic = mode == FlushMode::PERIODIC && now > m_last_write + DATABASE_WRITE_INTERVAL;
    std::vector<int> prune_files;
    if (IsPruneMode() && m_chain.Tip()) FindFilesToPrune(prune_files, m_chain.Tip()->height - MIN_BLOCKS_TO_KEEP);
    if (mode != FlushMode::ALWAYS && !cache_full && !periodic && prune_files.empty()) return true;

    if (!m_files->Flush(error)) return false;
    std::vector<const BlockIndex*> dirty(m_dirty_index.begin(), m_dirty_index.end());
    if (!m_block_tree->WriteBatchSync(m_files->FileInfo(), dirty, error)) return false;
    m_dirty_index.clear();
    if (!prune_files.empty()) {
        m_block_tree->WriteFlag("prunedblockfiles", true);
        m_have_pruned = true;
        m_files->RemoveFiles(prune_files);
        std::vector<const BlockIndex*> none;
        if (!m_block_tree->WriteBatchSync(m_files->FileInfo(), none, error)) return false;
    }
    if (!m_coins_tip->Flush(error)) return false;
    m_last_write = now;
    return true;
}

void ChainstateManager::FindFilesToPrune(std::vector<int>& files, int prune_up_to)
{
    if (prune_up_to <= 0) return;
    const uint64_t target = std::max(m_opts.prune_target_bytes, MIN_PRUNE_TARGET_MIB << 20);
    uint64_t used = BlockFilesSize();
    if (used <= target) return;
    const auto& infos = m_files->FileInfo();
    for (int f = 0; f < m_files->CurrentFile() && used > target; ++f) {
        const BlockFileInfo& info = infos[f];
        if (info.size == 0 || static_cast<int>(info.height_last) > prune_up_to) continue;
        files.push_back(f);
        used -= info.size + info.undo_size;
    }
    // The index must forget the data in those files.
    for (auto& [hash, index] : m_block_index) {
        if ((index->status & BLOCK_HAVE_MASK) &&
            std::find(files.begin(), files.end(), index->file) != files.end()) {
            index->status &= ~BLOCK_HAVE_MASK;
            index->file = 0;
            index->data_pos = index->undo_pos = 0;
            m_dirty_index.insert(index.get());
            // Headers with data removed stay known; they can no longer be reconnected.
            auto range = m_blocks_unlinked.equal_range(index->pprev);
            for (auto it = range.first; it != range.second;) {
                it = it->second == index.get() ? m_blocks_unlinked.erase(it) : std::next(it);
            }
        }
    }
}

int ChainstateManager::PruneBelow(int height)
{
    std::lock_guard lock(m_mutex);
    if (!m_chain.Tip()) return -1;
    height = std::min(height, m_chain.Tip()->height - MIN_BLOCKS_TO_KEEP);
    std::vector<int> files;
    const auto& infos = m_files->FileInfo();
    for (int f = 0; f < m_files->CurrentFile(); ++f) {
        if (infos[f].size > 0 && static_cast<int>(infos[f].height_last) <= height) files.push_back(f);
    }
    if (!files.empty()) {
        for (auto& [hash, index] : m_block_index) {
            if ((index->status & BLOCK_HAVE_MASK) && std::find(files.begin(), files.end(), index->file) != files.end()) {
                index->status &= ~BLOCK_HAVE_MASK;
                index->data_pos = index->undo_pos = 0;
                m_dirty_index.insert(index.get());
            }
        }
        std::string err;
        m_files->Flush(&err);
        std::vector<const BlockIndex*> dirty(m_dirty_index.begin(), m_dirty_index.end());
        m_block_tree->WriteBatchSync(m_files->FileInfo(), dirty, &err);
        m_dirty_index.clear();
        m_block_tree->WriteFlag("prunedblockfiles", true);
        m_have_pruned = true;
        m_files->RemoveFiles(files);
    }
    return PruneHeight() - 1;
}

int ChainstateManager::PruneHeight() const
{
    const BlockIndex* b = m_chain.Tip();
    if (!b) return 0;
    while (b->pprev && (b->pprev->status & BLOCK_HAVE_DATA)) b = b->pprev;
    return b->height;
}

uint64_t ChainstateManager::BlockFilesSize() const
{
    uint64_t total = 0;
    for (const BlockFileInfo& f : m_files->FileInfo()) total += uint64_t(f.size) + f.undo_size;
    return total;
}

// ---- queries -------------------------------------------------------------------------------------------

bool ChainstateManager::IsInitialBlockDownload() const
{
    std::lock_guard lock(m_mutex);
    if (m_ibd_latched) return false;
    const BlockIndex* tip = m_chain.Tip();
    if (!tip) return true;
    if (tip->chain_work < UintToArith256(m_opts.params->consensus.minimum_chain_work)) return true;
    if (tip->GetBlockTime() < Now() - MAX_TIP_AGE) return true;
    m_ibd_latched = true;
    return false;
}

std::vector<const BlockIndex*> ChainstateManager::GetChainTips() const
{
    std::lock_guard lock(m_mutex);
    std::set<const BlockIndex*> has_child;
    for (const auto& [hash, index] : m_block_index) {
        if (index->pprev) has_child.insert(index->pprev);
    }
    std::vector<const BlockIndex*> tips;
    for (const auto& [hash, index] : m_block_index) {
        if (!has_child.count(index.get())) tips.push_back(index.get());
    }
    if (m_chain.Tip() && !std::count(tips.begin(), tips.end(), m_chain.Tip())) tips.push_back(m_chain.Tip());
    return tips;
}

void ChainstateManager::LogTipUpdate(const char* func, const BlockIndex* tip)
{
    const double progress = VerificationProgress(tip);
    LogPrintf("%s: new best=%s height=%d version=0x%08x log2_work=%f tx=%" PRIu64
              " date='%s' progress=%f cache=%.1fMiB(%zutxo)\n",
              func, tip->GetBlockHash().GetHex().c_str(), tip->height, static_cast<uint32_t>(tip->version),
              std::log(tip->chain_work.GetDouble()) / std::log(2.0), tip->chain_tx_count,
              FormatIsoTime(tip->GetBlockTime()).c_str(), progress,
              m_coins_tip->DynamicMemoryUsage() * (1.0 / (1 << 20)), m_coins_tip->GetCacheSize());
    // While far behind (IBD, -reindex), a line every SYNC_LOG_INTERVAL with the rate and the time left.
    const double now = SteadySeconds();
    if (m_sync_start_time < 0 || now - m_last_progress_log > 10 * SYNC_LOG_INTERVAL) {
        // (Re)start measuring after an idle period, so the rate reflects the current burst of blocks.
        m_sync_start_time = now;
        m_sync_start_height = tip->height;
        m_last_progress_log = now;
        return;
    }
    if (now - m_last_progress_log < SYNC_LOG_INTERVAL) return;
    const int target = m_best_header ? std::max(m_best_header->height, tip->height) : tip->height;
    // Only while catching up (behind the best header, or still in initial block download).
    if (target == tip->height && m_ibd_latched) return;
    m_last_progress_log = now;
    const double elapsed = now - m_sync_start_time;
    const int done = tip->height - m_sync_start_height;
    const double rate = elapsed > 0 ? done / elapsed : 0;
    const double eta = rate > 0 ? (target - tip->height) / rate : -1;
    LogPrintf("Sync progress: height %d of %d (%.2f%%, progress=%f), %.1f blocks/s, ETA %s\n", tip->height, target,
              target > 0 ? 100.0 * tip->height / target : 100.0, progress, rate, FormatEta(eta).c_str());
}

double ChainstateManager::VerificationProgress(const BlockIndex* index) const
{
    if (!index) return 0.0;
    // Without chain statistics, estimate by the time still to cover at one block per target spacing.
    const int64_t now = Now();
    const double done = static_cast<double>(index->chain_tx_count ? index->chain_tx_count : index->height + 1);
    const int64_t behind = std::max<int64_t>(0, now - index->GetBlockTime());
    const double remaining = static_cast<double>(behind) / m_opts.params->consensus.pow_target_spacing;
    if (behind < MAX_TIP_AGE / 24) return 1.0;
    return std::min(1.0, done / (done + remaining));
}
