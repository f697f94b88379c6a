// The Electrum history index; see scripthash_index.h for the key layout.
#include "index/scripthash_index.h"

#include "crypto/hash.h"
#include "util/hex.h"

#include <algorithm>
#include <cstring>

namespace {
constexpr uint8_t DB_HISTORY = 'H';
constexpr uint8_t DB_UNSPENT = 'U';
constexpr uint8_t DB_TXPOS = 'T';

void PutBE32(Bytes& out, uint32_t v)
{
    out.push_back(uint8_t(v >> 24));
    out.push_back(uint8_t(v >> 16));
    out.push_back(uint8_t(v >> 8));
    out.push_back(uint8_t(v));
}
uint32_t GetBE32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

void PutBlob(Bytes& out, std::span<const uint8_t> b) { out.insert(out.end(), b.begin(), b.end()); }

Bytes Prefix(uint8_t tag, const ElectrumScripthash& sh)
{
    Bytes k{tag};
    PutBlob(k, sh);
    return k;
}

Bytes UnspentKey(const ElectrumScripthash& sh, int height, const uint256& txid, uint32_t vout)
{
    Bytes k = Prefix(DB_UNSPENT, sh);
    PutBE32(k, static_cast<uint32_t>(height));
    PutBlob(k, std::span<const uint8_t>(txid.begin(), txid.size()));
    PutBE32(k, vout);
    return k;
}

Bytes TxKey(const uint256& txid) { return DbKey(DB_TXPOS, std::span<const uint8_t>(txid.begin(), txid.size())); }

Bytes EncodeAmount(Amount v)
{
    Bytes out(8);
    for (int i = 0; i < 8; ++i) out[i] = uint8_t(static_cast<uint64_t>(v) >> (8 * i));
    return out;
}
}  // namespace

ElectrumScripthash ComputeScriptHash(const Script& script)
{
    const uint256 h = Sha256Hash(std::span<const uint8_t>(script.data(), script.size()));
    ElectrumScripthash sh;
    std::copy(h.begin(), h.end(), sh.begin());
    return sh;
}

std::optional<ElectrumScripthash> ScriptHashFromHex(std::string_view hex)
{
    if (hex.size() != 64) return std::nullopt;
    auto bytes = TryParseHex(hex);
    if (!bytes || bytes->size() != 32) return std::nullopt;
    ElectrumScripthash sh;
    std::reverse_copy(bytes->begin(), bytes->end(), sh.begin());
    return sh;
}

std::string ScriptHashToHex(const ElectrumScripthash& sh)
{
    ElectrumScripthash rev;
    std::reverse_copy(sh.begin(), sh.end(), rev.begin());
    return HexStr(rev);
}

ScripthashIndex::ScripthashIndex(NodeContext& node, Options options) : BaseIndex(node, NAME, std::move(options)) {}

Bytes ScripthashIndex::HistoryKey(const ElectrumScripthash& sh, int height, uint32_t pos)
{
    Bytes k = Prefix(DB_HISTORY, sh);
    PutBE32(k, static_cast<uint32_t>(height));
    PutBE32(k, pos);
    return k;
}

bool ScripthashIndex::CustomAppend(DbBatch& batch, const Block& block, const BlockIndex& index)
{
    m_touched.clear();
    std::optional<BlockUndo> undo;
    if (block.vtx.size() > 1) {
        auto read = Node().chainman->ReadUndo(index);
        if (!read || read->vtxundo.size() + 1 != block.vtx.size()) return false;
        undo = std::move(*read);
    }
    const int height = index.height;
    for (size_t i = 0; i < block.vtx.size(); ++i) {
        const Transaction& tx = *block.vtx[i];
        const uint256& txid = tx.GetHash();
        std::set<ElectrumScripthash> touched;
        if (i > 0) {
            const TxUndo& tu = undo->vtxundo[i - 1];
            if (tu.prevout.size() != tx.vin.size()) return false;
            for (size_t j = 0; j < tx.vin.size(); ++j) {
                const Coin& coin = tu.prevout[j];
                const ElectrumScripthash sh = ComputeScriptHash(coin.out.script_pubkey);
                touched.insert(sh);
                batch.Erase(UnspentKey(sh, static_cast<int>(coin.height), tx.vin[j].prevout.hash, tx.vin[j].prevout.n));
            }
        }
        for (size_t n = 0; n < tx.vout.size(); ++n) {
            const ElectrumScripthash sh = ComputeScriptHash(tx.vout[n].script_pubkey);
            touched.insert(sh);
            batch.Put(UnspentKey(sh, height, txid, static_cast<uint32_t>(n)), EncodeAmount(tx.vout[n].value));
        }
        for (const ElectrumScripthash& sh : touched) {
            batch.Put(HistoryKey(sh, height, static_cast<uint32_t>(i)),
                      std::span<const uint8_t>(txid.begin(), txid.size()));
            m_touched.insert(sh);
        }
        Bytes pos;
        PutBE32(pos, static_cast<uint32_t>(height));
        PutBE32(pos, static_cast<uint32_t>(i));
        batch.Put(TxKey(txid), pos);
    }
    return true;
}

bool ScripthashIndex::CustomRemove(DbBatch& batch, const Block& block, const BlockIndex& index)
{
    m_touched.clear();
    std::optional<BlockUndo> undo;
    if (block.vtx.size() > 1) {
        auto read = Node().chainman->ReadUndo(index);
        if (!read || read->vtxundo.size() + 1 != block.vtx.size()) return false;
        undo = std::move(*read);
    }
    const int height = index.height;
    // Last transaction first: an output created and spent in this block is erased after being restored.
    for (size_t i = block.vtx.size(); i-- > 0;) {
        const Transaction& tx = *block.vtx[i];
        const uint256& txid = tx.GetHash();
        std::set<ElectrumScripthash> touched;
        for (size_t n = 0; n < tx.vout.size(); ++n) {
            const ElectrumScripthash sh = ComputeScriptHash(tx.vout[n].script_pubkey);
            touched.insert(sh);
            batch.Erase(UnspentKey(sh, height, txid, static_cast<uint32_t>(n)));
        }
        if (i > 0) {
            const TxUndo& tu = undo->vtxundo[i - 1];
            if (tu.prevout.size() != tx.vin.size()) return false;
            for (size_t j = 0; j < tx.vin.size(); ++j) {
                const Coin& coin = tu.prevout[j];
                const ElectrumScripthash sh = ComputeScriptHash(coin.out.script_pubkey);
                touched.insert(sh);
                batch.Put(UnspentKey(sh, static_cast<int>(coin.height), tx.vin[j].prevout.hash, tx.vin[j].prevout.n),
                          EncodeAmount(coin.out.value));
            }
        }
        for (const ElectrumScripthash& sh : touched) {
            batch.Erase(HistoryKey(sh, height, static_cast<uint32_t>(i)));
            m_touched.insert(sh);
        }
        // A txid repeated in an earlier block (BIP30's two historical coinbases) keeps its older row.
        if (auto pos = FindTx(txid); pos && pos->height == height) batch.Erase(TxKey(txid));
    }
    return true;
}

void ScripthashIndex::BlockConnected(const Block& block, const BlockIndex& index)
{
    BaseIndex::BlockConnected(block, index);
    if (m_on_change && !m_touched.empty()) m_on_change(m_touched);
    m_touched.clear();
}

void ScripthashIndex::BlockDisconnected(const Block& block, const BlockIndex& index)
{
    BaseIndex::BlockDisconnected(block, index);
    if (m_on_change && !m_touched.empty()) m_on_change(m_touched);
    m_touched.clear();
}

bool ScripthashIndex::GetHistory(const ElectrumScripthash& sh, size_t limit, std::vector<HistoryRow>& out) const
{
    const Bytes prefix = Prefix(DB_HISTORY, sh);
    for (auto it = Db().Seek(prefix); it->Valid(); it->Next()) {
        if (limit && out.size() >= limit) return false;
        const Bytes key = it->Key();
        const Bytes value = it->Value();
        if (key.size() != 41 || value.size() != 32) continue;
        HistoryRow row;
        row.height = static_cast<int>(GetBE32(&key[33]));
        row.pos = GetBE32(&key[37]);
        std::memcpy(row.txid.begin(), value.data(), 32);
        out.push_back(row);
    }
    return true;
}

bool ScripthashIndex::GetUnspent(const ElectrumScripthash& sh, size_t limit, std::vector<UnspentRow>& out) const
{
    const Bytes prefix = Prefix(DB_UNSPENT, sh);
    for (auto it = Db().Seek(prefix); it->Valid(); it->Next()) {
        if (limit && out.size() >= limit) return false;
        const Bytes key = it->Key();
        const Bytes value = it->Value();
        if (key.size() != 73 || value.size() != 8) continue;
        UnspentRow row;
        row.height = static_cast<int>(GetBE32(&key[33]));
        std::memcpy(row.txid.begin(), &key[37], 32);
        row.vout = GetBE32(&key[69]);
        uint64_t v = 0;
        for (int i = 7; i >= 0; --i) v = v << 8 | value[i];
        row.value = static_cast<Amount>(v);
        out.push_back(row);
    }
    return true;
}

std::optional<TxPosition> ScripthashIndex::FindTx(const uint256& txid) const
{
    auto v = Db().Read(TxKey(txid));
    if (!v || v->size() != 8) return std::nullopt;
    return TxPosition{static_cast<int>(GetBE32(v->data())), GetBE32(v->data() + 4)};
}
