// End-to-end helpers for chains of real transactions: JSON-RPC batches, UTXO-set snapshots, and a tiny wallet that
// builds and signs spends of every standard script type (shared by the chain and the P2P chain e2e tests).
#pragma once

#include "harness.h"

#include "address/destination.h"
#include "policy/policy.h"
#include "testutil/tx_builder.h"
#include "util/hex.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <list>
#include <map>
#include <optional>
#include <ostream>
#include <random>

namespace e2e {

using nlohmann::json;
using namespace testutil;

inline constexpr int MATURITY = 100;  // BIP34-era coinbase maturity (Core COINBASE_MATURITY)

/** One JSON-RPC batch (a single HTTP request); returns the response objects in call order. */
inline std::vector<json> Batch(Node& node, const std::vector<std::pair<std::string, json>>& calls)
{
    if (calls.empty()) return {};
    json req = json::array();
    for (size_t i = 0; i < calls.size(); ++i) {
        req.push_back({{"jsonrpc", "1.0"}, {"id", i}, {"method", calls[i].first}, {"params", calls[i].second}});
    }
    const HttpResponse r = node.RawCall(req.dump());
    if (r.status != 200) throw RpcError(0, "batch: HTTP " + std::to_string(r.status) + " " + r.error + r.body);
    const json j = json::parse(r.body, nullptr, false);
    if (!j.is_array() || j.size() != calls.size()) throw RpcError(0, "batch: bad reply " + r.body.substr(0, 300));
    std::vector<json> out(calls.size());
    for (const json& item : j) out.at(item.at("id").get<size_t>()) = item;
    return out;
}

inline Amount ToSats(const json& btc) { return static_cast<Amount>(std::llround(btc.get<double>() * 1e8)); }

inline std::string AddressOf(const Key& key)
{
    return EncodeDestination(WitnessV0KeyHash{key.GetPubKey().GetID()}, Chain::REGTEST);
}

/** The UTXO-set commitment of the node: both hashes plus what they cover. */
struct UtxoSnapshot {
    int height{-1};
    std::string bestblock, hash_serialized_3, muhash;
    int64_t txouts{0};
    std::string total_amount;
    friend bool operator==(const UtxoSnapshot&, const UtxoSnapshot&) = default;
};
inline std::ostream& operator<<(std::ostream& os, const UtxoSnapshot& s)
{
    return os << "{height " << s.height << " best " << s.bestblock << " txouts " << s.txouts << " amount "
              << s.total_amount << " hs3 " << s.hash_serialized_3 << " muhash " << s.muhash << "}";
}

inline UtxoSnapshot Snapshot(Node& node, bool with_muhash = true)
{
    UtxoSnapshot s;
    const json a = node.Rpc("gettxoutsetinfo");
    s.height = a.at("height");
    s.bestblock = a.at("bestblock");
    s.hash_serialized_3 = a.at("hash_serialized_3");
    s.txouts = a.at("txouts");
    s.total_amount = a.at("total_amount").dump();
    if (with_muhash) {
        const json m = node.Rpc("gettxoutsetinfo", json::array({"muhash"}));
        EXPECT_EQ(m.at("bestblock"), s.bestblock);
        s.muhash = m.at("muhash");
    }
    return s;
}

struct WalletCoin {
    SpendableCoin coin;
    int height{0};  // confirmation height
    bool coinbase{false};
};

struct BuiltTx {
    MutableTransaction tx;
    std::string txid, hex;
    std::vector<WalletCoin> inputs;
    std::vector<SpendableCoin> outputs;
};

/** A tiny wallet: confirmed coins in FIFO order, so every created output is eventually spent. */
class Wallet
{
public:
    explicit Wallet(uint64_t seed) : m_seed(seed), m_rng(seed), m_miner(DeterministicKey(seed, 0))
    {
        m_miner_info = MakeSpendInfo(OutputKind::P2WPKH, {m_miner});
    }

    std::string MinerAddress() const { return AddressOf(m_miner); }

    /** Whether a coin may be spent in the block after `tip` (coinbase maturity, BIP65, BIP68). */
    static bool Spendable(const WalletCoin& c, int tip)
    {
        if (c.coinbase && tip + 1 - c.height < MATURITY) return false;
        if (c.coin.info.kind == OutputKind::CLTV && c.coin.info.lock_height > tip) return false;
        if (c.coin.info.kind == OutputKind::CSV && tip + 1 - c.height < c.coin.info.csv_blocks) return false;
        return true;
    }

    /** Builds, signs and locally verifies a spend of up to n_in spendable coins; nullopt when none are left. */
    std::optional<BuiltTx> Build(int tip, int n_in, int n_out, bool op_return, int max_height = -1,
                                 const std::function<bool(const WalletCoin&)>& filter = nullptr)
    {
        BuiltTx b;
        for (auto it = m_pool.begin(); it != m_pool.end() && static_cast<int>(b.inputs.size()) < n_in;) {
            if (Spendable(*it, tip) && (max_height < 0 || it->height <= max_height) && (!filter || filter(*it))) {
                b.inputs.push_back(*it);
                it = m_pool.erase(it);
            } else {
                ++it;
            }
        }
        if (b.inputs.empty()) return std::nullopt;
        Amount total = 0;
        std::vector<SpendableCoin> coins;
        for (const auto& c : b.inputs) {
            TxIn in;
            in.prevout = c.coin.outpoint;
            b.tx.vin.push_back(in);
            total += c.coin.out.value;
            coins.push_back(c.coin);
        }
        // At least 2 sat/vB: an input is at most ~300 vbytes (P2SH 2-of-3), an output ~45.
        const Amount fee = 1000 + 600 * static_cast<Amount>(b.inputs.size()) + 100 * n_out;
        while (n_out > 1 && (total - fee) / n_out < 20'000) --n_out;
        const Amount each = (total - fee) / n_out;
        if (each < 10'000) {
            for (auto it = b.inputs.rbegin(); it != b.inputs.rend(); ++it) m_pool.push_front(*it);
            return std::nullopt;
        }
        for (int i = 0; i < n_out; ++i) {
            const OutputKind kind = ALL_OUTPUT_KINDS[m_next_kind++ % std::size(ALL_OUTPUT_KINDS)];
            std::vector<Key> keys;
            for (int k = 0; k < 3; ++k) keys.push_back(DeterministicKey(m_seed, ++m_next_key));
            const int64_t lock = tip + 1 + static_cast<int64_t>(m_rng() % 6);
            const int64_t csv = 1 + static_cast<int64_t>(m_rng() % 4);
            SpendableCoin out;
            out.info = MakeSpendInfo(kind, keys, lock, csv);
            out.out = TxOut(i + 1 == n_out ? total - fee - each * (n_out - 1) : each, out.info.script_pubkey);
            b.tx.vout.push_back(out.out);
            b.outputs.push_back(out);
            ++created[kind];
        }
        if (op_return) {
            std::vector<uint8_t> data(1 + m_rng() % 40);
            for (auto& d : data) d = static_cast<uint8_t>(m_rng());
            b.tx.vout.emplace_back(0, OpReturnScript(data));
            ++op_returns;
        }
        // Move the OP_RETURN output to the front half the time, so it is not always last.
        if (op_return && m_rng() % 2) std::swap(b.tx.vout.front(), b.tx.vout.back());
        ApplyTimelocks(b.tx, coins);
        if (!SignTransaction(b.tx, coins)) throw std::runtime_error("signing failed");
        std::string err;
        if (!VerifyTransaction(b.tx, coins, STANDARD_SCRIPT_VERIFY_FLAGS, &err)) {
            throw std::runtime_error("builder produced an invalid spend: " + err);
        }
        if (VirtualSize(b.tx) > fee) throw std::runtime_error("fee below 1 sat/vB");
        const Transaction final_tx(b.tx);
        b.txid = final_tx.GetHash().GetHex();
        b.hex = EncodeHexTx(b.tx);
        for (size_t i = 0; i < b.tx.vout.size(); ++i) {
            if (b.tx.vout[i].script_pubkey.IsUnspendable()) continue;
            // Outputs may have been moved: find each one's position (every output has its own keys and script).
            for (auto& out : b.outputs) {
                if (out.out == b.tx.vout[i] && out.outpoint.IsNull()) {
                    out.outpoint = OutPoint(final_tx.GetHash(), static_cast<uint32_t>(i));
                    break;
                }
            }
        }
        for (const auto& c : b.inputs) ++spent[c.coin.info.kind];
        return b;
    }

    void AddConfirmed(const SpendableCoin& coin, int height, bool coinbase)
    {
        m_pool.push_back(WalletCoin{coin, height, coinbase});
    }
    /** Adds the coinbase output paying the miner key from a getblock verbosity-2 object. */
    bool AddCoinbase(const json& block)
    {
        const json& cb = block.at("tx").at(0);
        const std::string spk = HexStr(m_miner_info.script_pubkey.bytes());
        for (const json& vout : cb.at("vout")) {
            if (vout.at("scriptPubKey").at("hex") != spk) continue;
            SpendableCoin c;
            c.info = m_miner_info;
            c.out = TxOut(ToSats(vout.at("value")), m_miner_info.script_pubkey);
            c.outpoint = OutPoint(*uint256::FromHex(cb.at("txid").get<std::string>()), vout.at("n").get<uint32_t>());
            AddConfirmed(c, block.at("height").get<int>(), true);
            return true;
        }
        return false;
    }
    size_t PoolSize() const { return m_pool.size(); }
    std::mt19937_64& Rng() { return m_rng; }

    std::map<OutputKind, int> created, spent;
    int op_returns{0};

private:
    uint64_t m_seed;
    std::mt19937_64 m_rng;
    Key m_miner;
    SpendInfo m_miner_info;
    std::list<WalletCoin> m_pool;
    uint64_t m_next_key{1000};
    size_t m_next_kind{0};
};

inline uint64_t SeedFromEnv()
{
    if (const char* s = std::getenv("SOV_E2E_SEED")) return std::strtoull(s, nullptr, 10);
    return std::random_device{}();
}

}  // namespace e2e
