// The Electrum server of a real sovereignd, driven by our own protocol client: every method, status hashes
// recomputed here, notifications across mempool changes and a reorg, malformed and oversized requests, many
// concurrent connections, and a kill -9 during indexing.
#include "electrum_client.h"
#include "harness.h"

#include "address/destination.h"
#include "crypto/hash.h"
#include "primitives/transaction.h"
#include "util/hex.h"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <thread>

using namespace e2e;
using namespace std::chrono_literals;
using electrum_test::CallError;
using electrum_test::Client;
using nlohmann::json;

namespace {

/** Anyone-can-spend P2WSH outputs: witness script w, spent with the witness stack {w}. */
struct Wallet {
    Script w;
    Script spk;
    std::string address;
    explicit Wallet(Script script) : w(std::move(script))
    {
        const uint256 h = Sha256Hash(std::span<const uint8_t>(w.data(), w.size()));
        spk = GetScriptForDestination(WitnessV0ScriptHash{h});
        address = EncodeDestination(WitnessV0ScriptHash{h}, Chain::REGTEST);
    }
    /** Electrum's scripthash: SHA-256 of the scriptPubKey, hex of the reversed bytes (computed here on purpose
     *  without the server's helpers). */
    std::string Scripthash() const
    {
        uint256 h = Sha256Hash(std::span<const uint8_t>(spk.data(), spk.size()));
        return h.GetHex();  // uint256 hex is the reversed byte order
    }
};

std::string HexOf(const Transaction& tx) { return HexStr(EncodeTransaction(tx)); }

TransactionRef SpendTo(const Wallet& from, const uint256& txid, uint32_t vout, Amount value, const Script& to)
{
    MutableTransaction mtx;
    TxIn in;
    in.prevout = OutPoint(txid, vout);
    in.witness.stack.push_back(std::vector<uint8_t>(from.w.data(), from.w.data() + from.w.size()));
    mtx.vin.push_back(in);
    mtx.vout.emplace_back(value, to);
    return MakeTransactionRef(std::move(mtx));
}

/** Status as the protocol defines it, computed independently: sha256 of "txid:height:" per entry. */
json ExpectedStatus(const std::vector<std::pair<std::string, int>>& entries)
{
    if (entries.empty()) return nullptr;
    std::string text;
    for (const auto& [txid, height] : entries) text += txid + ":" + std::to_string(height) + ":";
    const uint256 h = Sha256Hash(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    return HexStr(std::span<const uint8_t>(h.begin(), 32));
}

uint256 DoubleSha(const std::string& hex_bytes)
{
    const auto b = ParseHex(hex_bytes);
    return Hash256(b);
}

uint256 HashPair(const uint256& a, const uint256& b)
{
    std::vector<uint8_t> buf(a.begin(), a.end());
    buf.insert(buf.end(), b.begin(), b.end());
    return Hash256(buf);
}

/** Applies an Electrum merkle branch (display-order hex hashes) to a leaf at index. */
uint256 ApplyBranch(uint256 leaf, size_t index, const json& branch)
{
    for (const auto& s : branch) {
        const uint256 sib = *uint256::FromHex(s.get<std::string>());
        leaf = (index & 1) ? HashPair(sib, leaf) : HashPair(leaf, sib);
        index >>= 1;
    }
    return leaf;
}

bool WaitIndexSynced(Node& node, std::chrono::seconds timeout = 60s)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        try {
            const json info = node.Rpc("getindexinfo");
            const int height = node.Rpc("getblockcount").get<int>();
            if (info.contains("electrumindex") && info["electrumindex"]["synced"].get<bool>() &&
                info["electrumindex"]["best_block_height"].get<int>() == height) {
                return true;
            }
        } catch (const std::exception&) {
        }
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

std::vector<std::string> ElectrumArgs(uint16_t port, std::vector<std::string> extra = {})
{
    std::vector<std::string> args{"-electrum", "-electrumport=" + std::to_string(port)};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

Client Connect(uint16_t port)
{
    Client c;
    for (int i = 0; i < 100 && !c.Connect(port); ++i) std::this_thread::sleep_for(50ms);
    return c;
}

void RaiseFdLimit()
{
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &lim);
    }
}

bool ExitedCleanlyHelper(const std::optional<int>& status)
{
    return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}

const Wallet& WalletA()
{
    static const Wallet w(Script() << OP_TRUE);
    return w;
}
const Wallet& WalletB()
{
    static const Wallet w(Script() << OP_2 << OP_DROP << OP_TRUE);
    return w;
}
}  // namespace

TEST(ElectrumE2e, EveryMethodStatusHashesAndNotificationsAcrossMempoolAndReorg)
{
    Node node;
    const uint16_t port = FreeLoopbackPort();
    ASSERT_TRUE(node.Start(ElectrumArgs(port, {"-electrumbanner=hello electrum", "-electrumdonationaddress=" +
                                                                                     WalletA().address})))
        << node.LogTail();
    const Wallet& a = WalletA();
    const Wallet& b = WalletB();
    const json mined = node.Rpc("generatetoaddress", {105, a.address});
    ASSERT_EQ(mined.size(), 105u);
    ASSERT_TRUE(WaitIndexSynced(node)) << node.LogTail();

    Client c = Connect(port);
    ASSERT_GE(c.Fd(), 0);
    // server.*
    EXPECT_EQ(c.Call("server.version", {"test-client", "1.4"}), json({"Sovereign 0.1.0", "1.4"}));
    try {
        c.Call("server.version", {"again", "1.4"});
        ADD_FAILURE() << "second server.version accepted";
    } catch (const CallError& e) {
        EXPECT_EQ(e.code, 1);
    }
    EXPECT_EQ(c.Call("server.banner"), "hello electrum");
    EXPECT_EQ(c.Call("server.donation_address"), a.address);
    const json features = c.Call("server.features");
    EXPECT_EQ(features["genesis_hash"], node.Rpc("getblockhash", {0}));
    EXPECT_EQ(features["hash_function"], "sha256");
    EXPECT_EQ(features["protocol_min"], "1.4");
    EXPECT_EQ(features["protocol_max"], "1.4");
    EXPECT_TRUE(features["pruning"].is_null());
    EXPECT_EQ(features["server_version"], "Sovereign 0.1.0");
    EXPECT_EQ(c.Call("server.peers.subscribe"), json::array());
    EXPECT_TRUE(c.Call("server.ping").is_null());

    // Headers.
    const json tip = c.Call("blockchain.headers.subscribe");
    EXPECT_EQ(tip["height"], 105);
    EXPECT_EQ(tip["hex"], node.Rpc("getblockheader", {node.Rpc("getbestblockhash"), false}));
    for (int h : {0, 1, 57, 105}) {
        EXPECT_EQ(c.Call("blockchain.block.header", {h}), node.Rpc("getblockheader", {node.Rpc("getblockhash", {h}), false}));
    }
    {
        // cp_height proof: the root is the merkle root of header hashes 0..cp_height, computed here.
        std::vector<uint256> hashes;
        for (int h = 0; h <= 100; ++h) hashes.push_back(*uint256::FromHex(node.Rpc("getblockhash", {h}).get<std::string>()));
        std::vector<uint256> level = hashes;
        while (level.size() > 1) {
            if (level.size() % 2) level.push_back(level.back());
            std::vector<uint256> next;
            for (size_t i = 0; i < level.size(); i += 2) next.push_back(HashPair(level[i], level[i + 1]));
            level = next;
        }
        const uint256 root = level[0];
        for (int h : {0, 7, 64, 99, 100}) {
            const json r = c.Call("blockchain.block.header", {h, 100});
            EXPECT_EQ(r["root"], root.GetHex());
            EXPECT_EQ(DoubleSha(r["header"].get<std::string>()), hashes[h]);
            EXPECT_EQ(ApplyBranch(hashes[h], h, r["branch"]), root) << "height " << h;
        }
        const json hs = c.Call("blockchain.block.headers", {90, 11, 100});
        EXPECT_EQ(hs["count"], 11);
        EXPECT_EQ(hs["max"], 2016);
        EXPECT_EQ(hs["hex"].get<std::string>().size(), 11u * 160);
        EXPECT_EQ(ApplyBranch(hashes[100], 100, hs["branch"]), root);
        EXPECT_EQ(hs["root"], root.GetHex());
    }
    const json all = c.Call("blockchain.block.headers", {0, 5000});
    EXPECT_EQ(all["count"], 106);
    EXPECT_EQ(all["hex"].get<std::string>().substr(0, 160), c.Call("blockchain.block.header", {0}).get<std::string>());
    EXPECT_EQ(c.Call("blockchain.block.headers", {200, 10})["count"], 0);
    try {
        c.Call("blockchain.block.header", {106});
        ADD_FAILURE();
    } catch (const CallError& e) {
        EXPECT_EQ(e.code, 1);
    }
    try {
        c.Call("blockchain.block.header", {10, 5});
        ADD_FAILURE();
    } catch (const CallError& e) {
        EXPECT_EQ(e.code, 1);
    }

    // Fees.
    EXPECT_EQ(c.Call("blockchain.estimatefee", {2}).dump(), "-1");
    EXPECT_EQ(c.Call("blockchain.relayfee"), node.Rpc("getmempoolinfo")["minrelaytxfee"]);
    EXPECT_EQ(c.Call("mempool.get_fee_histogram"), json::array());

    // A's history: the 105 coinbases, in height order.
    std::vector<std::pair<std::string, int>> a_hist;
    for (int h = 1; h <= 105; ++h) {
        const json block = node.Rpc("getblock", {node.Rpc("getblockhash", {h}), 1});
        a_hist.emplace_back(block["tx"][0].get<std::string>(), h);
    }
    const json hist = c.Call("blockchain.scripthash.get_history", {a.Scripthash()});
    ASSERT_EQ(hist.size(), 105u);
    for (size_t i = 0; i < hist.size(); ++i) {
        EXPECT_EQ(hist[i]["tx_hash"], a_hist[i].first);
        EXPECT_EQ(hist[i]["height"], a_hist[i].second);
    }
    EXPECT_EQ(c.Call("blockchain.scripthash.subscribe", {a.Scripthash()}), ExpectedStatus(a_hist));
    EXPECT_TRUE(c.Call("blockchain.scripthash.subscribe", {b.Scripthash()}).is_null());
    EXPECT_EQ(c.Call("blockchain.scripthash.get_balance", {a.Scripthash()}), json({{"confirmed", 105 * 50 * COIN}, {"unconfirmed", 0}}));
    EXPECT_EQ(c.Call("blockchain.scripthash.listunspent", {a.Scripthash()}).size(), 105u);
    EXPECT_EQ(c.Call("blockchain.scripthash.get_mempool", {a.Scripthash()}), json::array());

    // Mempool: tx1 (A's first coinbase -> B) and tx2 (tx1 -> A), whose parent is unconfirmed (height -1).
    const uint256 cb1 = *uint256::FromHex(a_hist[0].first);
    const TransactionRef tx1 = SpendTo(a, cb1, 0, 50 * COIN - 100'000, b.spk);
    EXPECT_EQ(c.Call("blockchain.transaction.broadcast", {HexOf(*tx1)}), tx1->GetHash().GetHex());
    auto note_a = c.WaitNotification("blockchain.scripthash.subscribe");
    auto note_b = c.WaitNotification("blockchain.scripthash.subscribe");
    ASSERT_TRUE(note_a && note_b);
    std::map<std::string, json> notes{{(*note_a)["params"][0], (*note_a)["params"][1]},
                                      {(*note_b)["params"][0], (*note_b)["params"][1]}};
    auto a_hist_mem = a_hist;
    a_hist_mem.emplace_back(tx1->GetHash().GetHex(), 0);
    EXPECT_EQ(notes[a.Scripthash()], ExpectedStatus(a_hist_mem));
    EXPECT_EQ(notes[b.Scripthash()], ExpectedStatus({{tx1->GetHash().GetHex(), 0}}));
    const json mem_b = c.Call("blockchain.scripthash.get_mempool", {b.Scripthash()});
    ASSERT_EQ(mem_b.size(), 1u);
    EXPECT_EQ(mem_b[0], json({{"tx_hash", tx1->GetHash().GetHex()}, {"height", 0}, {"fee", 100'000}}));
    EXPECT_EQ(c.Call("blockchain.scripthash.get_balance", {b.Scripthash()}),
              json({{"confirmed", 0}, {"unconfirmed", 50 * COIN - 100'000}}));
    EXPECT_EQ(c.Call("blockchain.scripthash.get_balance", {a.Scripthash()})["unconfirmed"], -50 * COIN);
    EXPECT_EQ(c.Call("blockchain.scripthash.listunspent", {a.Scripthash()}).size(), 104u);
    EXPECT_EQ(c.Call("blockchain.transaction.get", {tx1->GetHash().GetHex()}), HexOf(*tx1));
    // Rejections carry the node's reason.
    try {
        c.Call("blockchain.transaction.broadcast", {HexOf(*SpendTo(a, cb1, 0, 50 * COIN - 50'000, a.spk))});
        ADD_FAILURE() << "double spend accepted";
    } catch (const CallError& e) {
        EXPECT_EQ(e.code, 1);
        EXPECT_NE(std::string(e.what()).find("rejected"), std::string::npos) << e.what();
    }
    try {
        c.Call("blockchain.transaction.broadcast", {"00"});
        ADD_FAILURE();
    } catch (const CallError& e) {
        EXPECT_EQ(e.code, 1);
    }

    const TransactionRef tx2 = SpendTo(b, tx1->GetHash(), 0, 50 * COIN - 200'000, a.spk);
    EXPECT_EQ(c.Call("blockchain.transaction.broadcast", {HexOf(*tx2)}), tx2->GetHash().GetHex());
    std::vector<std::pair<std::string, int>> b_mem{{tx1->GetHash().GetHex(), 0}, {tx2->GetHash().GetHex(), -1}};
    for (int i = 0; i < 2; ++i) {
        auto n = c.WaitNotification("blockchain.scripthash.subscribe");
        ASSERT_TRUE(n);
        if ((*n)["params"][0] == b.Scripthash()) {
            EXPECT_EQ((*n)["params"][1], ExpectedStatus(b_mem));
        }
    }
    const json hist_b = c.Call("blockchain.scripthash.get_history", {b.Scripthash()});
    ASSERT_EQ(hist_b.size(), 2u);
    EXPECT_EQ(hist_b[1]["height"], -1);
    EXPECT_EQ(hist_b[1]["fee"], 100'000);
    EXPECT_EQ(c.Call("blockchain.scripthash.listunspent", {b.Scripthash()}), json::array());
    EXPECT_EQ(c.Call("mempool.get_fee_histogram"), json::array());  // under the first 100,000 vB bin

    // A block confirms both: headers and both statuses are pushed.
    c.ClearNotifications();
    const json block_hashes = node.Rpc("generatetoaddress", {1, a.address});
    const std::string block106 = block_hashes[0];
    auto hdr = c.WaitNotification("blockchain.headers.subscribe");
    ASSERT_TRUE(hdr);
    EXPECT_EQ((*hdr)["params"][0]["height"], 106);
    EXPECT_EQ((*hdr)["params"][0]["hex"], node.Rpc("getblockheader", {block106, false}));
    const json block = node.Rpc("getblock", {block106, 1});
    std::vector<std::pair<std::string, int>> b_conf{{tx1->GetHash().GetHex(), 106}, {tx2->GetHash().GetHex(), 106}};
    auto a_conf = a_hist;
    a_conf.emplace_back(tx1->GetHash().GetHex(), 106);
    // The coinbase comes first in the block; tx1 and tx2 follow in block order.
    std::vector<std::pair<std::string, int>> a_conf_sorted = a_hist;
    for (size_t i = 0; i < block["tx"].size(); ++i) a_conf_sorted.emplace_back(block["tx"][i].get<std::string>(), 106);
    bool saw_b = false;
    for (int i = 0; i < 2 && !saw_b; ++i) {
        auto n = c.WaitNotification("blockchain.scripthash.subscribe");
        ASSERT_TRUE(n);
        if ((*n)["params"][0] == b.Scripthash()) {
            EXPECT_EQ((*n)["params"][1], ExpectedStatus(b_conf));
            saw_b = true;
        }
    }
    EXPECT_TRUE(saw_b);
    EXPECT_EQ(c.Call("blockchain.scripthash.subscribe", {a.Scripthash()}), ExpectedStatus(a_conf_sorted));
    EXPECT_EQ(c.Call("blockchain.scripthash.get_balance", {b.Scripthash()}), json({{"confirmed", 0}, {"unconfirmed", 0}}));

    // Merkle proofs against the block's merkle root.
    const uint256 merkle_root = *uint256::FromHex(node.Rpc("getblockheader", {block106, true})["merkleroot"].get<std::string>());
    for (size_t pos = 0; pos < block["tx"].size(); ++pos) {
        const std::string txid = block["tx"][pos];
        const json m = c.Call("blockchain.transaction.get_merkle", {txid, 106});
        EXPECT_EQ(m["block_height"], 106);
        EXPECT_EQ(m["pos"], pos);
        EXPECT_EQ(ApplyBranch(*uint256::FromHex(txid), pos, m["merkle"]), merkle_root);
        EXPECT_EQ(c.Call("blockchain.transaction.id_from_pos", {106, pos}), txid);
        const json idm = c.Call("blockchain.transaction.id_from_pos", {106, pos, true});
        EXPECT_EQ(idm["tx_hash"], txid);
        EXPECT_EQ(idm["merkle"], m["merkle"]);
    }
    try {
        c.Call("blockchain.transaction.id_from_pos", {106, 99});
        ADD_FAILURE();
    } catch (const CallError& e) {
        EXPECT_EQ(e.code, 1);
    }
    try {
        c.Call("blockchain.transaction.get_merkle", {tx1->GetHash().GetHex(), 105});
        ADD_FAILURE();
    } catch (const CallError& e) {
        EXPECT_EQ(e.code, 1);
    }
    const json verbose = c.Call("blockchain.transaction.get", {tx2->GetHash().GetHex(), true});
    EXPECT_EQ(verbose["txid"], tx2->GetHash().GetHex());
    EXPECT_EQ(verbose["blockhash"], block106);
    EXPECT_EQ(verbose["confirmations"], 1);
    EXPECT_EQ(verbose["hex"], HexOf(*tx2));
    EXPECT_EQ(c.Call("blockchain.transaction.get", {a_hist[3].first}),
              node.Rpc("getrawtransaction", {a_hist[3].first, 0, node.Rpc("getblockhash", {4})}));

    // Reorg: invalidating block 106 puts tx1/tx2 back into the mempool; statuses and the tip follow.
    c.ClearNotifications();
    node.Rpc("invalidateblock", {block106});
    auto hdr2 = c.WaitNotification("blockchain.headers.subscribe");
    ASSERT_TRUE(hdr2);
    EXPECT_EQ((*hdr2)["params"][0]["height"], 105);
    // Which of tx1/tx2 the node put back into its mempool decides the expected statuses (computed here).
    std::this_thread::sleep_for(1500ms);  // the server re-reads the mempool at least once a second
    const json pool = node.Rpc("getrawmempool");
    const bool back1 = std::find(pool.begin(), pool.end(), tx1->GetHash().GetHex()) != pool.end();
    const bool back2 = std::find(pool.begin(), pool.end(), tx2->GetHash().GetHex()) != pool.end();
    std::vector<std::pair<std::string, int>> b_after, a_after = a_hist;
    if (back1) b_after.emplace_back(tx1->GetHash().GetHex(), 0);
    if (back2) b_after.emplace_back(tx2->GetHash().GetHex(), back1 ? -1 : 0);
    if (back1) a_after.emplace_back(tx1->GetHash().GetHex(), 0);
    if (back2) a_after.emplace_back(tx2->GetHash().GetHex(), back1 ? -1 : 0);
    std::sort(a_after.begin() + 105, a_after.end(), [](const auto& x, const auto& y) {
        return x.second != y.second ? x.second > y.second : x.first < y.first;
    });
    json last_b = "unset";
    while (auto n = c.WaitNotification("blockchain.scripthash.subscribe", 500ms)) {
        if ((*n)["params"][0] == b.Scripthash()) last_b = (*n)["params"][1];
    }
    EXPECT_EQ(last_b, ExpectedStatus(b_after));
    EXPECT_EQ(c.Call("blockchain.scripthash.get_history", {b.Scripthash()}).size(), b_after.size());
    EXPECT_EQ(c.Call("blockchain.scripthash.subscribe", {a.Scripthash()}), ExpectedStatus(a_after));
    node.Rpc("reconsiderblock", {block106});
    // The disconnect and the new tip may each have announced height 105: wait for the header of 106.
    std::optional<json> hdr3;
    while ((hdr3 = c.WaitNotification("blockchain.headers.subscribe"))) {
        if ((*hdr3)["params"][0]["height"] == 106) break;
    }
    ASSERT_TRUE(hdr3);
    EXPECT_EQ((*hdr3)["params"][0]["height"], 106);
    EXPECT_EQ(c.Call("blockchain.scripthash.subscribe", {b.Scripthash()}), ExpectedStatus(b_conf));

    EXPECT_EQ(c.Call("blockchain.scripthash.unsubscribe", {b.Scripthash()}), true);
    EXPECT_EQ(c.Call("blockchain.scripthash.unsubscribe", {b.Scripthash()}), false);
    ASSERT_TRUE(ExitedCleanlyHelper(node.StopRpc()));
}

TEST(ElectrumE2e, MalformedOversizedAndRateLimitedRequests)
{
    Node node;
    const uint16_t port = FreeLoopbackPort();
    ASSERT_TRUE(node.Start(ElectrumArgs(port, {"-electrummaxrequestsize=4096", "-electrumratelimit=200",
                                                "-electrummaxsubs=3"})))
        << node.LogTail();
    ASSERT_TRUE(WaitIndexSynced(node));
    Client c = Connect(port);
    auto answer = [&](const std::string& line) {
        EXPECT_TRUE(c.SendRaw(line + "\n"));
        auto r = c.ReadLine(10s);
        return r ? json::parse(*r) : json();
    };
    EXPECT_EQ(answer("{not json")["error"]["code"], -32700);
    EXPECT_EQ(answer("42")["error"]["code"], -32600);
    EXPECT_EQ(answer("[]")["error"]["code"], -32600);
    EXPECT_EQ(answer(R"({"jsonrpc":"2.0","id":1})")["error"]["code"], -32600);
    EXPECT_EQ(answer(R"({"jsonrpc":"2.0","id":2,"method":"no.such.method","params":[]})")["error"]["code"], -32601);
    EXPECT_EQ(answer(R"({"jsonrpc":"2.0","id":3,"method":"blockchain.scripthash.get_history","params":["xyz"]})")["error"]["code"],
              -32602);
    EXPECT_EQ(answer(R"({"jsonrpc":"2.0","id":4,"method":"blockchain.block.header","params":[-1]})")["error"]["code"], -32602);
    EXPECT_EQ(answer(R"({"jsonrpc":"2.0","id":5,"method":"server.ping","params":[1,2]})")["error"]["code"], -32602);
    EXPECT_EQ(answer(R"({"jsonrpc":"2.0","id":6,"method":"server.version","params":["x","9.9"]})")["error"]["code"], 1);
    EXPECT_EQ(answer(R"({"jsonrpc":"2.0","id":7,"method":"server.version","params":{"client_name":"x","protocol_version":["1.2","1.4"]}})")["result"][1],
              "1.4");
    // Named parameters.
    EXPECT_EQ(answer(R"({"jsonrpc":"2.0","id":8,"method":"blockchain.block.header","params":{"height":0}})")["result"],
              node.Rpc("getblockheader", {node.Rpc("getblockhash", {0}), false}));
    // A batch: answers in order; a notification (no id) gets none.
    const json batch = answer(R"([{"jsonrpc":"2.0","id":"a","method":"server.ping"},{"jsonrpc":"2.0","method":"server.ping"},)"
                              R"({"jsonrpc":"2.0","id":"b","method":"nope"}])");
    ASSERT_TRUE(batch.is_array());
    ASSERT_EQ(batch.size(), 2u);
    EXPECT_EQ(batch[0]["id"], "a");
    EXPECT_TRUE(batch[0]["result"].is_null());
    EXPECT_EQ(batch[1]["error"]["code"], -32601);
    // Subscription limit per connection.
    for (int i = 0; i < 3; ++i) {
        const std::string sh(63, '0');
        EXPECT_TRUE(c.Call("blockchain.scripthash.subscribe", {sh + std::to_string(i)}).is_null());
    }
    try {
        c.Call("blockchain.scripthash.subscribe", {std::string(63, '0') + "9"});
        ADD_FAILURE();
    } catch (const CallError& e) {
        EXPECT_EQ(e.code, 1);
        EXPECT_NE(std::string(e.what()).find("subscriptions"), std::string::npos);
    }

    // An oversized line: an error, then the server closes the connection.
    {
        Client big = Connect(port);
        big.SendRaw(std::string(10000, 'x'));
        auto r = big.ReadLine(10s);
        ASSERT_TRUE(r);
        EXPECT_EQ(json::parse(*r)["error"]["code"], -32600);
        EXPECT_FALSE(big.ReadLine(10s));
        EXPECT_TRUE(big.Eof());
    }
    // Garbage bytes (not UTF-8, NULs) never crash the server.
    {
        Client junk = Connect(port);
        std::string bytes;
        for (int i = 0; i < 3000; ++i) bytes.push_back(static_cast<char>((i * 131) & 0xff));
        junk.SendRaw(bytes + "\n");
        junk.ReadLine(5s);
    }
    // Rate limit: a burst far above -electrumratelimit ends with the error and a disconnect.
    {
        Client fast = Connect(port);
        std::string burst;
        for (int i = 0; i < 1000; ++i) burst += R"({"jsonrpc":"2.0","id":)" + std::to_string(i) + R"(,"method":"server.ping"})" "\n";
        fast.SendRaw(burst);
        bool limited = false;
        while (auto line = fast.ReadLine(10s)) {
            const json j = json::parse(*line);
            if (j.contains("error")) {
                EXPECT_NE(j["error"]["message"].get<std::string>().find("excessive"), std::string::npos);
                limited = true;
            }
        }
        EXPECT_TRUE(limited);
        EXPECT_TRUE(fast.Eof());
    }
    // The server still answers.
    Client after = Connect(port);
    EXPECT_TRUE(after.Call("server.ping").is_null());
    EXPECT_EQ(node.Rpc("getblockcount"), 0);
}

namespace {
/** n connections, each negotiating, subscribing to headers and subs scripthashes; then one block must reach all. */
void RunManyConnections(size_t n, size_t subs)
{
    RaiseFdLimit();
    Node node;
    const uint16_t port = FreeLoopbackPort();
    ASSERT_TRUE(node.Start(ElectrumArgs(port, {"-electrummaxconnections=" + std::to_string(n + 10)}))) << node.LogTail();
    node.Rpc("generatetoaddress", {3, WalletA().address});
    ASSERT_TRUE(WaitIndexSynced(node));
    std::vector<Client> clients(n);
    const size_t threads = 8;
    std::atomic<size_t> failures{0};
    std::vector<std::thread> pool;
    for (size_t t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            for (size_t i = t; i < n; i += threads) {
                try {
                    if (!clients[i].Connect(port)) throw std::runtime_error("connect");
                    clients[i].Call("server.version", {"c" + std::to_string(i), "1.4"});
                    if (clients[i].Call("blockchain.headers.subscribe")["height"] != 3) throw std::runtime_error("height");
                    // Batched subscriptions, 100 per line.
                    for (size_t done = 0; done < subs;) {
                        json batch = json::array();
                        for (size_t k = 0; k < 100 && done < subs; ++k, ++done) {
                            char sh[65];
                            std::snprintf(sh, sizeof(sh), "%032zx%032zx", i, done);
                            batch.push_back({{"jsonrpc", "2.0"}, {"id", done}, {"method", "blockchain.scripthash.subscribe"},
                                             {"params", {sh}}});
                        }
                        clients[i].SendRaw(batch.dump() + "\n");
                        auto line = clients[i].ReadLine(60s);
                        if (!line || json::parse(*line).size() != batch.size()) throw std::runtime_error("batch");
                    }
                } catch (const std::exception&) {
                    ++failures;
                }
            }
        });
    }
    for (auto& th : pool) th.join();
    ASSERT_EQ(failures.load(), 0u);
    node.Rpc("generatetoaddress", {1, WalletA().address});
    size_t notified = 0;
    for (auto& c : clients) {
        auto note = c.WaitNotification("blockchain.headers.subscribe", 30s);
        if (note && (*note)["params"][0]["height"] == 4) ++notified;
    }
    EXPECT_EQ(notified, n);
    // The one-past-the-limit connection is refused while all are open.
    ASSERT_TRUE(ExitedCleanlyHelper(node.StopRpc(60s)));
}
}  // namespace

TEST(ElectrumE2e, TwoHundredConcurrentConnectionsGetNotified) { RunManyConnections(200, 10); }

TEST(ElectrumE2e, StressThousandConnectionsHundredSubscriptions)
{
    if (!std::getenv("SOV_ELECTRUM_STRESS")) GTEST_SKIP() << "set SOV_ELECTRUM_STRESS=1 for 1,000 x 100 subscriptions";
    RunManyConnections(1000, 100);
}

TEST(ElectrumE2e, ConnectionLimitRefusesExtraConnections)
{
    Node node;
    const uint16_t port = FreeLoopbackPort();
    ASSERT_TRUE(node.Start(ElectrumArgs(port, {"-electrummaxconnections=5"}))) << node.LogTail();
    std::vector<Client> open(5);
    for (auto& c : open) {
        ASSERT_TRUE(c.Connect(port));
        EXPECT_TRUE(c.Call("server.ping").is_null());
    }
    Client extra;
    ASSERT_TRUE(extra.Connect(port));  // the kernel accepts; the server closes it at once
    EXPECT_FALSE(extra.ReadLine(5s));
    EXPECT_TRUE(extra.Eof());
    open[0].Close();
    std::this_thread::sleep_for(300ms);
    Client again = Connect(port);
    EXPECT_TRUE(again.Call("server.ping").is_null());
}

namespace {
/** Everything the index answers for a few scripts, as one JSON value. */
json Snapshot(Client& c, const std::vector<std::string>& scripthashes)
{
    json out = json::object();
    for (const std::string& sh : scripthashes) {
        out[sh] = {c.Call("blockchain.scripthash.get_history", {sh}), c.Call("blockchain.scripthash.listunspent", {sh}),
                   c.Call("blockchain.scripthash.get_balance", {sh}), c.Call("blockchain.scripthash.subscribe", {sh})};
    }
    return out;
}
}  // namespace

TEST(ElectrumE2e, KillDuringIndexingThenRestartEqualsFreshRebuild)
{
    Node node;
    const Wallet& a = WalletA();
    const Wallet& b = WalletB();
    // A chain with spends in many blocks, built without the index.
    ASSERT_TRUE(node.Start()) << node.LogTail();
    const json hashes = node.Rpc("generatetoaddress", {300, a.address});
    for (int i = 0; i < 40; ++i) {
        const json blk = node.Rpc("getblock", {hashes[i], 1});
        const uint256 cb = *uint256::FromHex(blk["tx"][0].get<std::string>());
        const TransactionRef t1 = SpendTo(a, cb, 0, 50 * COIN - 10'000, b.spk);
        const TransactionRef t2 = SpendTo(b, t1->GetHash(), 0, 50 * COIN - 20'000, i % 2 ? a.spk : b.spk);
        node.Rpc("sendrawtransaction", {HexOf(*t1)});
        node.Rpc("sendrawtransaction", {HexOf(*t2)});
        node.Rpc("generatetoaddress", {1, i % 3 ? a.address : b.address});
    }
    ASSERT_TRUE(ExitedCleanlyHelper(node.StopRpc()));

    const uint16_t port = FreeLoopbackPort();
    // Start with the index and kill it while it catches up, a few times at different moments.
    for (int delay_ms : {30, 120, 400}) {
        node.Spawn(ElectrumArgs(port));
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
        node.Kill();
    }
    ASSERT_TRUE(node.Start(ElectrumArgs(port))) << node.LogTail();
    ASSERT_TRUE(WaitIndexSynced(node)) << node.LogTail();
    const std::vector<std::string> shs{a.Scripthash(), b.Scripthash()};
    json resumed;
    {
        Client c = Connect(port);
        resumed = Snapshot(c, shs);
    }
    // B: 40 funding and 40 spending transactions, plus the 14 coinbases mined to it.
    EXPECT_EQ(resumed[b.Scripthash()][0].size(), 40u * 2 + 14);
    ASSERT_TRUE(ExitedCleanlyHelper(node.StopRpc()));

    // A fresh rebuild (-reindex wipes the index) answers the same.
    ASSERT_TRUE(node.Start(ElectrumArgs(port, {"-reindex"}), 120s)) << node.LogTail();
    ASSERT_TRUE(WaitIndexSynced(node, 120s)) << node.LogTail();
    {
        Client c = Connect(port);
        EXPECT_EQ(Snapshot(c, shs), resumed);
    }
    // The history limit answers with a clear error.
    ASSERT_TRUE(ExitedCleanlyHelper(node.StopRpc()));
    ASSERT_TRUE(node.Start(ElectrumArgs(port, {"-electrummaxhistory=50"}))) << node.LogTail();
    ASSERT_TRUE(WaitIndexSynced(node));
    Client c = Connect(port);
    try {
        c.Call("blockchain.scripthash.get_history", {a.Scripthash()});
        ADD_FAILURE();
    } catch (const CallError& e) {
        EXPECT_EQ(e.code, 1);
        EXPECT_NE(std::string(e.what()).find("history too large"), std::string::npos) << e.what();
    }
}
