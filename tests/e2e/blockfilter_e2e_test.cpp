// End-to-end: sovereignd -blockfilterindex serves getblockfilter results equal to BIP158 filters and headers that
// this test computes itself (its own SipHash-2-4, Golomb-Rice coder and OpenSSL's SHA-256, spent scripts tracked
// from the blocks), through spends, a reorg and a restart; plus getindexinfo and Core's error messages.
#include "harness.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <algorithm>
#include <map>
#include <set>
#include <sys/wait.h>
#include <thread>

using namespace e2e;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {
using Bytes = std::vector<uint8_t>;

// Core's test framework address for P2WSH(OP_TRUE) on regtest: anyone can spend it with the witness [OP_TRUE].
constexpr const char* OP_TRUE_ADDRESS = "bcrt1qft5p2uhsdcdc3l2ua4ap5qqfg4pjaqlp250x7us7a8qqhrxrxfsqseac85";

Bytes FromHex(const std::string& hex)
{
    Bytes out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return out;
}

std::string ToHex(const Bytes& b)
{
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (uint8_t x : b) {
        s += digits[x >> 4];
        s += digits[x & 15];
    }
    return s;
}

Bytes Reversed(Bytes b)
{
    std::reverse(b.begin(), b.end());
    return b;
}

Bytes Sha256d(const Bytes& data)
{
    Bytes once(32), twice(32);
    SHA256(data.data(), data.size(), once.data());
    SHA256(once.data(), once.size(), twice.data());
    return twice;
}

uint64_t Rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

/** SipHash-2-4 over a byte string, written from the paper. */
uint64_t SipHash24(uint64_t k0, uint64_t k1, const Bytes& m)
{
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
    auto round = [&] {
        v0 += v1; v1 = Rotl(v1, 13); v1 ^= v0; v0 = Rotl(v0, 32);
        v2 += v3; v3 = Rotl(v3, 16); v3 ^= v2;
        v0 += v3; v3 = Rotl(v3, 21); v3 ^= v0;
        v2 += v1; v1 = Rotl(v1, 17); v1 ^= v2; v2 = Rotl(v2, 32);
    };
    const size_t full = m.size() / 8 * 8;
    for (size_t i = 0; i <= full; i += 8) {
        uint64_t w = 0;
        if (i < full) {
            for (int j = 7; j >= 0; --j) w = (w << 8) | m[i + j];
        } else {
            w = static_cast<uint64_t>(m.size() & 0xff) << 56;
            for (size_t j = 0; j < m.size() - full; ++j) w |= static_cast<uint64_t>(m[full + j]) << (8 * j);
        }
        v3 ^= w;
        round();
        round();
        v0 ^= w;
    }
    v2 ^= 0xff;
    for (int i = 0; i < 4; ++i) round();
    return v0 ^ v1 ^ v2 ^ v3;
}

/** BIP158 BASIC filter of a set of scripts for a block hash (internal byte order). */
Bytes BasicFilter(const Bytes& block_hash, const std::set<Bytes>& elements)
{
    constexpr int P = 19;
    constexpr uint64_t M = 784931;
    uint64_t k0 = 0, k1 = 0;
    for (int j = 7; j >= 0; --j) {
        k0 = (k0 << 8) | block_hash[j];
        k1 = (k1 << 8) | block_hash[8 + j];
    }
    const uint64_t n = elements.size();
    std::vector<uint64_t> values;
    for (const Bytes& e : elements) {
        values.push_back(static_cast<uint64_t>((static_cast<unsigned __int128>(SipHash24(k0, k1, e)) * (n * M)) >> 64));
    }
    std::sort(values.begin(), values.end());
    Bytes out;
    if (n < 253) {
        out.push_back(static_cast<uint8_t>(n));
    } else {
        out = {0xfd, static_cast<uint8_t>(n), static_cast<uint8_t>(n >> 8)};
    }
    std::vector<bool> bits;
    uint64_t last = 0;
    for (uint64_t v : values) {
        const uint64_t delta = v - last;
        last = v;
        for (uint64_t q = delta >> P; q > 0; --q) bits.push_back(true);
        bits.push_back(false);
        for (int i = P - 1; i >= 0; --i) bits.push_back((delta >> i) & 1);
    }
    for (size_t i = 0; i < bits.size(); i += 8) {
        uint8_t byte = 0;
        for (size_t j = 0; j < 8; ++j) byte = static_cast<uint8_t>(byte << 1 | (i + j < bits.size() && bits[i + j]));
        out.push_back(byte);
    }
    return out;
}

struct Expected {
    std::string filter;
    std::string header;
};

/** Filters and headers of the active chain, computed from getblock (verbosity 2) alone. */
std::map<std::string, Expected> ComputeChain(Node& node)
{
    std::map<std::string, Expected> out;
    std::map<std::string, Bytes> outputs;  // "txid:n" -> script
    Bytes prev_header(32, 0);
    const int height = node.Rpc("getblockcount");
    for (int h = 0; h <= height; ++h) {
        const std::string hash = node.Rpc("getblockhash", json::array({h}));
        const json block = node.Rpc("getblock", json::array({hash, 2}));
        std::set<Bytes> elements;
        for (const json& tx : block["tx"]) {
            for (const json& in : tx["vin"]) {
                if (in.contains("coinbase")) continue;
                const Bytes& spk = outputs.at(in["txid"].get<std::string>() + ":" + std::to_string(in["vout"].get<int>()));
                if (!spk.empty()) elements.insert(spk);
            }
            for (const json& o : tx["vout"]) {
                const Bytes spk = FromHex(o["scriptPubKey"]["hex"]);
                outputs[tx["txid"].get<std::string>() + ":" + std::to_string(o["n"].get<int>())] = spk;
                if (!spk.empty() && spk[0] != 0x6a) elements.insert(spk);
            }
        }
        const Bytes filter = BasicFilter(Reversed(FromHex(hash)), elements);
        Bytes buf = Sha256d(filter);
        buf.insert(buf.end(), prev_header.begin(), prev_header.end());
        const Bytes header = Sha256d(buf);
        out[hash] = Expected{ToHex(filter), ToHex(Reversed(header))};
        prev_header = header;
    }
    return out;
}

/** A segwit transaction spending txid:0 (a P2WSH(OP_TRUE) output worth value) to P2WSH(OP_TRUE), a P2PKH, an
 *  OP_RETURN (left out of filters) and a P2WPKH, with a 10000 sat fee. */
std::string SpendOpTrue(const std::string& txid, uint64_t value, uint8_t salt, const Bytes& op_true_spk)
{
    Bytes tx = {2, 0, 0, 0, 0, 1, 1};  // version, segwit marker and flag, one input
    const Bytes prev = Reversed(FromHex(txid));
    tx.insert(tx.end(), prev.begin(), prev.end());
    tx.insert(tx.end(), {0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff});
    auto put_out = [&](uint64_t amount, const Bytes& spk) {
        for (int i = 0; i < 8; ++i) tx.push_back(static_cast<uint8_t>(amount >> (8 * i)));
        tx.push_back(static_cast<uint8_t>(spk.size()));
        tx.insert(tx.end(), spk.begin(), spk.end());
    };
    Bytes p2pkh = {0x76, 0xa9, 0x14};
    p2pkh.insert(p2pkh.end(), 20, salt);
    p2pkh.insert(p2pkh.end(), {0x88, 0xac});
    Bytes nulldata = {0x6a, 0x04, salt, salt, salt, salt};
    Bytes p2wpkh = {0x00, 0x14};
    p2wpkh.insert(p2wpkh.end(), 20, static_cast<uint8_t>(salt + 1));
    tx.push_back(4);
    put_out(value / 2, op_true_spk);
    put_out(value / 4, p2pkh);
    put_out(0, nulldata);
    put_out(value / 4 - 10000, p2wpkh);
    tx.insert(tx.end(), {1, 1, 0x51});  // witness: one item, the script OP_TRUE
    tx.insert(tx.end(), {0, 0, 0, 0});
    return ToHex(tx);
}

void ExpectFiltersMatch(Node& node)
{
    const auto expected = ComputeChain(node);
    for (const auto& [hash, e] : expected) {
        const json r = node.Rpc("getblockfilter", json::array({hash}));
        EXPECT_EQ(r["filter"], e.filter) << hash;
        EXPECT_EQ(r["header"], e.header) << hash;
    }
}

bool WaitSynced(Node& node)
{
    for (int i = 0; i < 600; ++i) {
        const json info = node.Rpc("getindexinfo");
        if (info.contains("basic block filter index") && info["basic block filter index"]["synced"].get<bool>() &&
            info["basic block filter index"]["best_block_height"] == node.Rpc("getblockcount")) {
            return true;
        }
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

int ErrorCode(Node& node, const std::string& method, const json& params, std::string* message)
{
    try {
        node.Rpc(method, params);
    } catch (const RpcError& e) {
        // The harness prefixes the method name.
        *message = e.what();
        if (message->rfind(method + ": ", 0) == 0) message->erase(0, method.size() + 2);
        return e.code;
    }
    return 0;
}
}  // namespace

TEST(E2eBlockFilter, GetBlockFilterMatchesIndependentFilters)
{
    Node node;
    ASSERT_TRUE(node.Start({"-blockfilterindex=1"})) << node.LogTail();
    const std::string op_true_spk_hex = node.Rpc("validateaddress", json::array({OP_TRUE_ADDRESS}))["scriptPubKey"];
    const Bytes op_true_spk = FromHex(op_true_spk_hex);
    const json hashes = node.Rpc("generatetoaddress", json::array({105, OP_TRUE_ADDRESS}));
    ASSERT_TRUE(WaitSynced(node)) << node.LogTail();

    // Blocks that spend: each spends a mature coinbase, and the next also spends the previous spend's output.
    std::string last_spend;
    for (int i = 0; i < 3; ++i) {
        const json cb_block = node.Rpc("getblock", json::array({hashes[i], 2}));
        const std::string cb_txid = cb_block["tx"][0]["txid"];
        const std::string txid = node.Rpc("sendrawtransaction", json::array({SpendOpTrue(cb_txid, 5'000'000'000, uint8_t(i + 1), op_true_spk)}));
        if (!last_spend.empty()) {
            node.Rpc("sendrawtransaction", json::array({SpendOpTrue(last_spend, 2'500'000'000, uint8_t(i + 100), op_true_spk)}));
        }
        last_spend = txid;
        node.Rpc("generatetoaddress", json::array({1, OP_TRUE_ADDRESS}));
        const json tip = node.Rpc("getblock", json::array({node.Rpc("getbestblockhash"), 1}));
        EXPECT_EQ(tip["tx"].size(), i == 0 ? 2u : 3u);
    }
    ASSERT_TRUE(WaitSynced(node));
    ExpectFiltersMatch(node);

    const json info = node.Rpc("getindexinfo", json::array({"basic block filter index"}));
    EXPECT_EQ(info["basic block filter index"]["best_block_height"], 108);

    // A reorg: the stale tip's filter stays available, the new branch is indexed.
    const std::string stale = node.Rpc("getbestblockhash");
    const json stale_filter = node.Rpc("getblockfilter", json::array({stale}));
    node.Rpc("invalidateblock", json::array({stale}));
    // Another payout address: the stale block's transactions return to the mempool, and the same coinbase at the
    // same second would rebuild the very block that was just invalidated.
    node.Rpc("generatetoaddress", json::array({3, e2e::MINE_ADDRESS}));
    ASSERT_TRUE(WaitSynced(node));
    ExpectFiltersMatch(node);
    EXPECT_EQ(node.Rpc("getblockfilter", json::array({stale, "basic"})), stale_filter);

    // Errors, as Core words them.
    std::string message;
    EXPECT_EQ(ErrorCode(node, "getblockfilter", json::array({stale, "extended"}), &message), -5);
    EXPECT_EQ(message, "Unknown filtertype");
    EXPECT_EQ(ErrorCode(node, "getblockfilter", json::array({std::string(64, '1')}), &message), -5);
    EXPECT_EQ(message, "Block not found");
    EXPECT_EQ(ErrorCode(node, "getblockfilter", json::array({"xyz"}), &message), -8);

    // Restart: the index resumes from disk and catches up blocks mined while it was off.
    ASSERT_TRUE(node.StopRpc(30s)) << node.LogTail();
    ASSERT_TRUE(node.Start({})) << node.LogTail();
    std::string before_hash = node.Rpc("getbestblockhash");
    node.Rpc("generatetoaddress", json::array({2, OP_TRUE_ADDRESS}));
    EXPECT_EQ(ErrorCode(node, "getblockfilter", json::array({before_hash}), &message), -1);
    EXPECT_EQ(message, "Index is not enabled for filtertype basic");
    EXPECT_FALSE(node.Rpc("getindexinfo").contains("basic block filter index"));
    ASSERT_TRUE(node.StopRpc(30s)) << node.LogTail();
    ASSERT_TRUE(node.Start({"-blockfilterindex=basic"})) << node.LogTail();
    ASSERT_TRUE(WaitSynced(node)) << node.LogTail();
    ExpectFiltersMatch(node);
    EXPECT_TRUE(std::filesystem::exists(node.NetDir() / "indexes" / "blockfilter" / "basic" / "fltr00000.dat"));

    // -reindex rebuilds the index to the same filters.
    ASSERT_TRUE(node.StopRpc(30s)) << node.LogTail();
    ASSERT_TRUE(node.Start({"-blockfilterindex", "-reindex"})) << node.LogTail();
    ASSERT_TRUE(WaitSynced(node)) << node.LogTail();
    ExpectFiltersMatch(node);
    ASSERT_TRUE(node.StopRpc(30s)) << node.LogTail();
}

TEST(E2eBlockFilter, UnknownTypeIsRejectedAtStartup)
{
    Node node;
    EXPECT_FALSE(node.Start({"-blockfilterindex=extended"}, 20s));
    EXPECT_NE(node.LogTail(50).find("Unknown -blockfilterindex value extended."), std::string::npos)
        << node.LogTail(50);
}
