// The UTXO set: database store, write-back cache, and statistics.
#include "node/coins.h"

#include "crypto/hash.h"

#include <openssl/rand.h>

#include <map>
#include <stdexcept>

namespace {
constexpr uint8_t DB_COIN = 'C';
constexpr uint8_t DB_BEST_BLOCK = 'B';
constexpr uint8_t DB_HEAD_BLOCKS = 'H';

const Coin EMPTY_COIN{};
}  // namespace

SaltedOutpointHasher::SaltedOutpointHasher()
{
    RAND_bytes(reinterpret_cast<uint8_t*>(&m_k0), sizeof(m_k0));
    RAND_bytes(reinterpret_cast<uint8_t*>(&m_k1), sizeof(m_k1));
}

// ---- database ------------------------------------------------------------------------------------------

Bytes CoinsViewDB::CoinKey(const OutPoint& outpoint)
{
    Bytes key = DbKey(DB_COIN, std::span<const uint8_t>(outpoint.hash.data(), 32));
    VectorWriter w(key);
    WriteVarInt(w, outpoint.n);
    return key;
}

std::optional<OutPoint> CoinsViewDB::ParseCoinKey(const Bytes& key)
{
    if (key.size() < 34 || key[0] != DB_COIN) return std::nullopt;
    try {
        SpanReader r(std::span<const uint8_t>(key).subspan(33));
        uint64_t n = ReadVarInt(r, std::numeric_limits<uint32_t>::max());
        if (!r.empty()) return std::nullopt;
        return OutPoint(uint256(std::span<const uint8_t>(key.data() + 1, 32)), static_cast<uint32_t>(n));
    } catch (const DeserializeError&) {
        return std::nullopt;
    }
}

std::optional<Coin> CoinsViewDB::GetCoin(const OutPoint& outpoint) const
{
    auto value = m_db.Read(CoinKey(outpoint));
    if (!value) return std::nullopt;
    auto coin = DeserializeCoin(*value);
    if (!coin) throw std::runtime_error("corrupt coin in chainstate database: " + coin.error + "; restart with -reindex-chainstate");
    return std::move(coin.value);
}

bool CoinsViewDB::HaveCoin(const OutPoint& outpoint) const { return m_db.Exists(CoinKey(outpoint)); }

uint256 CoinsViewDB::GetBestBlock() const
{
    auto value = m_db.Read(DbKey(DB_BEST_BLOCK));
    if (!value || value->size() != 32) return uint256();
    return uint256(*value);
}

std::vector<uint256> CoinsViewDB::GetHeadBlocks() const
{
    std::vector<uint256> out;
    auto value = m_db.Read(DbKey(DB_HEAD_BLOCKS));
    if (!value) return out;
    try {
        SpanReader r(*value);
        uint64_t n = ReadCompactSize(r);
        for (uint64_t i = 0; i < n; ++i) out.push_back(ReadUint256(r));
    } catch (const DeserializeError&) {
        out.clear();
    }
    return out;
}

bool CoinsViewDB::BatchWrite(CoinsMap& coins, const uint256& best_block, std::string* error)
{
    DbBatch batch(m_db);
    const uint256 old_tip = GetBestBlock();
    // Mark the store as moving from old_tip to best_block; if we crash mid-way, the next start replays blocks
    // from old_tip (every write below is idempotent for that replay).
    {
        Bytes heads;
        VectorWriter w(heads);
        WriteCompactSize(w, 2);
        WriteBlob(w, best_block);
        WriteBlob(w, old_tip);
        batch.Erase(DbKey(DB_BEST_BLOCK));
        batch.Put(DbKey(DB_HEAD_BLOCKS), heads);
    }
    for (auto it = coins.begin(); it != coins.end(); it = coins.erase(it)) {
        if (!(it->second.flags & CoinsCacheEntry::DIRTY)) continue;
        Bytes key = CoinKey(it->first);
        if (it->second.coin.IsSpent()) {
            batch.Erase(key);
        } else {
            batch.Put(key, SerializeCoin(it->second.coin));
        }
        if (batch.ApproximateSize() > batch_write_bytes) {
            if (!m_db.Write(batch, false, error)) return false;
        }
    }
    batch.Erase(DbKey(DB_HEAD_BLOCKS));
    batch.Put(DbKey(DB_BEST_BLOCK), std::span<const uint8_t>(best_block.data(), 32));
    return m_db.Write(batch, true, error);
}

bool CoinsViewDB::WriteBestBlock(const uint256& best_block)
{
    DbBatch batch(m_db);
    batch.Erase(DbKey(DB_HEAD_BLOCKS));
    batch.Put(DbKey(DB_BEST_BLOCK), std::span<const uint8_t>(best_block.data(), 32));
    return m_db.Write(batch, true);
}

// ---- cache ---------------------------------------------------------------------------------------------

CoinsMap::iterator CoinsViewCache::FetchCoin(const OutPoint& outpoint) const
{
    auto it = m_cache.find(outpoint);
    if (it != m_cache.end()) return it;
    auto coin = m_base->GetCoin(outpoint);
    if (!coin) return m_cache.end();
    CoinsCacheEntry entry;
    entry.coin = std::move(*coin);
    // A coin absent as unspent from the parent could not be FRESH; one we just read from it is not FRESH.
    m_script_bytes += entry.coin.out.script_pubkey.size();
    return m_cache.emplace(outpoint, std::move(entry)).first;
}

std::optional<Coin> CoinsViewCache::GetCoin(const OutPoint& outpoint) const
{
    auto it = FetchCoin(outpoint);
    if (it == m_cache.end() || it->second.coin.IsSpent()) return std::nullopt;
    return it->second.coin;
}

bool CoinsViewCache::HaveCoin(const OutPoint& outpoint) const
{
    auto it = FetchCoin(outpoint);
    return it != m_cache.end() && !it->second.coin.IsSpent();
}

const Coin& CoinsViewCache::AccessCoin(const OutPoint& outpoint) const
{
    auto it = FetchCoin(outpoint);
    return it == m_cache.end() ? EMPTY_COIN : it->second.coin;
}

uint256 CoinsViewCache::GetBestBlock() const
{
    if (m_best_block.IsNull()) m_best_block = m_base->GetBestBlock();
    return m_best_block;
}

void CoinsViewCache::AddCoin(const OutPoint& outpoint, Coin coin, bool possible_overwrite)
{
    if (coin.out.script_pubkey.IsUnspendable()) return;
    auto [it, inserted] = m_cache.try_emplace(outpoint);
    bool fresh = false;
    if (!possible_overwrite) {
        if (!inserted && !it->second.coin.IsSpent()) {
            throw std::logic_error("Attempted to overwrite an unspent coin (when possible_overwrite is false)");
        }
        // If the entry was spent but still dirty, the parent may hold the unspent version: not FRESH then.
        fresh = !(it->second.flags & CoinsCacheEntry::DIRTY);
    }
    if (!inserted) m_script_bytes -= it->second.coin.out.script_pubkey.size();
    it->second.coin = std::move(coin);
    m_script_bytes += it->second.coin.out.script_pubkey.size();
    it->second.flags |= CoinsCacheEntry::DIRTY | (fresh ? CoinsCacheEntry::FRESH : 0);
}

bool CoinsViewCache::SpendCoin(const OutPoint& outpoint, Coin* moved_to)
{
    auto it = FetchCoin(outpoint);
    if (it == m_cache.end()) return false;
    m_script_bytes -= it->second.coin.out.script_pubkey.size();
    if (moved_to) *moved_to = std::move(it->second.coin);
    if (it->second.flags & CoinsCacheEntry::FRESH) {
        m_cache.erase(it);
    } else {
        it->second.flags |= CoinsCacheEntry::DIRTY;
        it->second.coin.Clear();
    }
    return true;
}

bool CoinsViewCache::BatchWrite(CoinsMap& coins, const uint256& best_block, std::string*)
{
    for (auto it = coins.begin(); it != coins.end(); it = coins.erase(it)) {
        if (!(it->second.flags & CoinsCacheEntry::DIRTY)) continue;
        auto mine = m_cache.find(it->first);
        if (mine == m_cache.end()) {
            // A FRESH coin spent in the child never needs to reach the parent.
            if ((it->second.flags & CoinsCacheEntry::FRESH) && it->second.coin.IsSpent()) continue;
            CoinsCacheEntry& entry = m_cache[it->first];
            entry.coin = std::move(it->second.coin);
            m_script_bytes += entry.coin.out.script_pubkey.size();
            entry.flags = CoinsCacheEntry::DIRTY | (it->second.flags & CoinsCacheEntry::FRESH);
        } else {
            if ((it->second.flags & CoinsCacheEntry::FRESH) && !mine->second.coin.IsSpent()) {
                throw std::logic_error("FRESH flag misapplied to coin that exists in parent cache");
            }
            if ((mine->second.flags & CoinsCacheEntry::FRESH) && it->second.coin.IsSpent()) {
                m_script_bytes -= mine->second.coin.out.script_pubkey.size();
                m_cache.erase(mine);
            } else {
                m_script_bytes -= mine->second.coin.out.script_pubkey.size();
                mine->second.coin = std::move(it->second.coin);
                m_script_bytes += mine->second.coin.out.script_pubkey.size();
                mine->second.flags |= CoinsCacheEntry::DIRTY;
            }
        }
    }
    m_best_block = best_block;
    return true;
}

bool CoinsViewCache::Flush(std::string* error)
{
    bool ok = m_base->BatchWrite(m_cache, GetBestBlock(), error);
    m_cache.clear();
    m_script_bytes = 0;
    return ok;
}

void CoinsViewCache::Uncache(const OutPoint& outpoint)
{
    auto it = m_cache.find(outpoint);
    if (it != m_cache.end() && it->second.flags == 0) {
        m_script_bytes -= it->second.coin.out.script_pubkey.size();
        m_cache.erase(it);
    }
}

size_t CoinsViewCache::DynamicMemoryUsage() const
{
    // Node size of an unordered_map entry plus bucket pointer, and script heap bytes.
    constexpr size_t NODE_BYTES = sizeof(std::pair<const OutPoint, CoinsCacheEntry>) + 2 * sizeof(void*);
    return m_cache.size() * NODE_BYTES + m_cache.bucket_count() * sizeof(void*) + m_script_bytes;
}

bool CoinsViewCache::HaveInputs(const Transaction& tx) const
{
    if (tx.IsCoinBase()) return true;
    for (const TxIn& in : tx.vin) {
        if (!HaveCoin(in.prevout)) return false;
    }
    return true;
}

void AddCoins(CoinsViewCache& view, const Transaction& tx, int height, bool check_for_overwrite)
{
    const bool coinbase = tx.IsCoinBase();
    const uint256& txid = tx.GetHash();
    for (size_t i = 0; i < tx.vout.size(); ++i) {
        const OutPoint outpoint(txid, static_cast<uint32_t>(i));
        // Coinbases may overwrite (BIP30 duplicates before BIP34); otherwise check only when asked.
        const bool overwrite = check_for_overwrite ? view.HaveCoin(outpoint) : coinbase;
        view.AddCoin(outpoint, Coin(tx.vout[i], static_cast<uint32_t>(height), coinbase), overwrite);
    }
}

// ---- statistics ----------------------------------------------------------------------------------------

std::optional<UtxoStats> ComputeUtxoStats(const CoinsViewDB& view)
{
    UtxoStats stats;
    stats.best_block = view.GetBestBlock();
    HashWriter hasher;
    // VARINT keys do not sort numerically across lengths, so outputs are grouped per transaction and hashed in
    // output-index order, as Core does.
    uint256 txid;
    std::map<uint32_t, Coin> outputs;
    auto apply = [&] {
        if (outputs.empty()) return;
        stats.transactions++;
        for (const auto& [n, coin] : outputs) {
            // hash_serialized_3: outpoint, (height << 1 | coinbase) as uint32, then the TxOut.
            SerializeOutPoint(hasher, OutPoint(txid, n));
            WriteLE(hasher, static_cast<uint32_t>((coin.height << 1) | (coin.coinbase ? 1 : 0)));
            SerializeTxOut(hasher, coin.out);
            stats.txouts++;
            stats.total_amount += coin.out.value;
            stats.bogosize += 32 + 4 + 4 + 8 + 2 + coin.out.script_pubkey.size();
        }
        outputs.clear();
    };
    const Bytes prefix = DbKey(DB_COIN);
    for (auto it = view.GetDatabase().Seek(prefix); it->Valid(); it->Next()) {
        auto outpoint = CoinsViewDB::ParseCoinKey(it->Key());
        auto coin = DeserializeCoin(it->Value());
        if (!outpoint || !coin) return std::nullopt;
        if (outpoint->hash != txid) {
            apply();
            txid = outpoint->hash;
        }
        outputs.emplace(outpoint->n, std::move(*coin));
    }
    apply();
    stats.hash_serialized = hasher.GetHash();
    Bytes end = DbKey(DB_COIN + 1);
    stats.disk_size = view.GetDatabase().EstimateSize(prefix, end);
    return stats;
}
