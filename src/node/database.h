// A LevelDB database with Bitcoin Core's value obfuscation (an 8-byte XOR key stored under "\0obfuscate_key"),
// batched atomic writes and prefix iteration. Used for the block index, the UTXO set and indexes.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace leveldb {
class DB;
class WriteBatch;
class Iterator;
class Cache;
class FilterPolicy;
class Env;
}  // namespace leveldb

using Bytes = std::vector<uint8_t>;

class Database;

/** Writes applied together, atomically, by Database::Write. */
class DbBatch
{
public:
    explicit DbBatch(const Database& db);
    ~DbBatch();
    void Put(std::span<const uint8_t> key, std::span<const uint8_t> value);
    void Erase(std::span<const uint8_t> key);
    void Clear();
    size_t ApproximateSize() const { return m_size; }

private:
    friend class Database;
    const Database& m_db;
    std::unique_ptr<leveldb::WriteBatch> m_batch;
    size_t m_size{0};
};

/** Ordered iteration over keys starting with a prefix. Values are de-obfuscated. */
class DbIterator
{
public:
    ~DbIterator();
    bool Valid() const;
    void Next();
    Bytes Key() const;
    Bytes Value() const;

private:
    friend class Database;
    DbIterator(const Database& db, leveldb::Iterator* it, Bytes prefix);
    const Database& m_db;
    std::unique_ptr<leveldb::Iterator> m_it;
    Bytes m_prefix;
};

class Database
{
public:
    struct Options {
        std::filesystem::path path;
        size_t cache_bytes{8 << 20};
        bool memory_only{false};  // tests: an in-memory environment
        bool wipe{false};         // delete existing data first (-reindex)
        bool obfuscate{true};
    };

    /** nullptr and *error (what happened and what to do) on failure, e.g. another process holding the lock. */
    static std::unique_ptr<Database> Open(const Options& options, std::string* error);
    ~Database();

    std::optional<Bytes> Read(std::span<const uint8_t> key) const;
    bool Exists(std::span<const uint8_t> key) const;
    /** Applies the batch atomically; sync forces an fsync of the log before returning. */
    bool Write(DbBatch& batch, bool sync, std::string* error = nullptr);
    bool Put(std::span<const uint8_t> key, std::span<const uint8_t> value, bool sync);
    bool Erase(std::span<const uint8_t> key, bool sync);
    std::unique_ptr<DbIterator> Seek(std::span<const uint8_t> prefix) const;
    bool IsEmpty() const;
    /** Approximate on-disk size of keys in [begin, end). */
    uint64_t EstimateSize(std::span<const uint8_t> begin, std::span<const uint8_t> end) const;
    void Compact();
    const std::array<uint8_t, 8>& ObfuscationKey() const { return m_xor; }

private:
    friend class DbBatch;
    friend class DbIterator;
    Database() = default;
    void Xor(Bytes& value) const;

    std::unique_ptr<leveldb::Env> m_env;  // only for memory_only
    std::unique_ptr<leveldb::Cache> m_cache;
    std::unique_ptr<const leveldb::FilterPolicy> m_filter;
    std::unique_ptr<leveldb::DB> m_db;
    std::array<uint8_t, 8> m_xor{};
};

/** Key helper: a one-byte prefix followed by raw bytes. */
Bytes DbKey(uint8_t prefix, std::span<const uint8_t> rest = {});
