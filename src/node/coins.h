// The UTXO set: a view interface, the LevelDB-backed store, and a write-back cache (Core's CCoinsView family).
#pragma once

#include "crypto/siphash.h"
#include "node/coin.h"
#include "node/database.h"

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

/** Hashes outpoints with a per-process random key, so peers cannot craft collisions. */
class SaltedOutpointHasher
{
public:
    SaltedOutpointHasher();
    size_t operator()(const OutPoint& o) const { return SipHashUint256Extra(m_k0, m_k1, o.hash, o.n); }

private:
    uint64_t m_k0, m_k1;
};

struct CoinsCacheEntry {
    enum Flags : uint8_t {
        DIRTY = 1,  // differs from the parent view
        FRESH = 2,  // the parent view has no unspent version of this coin: if spent here, drop it silently
    };
    Coin coin;
    uint8_t flags{0};
};

using CoinsMap = std::unordered_map<OutPoint, CoinsCacheEntry, SaltedOutpointHasher>;

class CoinsView
{
public:
    virtual ~CoinsView() = default;
    /** The unspent coin at outpoint, if any. */
    virtual std::optional<Coin> GetCoin(const OutPoint& outpoint) const = 0;
    virtual bool HaveCoin(const OutPoint& outpoint) const { return GetCoin(outpoint).has_value(); }
    /** The block this view's state corresponds to. */
    virtual uint256 GetBestBlock() const = 0;
    /** Takes the dirty entries of a child cache (the map is consumed). */
    virtual bool BatchWrite(CoinsMap& coins, const uint256& best_block, std::string* error) = 0;
};

/** The UTXO set in LevelDB: key 'C' || txid || VARINT(n), value the Core coin encoding; 'B' the best block;
 *  'H' [new, old] while a flush is under way (crash recovery replays from old to new). */
class CoinsViewDB : public CoinsView
{
public:
    explicit CoinsViewDB(Database& db) : m_db(db) {}
    std::optional<Coin> GetCoin(const OutPoint& outpoint) const override;
    bool HaveCoin(const OutPoint& outpoint) const override;
    uint256 GetBestBlock() const override;
    /** Non-empty only after a flush was interrupted: {new tip, old tip}. */
    std::vector<uint256> GetHeadBlocks() const;
    bool BatchWrite(CoinsMap& coins, const uint256& best_block, std::string* error) override;
    /** Writes the best block marker alone (after a replay brought the coins up to it). */
    bool WriteBestBlock(const uint256& best_block);
    Database& GetDatabase() const { return m_db; }
    /** Largest batch written at once before the final, synced marker. */
    size_t batch_write_bytes{16 << 20};

    static Bytes CoinKey(const OutPoint& outpoint);
    static std::optional<OutPoint> ParseCoinKey(const Bytes& key);

private:
    Database& m_db;
};

/** A write-back cache over another view. */
class CoinsViewCache : public CoinsView
{
public:
    explicit CoinsViewCache(CoinsView* base) : m_base(base) {}
    CoinsViewCache(const CoinsViewCache&) = delete;

    std::optional<Coin> GetCoin(const OutPoint& outpoint) const override;
    bool HaveCoin(const OutPoint& outpoint) const override;
    uint256 GetBestBlock() const override;
    bool BatchWrite(CoinsMap& coins, const uint256& best_block, std::string* error) override;

    /** Reference to the cached coin (a spent, empty Coin when there is none). */
    const Coin& AccessCoin(const OutPoint& outpoint) const;
    bool HaveCoinInCache(const OutPoint& outpoint) const { return m_cache.count(outpoint) > 0; }
    /** Adds a coin. possible_overwrite allows replacing an unspent coin (pre-BIP30 duplicates). */
    void AddCoin(const OutPoint& outpoint, Coin coin, bool possible_overwrite);
    /** Spends a coin, moving it into *moved_to when given. False when there was no unspent coin. */
    bool SpendCoin(const OutPoint& outpoint, Coin* moved_to = nullptr);
    void SetBestBlock(const uint256& hash) { m_best_block = hash; }
    /** Pushes every change to the base view and empties the cache. */
    bool Flush(std::string* error = nullptr);
    /** Drops an unmodified entry (keeps memory bounded after lookups that did not change anything). */
    void Uncache(const OutPoint& outpoint);
    size_t GetCacheSize() const { return m_cache.size(); }
    size_t DynamicMemoryUsage() const;
    /** True when every input of tx is an unspent coin in this view. */
    bool HaveInputs(const Transaction& tx) const;
    void SetBackend(CoinsView* base) { m_base = base; }

private:
    CoinsMap::iterator FetchCoin(const OutPoint& outpoint) const;

    CoinsView* m_base;
    mutable CoinsMap m_cache;
    mutable uint256 m_best_block;
    mutable size_t m_script_bytes{0};  // memory held by cached scripts
};

/** Adds all outputs of tx (except provably unspendable ones) created at height. */
void AddCoins(CoinsViewCache& view, const Transaction& tx, int height, bool check_for_overwrite = false);

/** What gettxoutsetinfo reports; hash_serialized is Core's hash_serialized_3. */
struct UtxoStats {
    uint256 best_block;
    uint64_t transactions{0};
    uint64_t txouts{0};
    uint64_t bogosize{0};
    Amount total_amount{0};
    uint256 hash_serialized;
    uint64_t disk_size{0};
};
/** Walks the whole database (flush caches first). */
std::optional<UtxoStats> ComputeUtxoStats(const CoinsViewDB& view);
