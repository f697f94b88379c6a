// The Electrum history index: for every scriptPubKey (by its SHA-256, the Electrum "scripthash") the
// transactions that funded or spent it in height order, its unspent outputs, and each txid's block position.
#pragma once

#include "index/base_index.h"
#include "primitives/block.h"

#include <array>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

using ElectrumScripthash = std::array<uint8_t, 32>;

/** SHA-256 of a scriptPubKey, as Electrum clients compute it (byte order as hashed). */
ElectrumScripthash ComputeScriptHash(const Script& script);
/** Electrum's hex form: the hash bytes reversed. nullopt unless exactly 64 hex digits. */
std::optional<ElectrumScripthash> ScriptHashFromHex(std::string_view hex);
std::string ScriptHashToHex(const ElectrumScripthash& sh);

struct HistoryRow {
    int height{0};
    uint32_t pos{0};  // position of the transaction in its block
    uint256 txid;
};

struct UnspentRow {
    int height{0};
    uint256 txid;
    uint32_t vout{0};
    Amount value{0};
};

struct TxPosition {
    int height{0};
    uint32_t pos{0};
};

/** Keys (one-byte prefixes; heights and positions big-endian so a prefix scan is in chain order):
 *  'H' scripthash height pos -> txid      one row per transaction touching the script (funding or spending)
 *  'U' scripthash height txid vout -> value  the script's unspent outputs (spends erase, rewinds restore them
 *                                            from the block's undo data)
 *  'T' txid -> height pos                  where a confirmed transaction is */
class ScripthashIndex : public BaseIndex
{
public:
    static constexpr const char* NAME = "electrumindex";

    ScripthashIndex(NodeContext& node, Options options);

    /** Streams the confirmed history of sh in chain order into out. Stops (returns false) once more than
     *  limit rows exist (limit 0: no limit). */
    bool GetHistory(const ElectrumScripthash& sh, size_t limit, std::vector<HistoryRow>& out) const;
    /** Unspent confirmed outputs of sh, by height; false beyond limit. */
    bool GetUnspent(const ElectrumScripthash& sh, size_t limit, std::vector<UnspentRow>& out) const;
    std::optional<TxPosition> FindTx(const uint256& txid) const;

    /** Called after a block was applied to (connected) or rewound from (disconnected) the index while it follows
     *  the chain, with every scripthash whose history changed. Set before Start. */
    std::function<void(const std::set<ElectrumScripthash>&)> m_on_change;

    void BlockConnected(const Block& block, const BlockIndex& index) override;
    void BlockDisconnected(const Block& block, const BlockIndex& index) override;

    static Bytes HistoryKey(const ElectrumScripthash& sh, int height, uint32_t pos);

protected:
    bool CustomAppend(DbBatch& batch, const Block& block, const BlockIndex& index) override;
    bool CustomRemove(DbBatch& batch, const Block& block, const BlockIndex& index) override;

private:
    std::set<ElectrumScripthash> m_touched;  // scripthashes of the block being appended/removed
};
