// Catch-up, follow and rewind for optional indexes; see base_index.h.
#include "index/base_index.h"

#include "primitives/serialize.h"
#include "util/logging.h"

#include <chrono>

namespace {
// Core's key for the best block locator of an index ('B').
constexpr uint8_t DB_BEST_BLOCK = 'B';
// How often the catch-up logs its progress and commits.
constexpr auto PROGRESS_INTERVAL = std::chrono::seconds(10);

Bytes BestBlockKey() { return {DB_BEST_BLOCK}; }

/** Core stores a block locator: a version int and the hashes. We write the one hash we resume from. */
Bytes EncodeLocator(const BlockIndex* best)
{
    Bytes out;
    VectorWriter w(out);
    WriteLE(w, int32_t{0});
    if (best) {
        WriteCompactSize(w, 1);
        const uint256 hash = best->GetBlockHash();
        w.write(std::span<const uint8_t>(hash.begin(), hash.size()));
    } else {
        WriteCompactSize(w, 0);
    }
    return out;
}

std::vector<uint256> DecodeLocator(const Bytes& bytes)
{
    std::vector<uint256> hashes;
    try {
        SpanReader r(bytes);
        (void)ReadLE<int32_t>(r);
        const uint64_t n = ReadCompactSize(r);
        for (uint64_t i = 0; i < n && i < 1000; ++i) {
            uint256 h;
            r.read(std::span<uint8_t>(h.begin(), h.size()));
            hashes.push_back(h);
        }
    } catch (const std::exception&) {
        hashes.clear();
    }
    return hashes;
}
}  // namespace

BaseIndex::BaseIndex(NodeContext& node, std::string name, Options options)
    : m_node(node), m_name(std::move(name)), m_options(std::move(options))
{
}

BaseIndex::~BaseIndex() { Stop(); }

bool BaseIndex::Init(std::string* error)
{
    Database::Options dbo;
    dbo.path = m_options.path;
    dbo.cache_bytes = m_options.cache_bytes;
    dbo.memory_only = m_options.memory_only;
    dbo.wipe = m_options.wipe;
    m_db = Database::Open(dbo, error);
    if (!m_db) return false;
    if (!CustomInit(error)) return false;
    std::lock_guard chain_lock(m_node.chainman->Mutex());
    std::lock_guard lock(m_mutex);
    m_best = nullptr;
    if (auto bytes = m_db->Read(BestBlockKey())) {
        // Resume from the first locator entry we know; an unknown one means the index belongs to another chain.
        for (const uint256& hash : DecodeLocator(*bytes)) {
            if (const BlockIndex* index = m_node.chainman->LookupBlockIndex(hash)) {
                m_best = index;
                break;
            }
        }
        if (!m_best && !DecodeLocator(*bytes).empty()) {
            if (error) {
                *error = m_name + ": best block of the index is not in the block index. Restart with -reindex to "
                                  "rebuild it, or delete " + m_options.path.string() + ".";
            }
            return false;
        }
    }
    return true;
}

bool BaseIndex::Commit(DbBatch& batch, const BlockIndex* best, std::string* error)
{
    const Bytes locator = EncodeLocator(best);
    batch.Put(BestBlockKey(), locator);
    return m_db->Write(batch, false, error);
}

void BaseIndex::Fail(const std::string& message)
{
    m_failed = true;
    LogPrintf("%s: %s\n", m_name.c_str(), message.c_str());
    if (m_node.notifications) m_node.notifications->FatalError(m_name + ": " + message);
}

bool BaseIndex::AppendBlock(const Block& block, const BlockIndex& index)
{
    DbBatch batch(*m_db);
    if (!CustomAppend(batch, block, index)) {
        Fail("failed to write block " + index.GetBlockHash().GetHex() + " to the index");
        return false;
    }
    std::string error;
    if (!Commit(batch, &index, &error)) {
        Fail("failed to commit the index: " + error);
        return false;
    }
    std::lock_guard lock(m_mutex);
    m_best = &index;
    return true;
}

bool BaseIndex::RemoveBlock(const Block& block, const BlockIndex& index)
{
    DbBatch batch(*m_db);
    if (!CustomRemove(batch, block, index)) {
        Fail("failed to rewind block " + index.GetBlockHash().GetHex() + " from the index");
        return false;
    }
    std::string error;
    if (!Commit(batch, index.pprev, &error)) {
        Fail("failed to commit the index: " + error);
        return false;
    }
    std::lock_guard lock(m_mutex);
    m_best = index.pprev;
    return true;
}

void BaseIndex::Start()
{
    if (m_thread.joinable() || m_registered) return;
    m_interrupt = false;
    m_thread = std::thread([this] { SyncThread(); });
}

void BaseIndex::Stop()
{
    m_interrupt = true;
    if (m_thread.joinable()) m_thread.join();
    if (m_registered.exchange(false) && m_node.notifications) m_node.notifications->Unregister(this);
}

void BaseIndex::SyncThread()
{
    ChainstateManager& cm = *m_node.chainman;
    auto last_log = std::chrono::steady_clock::now();
    const auto start = last_log;
    int start_height = -1;
    {
        std::lock_guard lock(m_mutex);
        if (m_best) start_height = m_best->height;
    }
    while (!m_interrupt && !m_failed) {
        const BlockIndex* next = nullptr;
        int tip_height = 0;
        {
            std::lock_guard chain_lock(cm.Mutex());
            const BlockIndex* best;
            {
                std::lock_guard lock(m_mutex);
                best = m_best;
            }
            // Rewind blocks that left the active chain while we were not following it.
            if (best && !cm.Chain().Contains(best)) {
                auto block = cm.ReadBlock(*best);
                if (!block) {
                    Fail("cannot read block " + best->GetBlockHash().GetHex() + " to rewind the index: " + block.error);
                    return;
                }
                if (!RemoveBlock(*block, *best)) return;
                continue;
            }
            next = best ? cm.Chain().Next(best) : cm.Chain().Genesis();
            tip_height = cm.Chain().Height();
            if (!next) {
                // Caught up: from now on blocks arrive as notifications (registered under the chain lock, so
                // none is missed or seen twice).
                m_node.notifications->Register(this);
                m_registered = true;
                m_synced = true;
                LogPrintf("%s is enabled at height %d\n", m_name.c_str(), best ? best->height : -1);
                return;
            }
        }
        // Read and index outside the chain lock, so the node keeps working during a long catch-up.
        auto block = cm.ReadBlock(*next);
        if (!block) {
            // Pruned or missing data: the index cannot be completed.
            Fail("cannot read block " + next->GetBlockHash().GetHex() + " (" + block.error +
                 "); the index needs every block: restart with -reindex");
            return;
        }
        {
            // The block may have left the chain meanwhile; recheck under the lock before appending.
            std::lock_guard chain_lock(cm.Mutex());
            if (!cm.Chain().Contains(next)) continue;
            if (!AppendBlock(*block, *next)) return;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now - last_log >= PROGRESS_INTERVAL) {
            last_log = now;
            const double done = tip_height > 0 ? 100.0 * next->height / tip_height : 100.0;
            const double secs = std::chrono::duration<double>(now - start).count();
            const int indexed = next->height - start_height;
            const double rate = secs > 0 ? indexed / secs : 0;
            const double eta = rate > 0 ? (tip_height - next->height) / rate : 0;
            LogPrintf("Syncing %s with block chain from height %d: %.1f%% (%.0f blocks/s, ETA %.0f s)\n",
                      m_name.c_str(), next->height, done, rate, eta);
        }
    }
}

void BaseIndex::BlockConnected(const Block& block, const BlockIndex& index)
{
    if (m_failed) return;
    const BlockIndex* best;
    {
        std::lock_guard lock(m_mutex);
        best = m_best;
    }
    if (index.pprev != best) {
        // Notifications come in chain order; anything else is a bug worth stopping for.
        Fail("block " + index.GetBlockHash().GetHex() + " does not connect to the index's best block");
        return;
    }
    AppendBlock(block, index);
}

void BaseIndex::BlockDisconnected(const Block& block, const BlockIndex& index)
{
    if (m_failed) return;
    RemoveBlock(block, index);
}

bool BaseIndex::BlockUntilSynced(std::chrono::milliseconds timeout) const
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (m_failed) return false;
        if (m_synced) {
            std::lock_guard chain_lock(m_node.chainman->Mutex());
            std::lock_guard lock(m_mutex);
            if (m_best == m_node.chainman->Tip()) return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

IndexSummary BaseIndex::GetSummary() const
{
    IndexSummary s;
    s.name = m_name;
    s.synced = m_synced;
    std::lock_guard lock(m_mutex);
    if (m_best) {
        s.best_block_height = m_best->height;
        s.best_block_hash = m_best->GetBlockHash();
    }
    return s;
}
