// What every optional index (-txindex, -blockfilterindex, the Electrum history index) shares: its own LevelDB,
// a recorded best block, a background catch-up from that block to the tip with progress in the log, then
// block-by-block updates (and rewinds on reorgs) as a subscriber of the node.
#pragma once

#include "node/context.h"
#include "node/database.h"

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

/** getindexinfo's view of an index. */
struct IndexSummary {
    std::string name;
    bool synced{false};
    int best_block_height{-1};
    uint256 best_block_hash;
};

class BaseIndex : public ValidationNotifications
{
public:
    struct Options {
        std::filesystem::path path;  // e.g. <datadir>/indexes/txindex
        size_t cache_bytes{8 << 20};
        bool memory_only{false};
        bool wipe{false};  // -reindex rebuilds every index
    };

    BaseIndex(NodeContext& node, std::string name, Options options);
    ~BaseIndex() override;
    BaseIndex(const BaseIndex&) = delete;
    BaseIndex& operator=(const BaseIndex&) = delete;

    /** Opens the database and reads the recorded best block. false and *error (with what to do) on failure. */
    bool Init(std::string* error);
    /** Catches up in a background thread, then follows the chain. Init must have succeeded. */
    void Start();
    /** Joins the catch-up thread and stops following the chain; safe to call twice. */
    void Stop();
    /** Waits (bounded by timeout) until the index reached the tip it saw when called; false on timeout. */
    bool BlockUntilSynced(std::chrono::milliseconds timeout) const;

    IndexSummary GetSummary() const;
    const std::string& Name() const { return m_name; }

    void BlockConnected(const Block& block, const BlockIndex& index) override;
    void BlockDisconnected(const Block& block, const BlockIndex& index) override;

protected:
    /** Adds what the index keeps for a block to batch (written atomically with the new best block). */
    virtual bool CustomAppend(DbBatch& batch, const Block& block, const BlockIndex& index) = 0;
    /** Removes what CustomAppend added, when the block leaves the active chain. Indexes keyed by block hash may
     *  keep the data (Core's block filter index does) and return true. */
    virtual bool CustomRemove(DbBatch& batch, const Block& block, const BlockIndex& index) = 0;
    /** Called once after Init opened the database (e.g. to read the index's own metadata). */
    virtual bool CustomInit(std::string* error) { (void)error; return true; }

    Database& Db() const { return *m_db; }
    NodeContext& Node() const { return m_node; }

private:
    void SyncThread();
    bool Commit(DbBatch& batch, const BlockIndex* best, std::string* error);
    bool AppendBlock(const Block& block, const BlockIndex& index);
    bool RemoveBlock(const Block& block, const BlockIndex& index);
    void Fail(const std::string& message);

    NodeContext& m_node;
    const std::string m_name;
    const Options m_options;
    std::unique_ptr<Database> m_db;
    std::thread m_thread;
    std::atomic<bool> m_interrupt{false};
    std::atomic<bool> m_synced{false};
    std::atomic<bool> m_registered{false};
    std::atomic<bool> m_failed{false};
    /** Last block whose data is in the database (nullptr: none). Guarded by m_mutex. */
    mutable std::mutex m_mutex;
    const BlockIndex* m_best{nullptr};
};
