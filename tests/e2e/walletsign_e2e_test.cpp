// Wallet RPCs of issue 6 end to end: message signing (legacy and BIP322), labels and BIP329, backup/restore,
// listsinceblock, raw transaction signing; then durability: kill -9 during wallet writes at random points loses no
// acknowledged address, label or transaction, and a damaged wallet file is refused and left byte for byte as it was.
#include "harness.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

int RpcErrorCode(const std::function<void()>& f)
{
    try {
        f();
    } catch (const e2e::RpcError& e) {
        return e.code;
    }
    return 0;
}

std::string ReadFile(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST(WalletSignE2E, MessagesLabelsBackupAndSigning)
{
    e2e::Node node;
    ASSERT_TRUE(node.Start({"-fallbackfee=0.0002"})) << node.LogTail();
    node.Rpc("createwallet", {"w"});
    // New wallets hand out bech32 and bech32m; P2PKH and P2SH-P2WPKH come from imported single-key descriptors.
    auto import = [&](const std::string& desc) {
        const std::string full = desc + "#" + node.Rpc("getdescriptorinfo", {desc})["checksum"].get<std::string>();
        json request = json::array();
        request.push_back(json{{"desc", full}, {"timestamp", "now"}});
        const json r = node.WalletRpc("w", "importdescriptors", json::array({request}));
        EXPECT_TRUE(r[0]["success"].get<bool>()) << r.dump();
        return node.Rpc("deriveaddresses", {full})[0].get<std::string>();
    };
    const std::string legacy = import("pkh(cUeKHd5orzT3mz8P9pxyREHfsWtVfgsfDjiZZBcjUBAaGk1BTj7N)");
    EXPECT_EQ(legacy, "mpLQjfK79b7CCV4VMJWEWAj5Mpx8Up5zxB");
    const std::string wrapped = import("sh(wpkh(cVpF924EspNh8KjYsfhgY96mmxvT6DgdWiTYMtMjuM74hJaU5psW))");

    // Legacy signmessage for P2PKH; BIP322 for the other types. Each verifies, and fails for another message.
    for (const std::string type : {"legacy", "bech32", "bech32m", "p2sh-segwit"}) {
        const std::string address = type == "legacy" ? legacy : type == "p2sh-segwit" ? wrapped
                                                      : node.WalletRpc("w", "getnewaddress", {"", type}).get<std::string>();
        const std::string sig = node.WalletRpc("w", "signmessage", {address, "hello " + type});
        const std::string expected_prefix = type == "p2sh-segwit" ? "ful" : type == "legacy" ? "" : "smp";
        if (type == "legacy") {
            EXPECT_EQ(sig.size(), 88u) << sig;  // 65 bytes in base64
        } else {
            EXPECT_EQ(sig.substr(0, 3), expected_prefix) << sig;
        }
        EXPECT_TRUE(node.Rpc("verifymessage", {address, sig, "hello " + type}).get<bool>()) << type;
        EXPECT_FALSE(node.Rpc("verifymessage", {address, sig, "hello"}).get<bool>()) << type;
    }
    // A P2PKH address can also sign BIP322 (full) on request.
    const std::string full = node.WalletRpc("w", "signmessage", {legacy, "m", "full"});
    EXPECT_EQ(full.substr(0, 3), "ful");
    EXPECT_TRUE(node.Rpc("verifymessage", {legacy, full, "m"}).get<bool>());
    // Core's errors.
    EXPECT_EQ(RpcErrorCode([&] { node.Rpc("verifymessage", {"nonsense", "AAAA", "m"}); }), -5);
    EXPECT_EQ(RpcErrorCode([&] { node.Rpc("verifymessage", {legacy, "%%%", "m"}); }), -3);
    EXPECT_EQ(RpcErrorCode([&] { node.WalletRpc("w", "signmessage", {"nonsense", "m"}); }), -3);
    EXPECT_EQ(RpcErrorCode([&] { node.WalletRpc("w", "signmessage", {node.Rpc("deriveaddresses", {"pkh(0279BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798)#" + node.Rpc("getdescriptorinfo", {"pkh(0279BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798)"})["checksum"].get<std::string>()})[0], "m"}); }), -4);
    EXPECT_EQ(RpcErrorCode([&] { node.Rpc("signmessagewithprivkey", {"notakey", "m"}); }), -5);
    // signmessagewithprivkey gives Core's known signature (rpc_signmessage.py).
    const std::string known = node.Rpc("signmessagewithprivkey", {"cUeKHd5orzT3mz8P9pxyREHfsWtVfgsfDjiZZBcjUBAaGk1BTj7N", "This is just a test message"});
    EXPECT_EQ(known, "INbVnW4e6PeRmsv2Qgu8NuopvrVjkcxob+sX8OcZG0SALhWybUjzMLPdAsXI46YZGb0KQTRii+wWIQzRpG/U+S0=");
    EXPECT_TRUE(node.Rpc("verifymessage", {"mpLQjfK79b7CCV4VMJWEWAj5Mpx8Up5zxB", known, "This is just a test message"}).get<bool>());

    // Labels.
    const std::string a1 = node.WalletRpc("w", "getnewaddress", {"coffee"});
    const std::string a2 = node.WalletRpc("w", "getnewaddress");
    node.WalletRpc("w", "setlabel", {a2, "coffee"});
    node.WalletRpc("w", "setlabel", {e2e::MINE_ADDRESS, "miner"});
    const json by_label = node.WalletRpc("w", "getaddressesbylabel", {"coffee"});
    EXPECT_EQ(by_label.size(), 2u);
    EXPECT_EQ(by_label[a1]["purpose"].get<std::string>(), "receive");
    EXPECT_EQ(node.WalletRpc("w", "getaddressesbylabel", {"miner"})[e2e::MINE_ADDRESS]["purpose"].get<std::string>(), "send");
    std::set<std::string> receive_labels;
    for (const auto& l : node.WalletRpc("w", "listlabels", {"receive"})) receive_labels.insert(l.get<std::string>());
    EXPECT_TRUE(receive_labels.count("coffee"));
    EXPECT_FALSE(receive_labels.count("miner"));
    EXPECT_EQ(RpcErrorCode([&] { node.WalletRpc("w", "getaddressesbylabel", {"nope"}); }), -11);
    EXPECT_EQ(RpcErrorCode([&] { node.WalletRpc("w", "setlabel", {a1, "*"}); }), -11);
    EXPECT_EQ(RpcErrorCode([&] { node.WalletRpc("w", "setlabel", {"nonsense", "x"}); }), -5);
    EXPECT_EQ(RpcErrorCode([&] { node.WalletRpc("w", "listlabels", {"bogus"}); }), -5);

    // Funds, a payment, listsinceblock.
    const std::string mine_to = node.WalletRpc("w", "getnewaddress");
    node.Rpc("generatetoaddress", {101, mine_to});
    const std::string genesis_next = node.Rpc("getblockhash", {101});
    const std::string txid = node.WalletRpc("w", "sendtoaddress", {e2e::MINE_ADDRESS, 1.5});
    json since = node.WalletRpc("w", "listsinceblock", {genesis_next});
    bool saw_send = false;
    for (const auto& e : since["transactions"]) {
        saw_send |= e["txid"].get<std::string>() == txid && e["category"].get<std::string>() == "send" &&
                    e["amount"].get<double>() == -1.5 && e.value("label", std::string()) == "miner";
    }
    EXPECT_TRUE(saw_send) << since.dump();
    EXPECT_EQ(since["lastblock"].get<std::string>(), genesis_next);
    node.Rpc("generatetoaddress", {1, e2e::MINE_ADDRESS});
    since = node.WalletRpc("w", "listsinceblock", {node.Rpc("getblockhash", {102}), 1});
    EXPECT_TRUE(since["transactions"].empty()) << since.dump();
    EXPECT_EQ(since["lastblock"].get<std::string>(), node.Rpc("getblockhash", {102}).get<std::string>());
    EXPECT_EQ(RpcErrorCode([&] { node.WalletRpc("w", "listsinceblock", {std::string(64, '1')}); }), -5);
    EXPECT_EQ(RpcErrorCode([&] { node.WalletRpc("w", "listsinceblock", {genesis_next, 0}); }), -8);

    // BIP329: export, import into another wallet, export again: the same records.
    node.WalletRpc("w", "importlabels", {"{\"type\":\"tx\",\"ref\":\"" + txid + "\",\"label\":\"rent\",\"origin\":\"wpkh([d34db33f/84'/0'/0'])\"}\n"
                                         "{\"type\":\"output\",\"ref\":\"" + txid + ":0\",\"label\":\"\",\"spendable\":false}\n"
                                         "{\"type\":\"unknown-type\",\"ref\":\"x\",\"label\":\"y\"}\n"
                                         "not json\n"});
    const std::string exported = node.WalletRpc("w", "exportlabels");
    EXPECT_NE(exported.find("\"rent\""), std::string::npos);
    EXPECT_NE(exported.find("\"spendable\":false"), std::string::npos);
    node.Rpc("createwallet", {"w2", false, true});
    const json imported = node.WalletRpc("w2", "importlabels", {exported});
    EXPECT_TRUE(imported["errors"].empty()) << imported.dump();
    EXPECT_EQ(node.WalletRpc("w2", "exportlabels").get<std::string>(), exported);
    const json bad = node.WalletRpc("w2", "importlabels", {"{\"type\":\"addr\",\"ref\":\"nonsense\",\"label\":\"x\"}\n{\"type\":\"zzz\",\"ref\":\"1\"}"});
    EXPECT_EQ(bad["errors"].size(), 1u);
    EXPECT_EQ(bad["ignored"].get<int>(), 1);

    // Raw transaction signing: a wallet coin, signed by the wallet, accepted by the mempool.
    const json unspent = node.WalletRpc("w", "listunspent");
    ASSERT_FALSE(unspent.empty());
    const json coin = unspent[0];
    const double value = coin["amount"].get<double>();
    const std::string raw = node.Rpc("createrawtransaction", {json::array({{{"txid", coin["txid"]}, {"vout", coin["vout"]}}}),
                                                              json::array({{{e2e::MINE_ADDRESS, value - 0.001}}})});
    const json unsigned_result = node.Rpc("signrawtransactionwithkey", {raw, json::array({"cUeKHd5orzT3mz8P9pxyREHfsWtVfgsfDjiZZBcjUBAaGk1BTj7N"})});
    EXPECT_FALSE(unsigned_result["complete"].get<bool>());
    EXPECT_EQ(unsigned_result["errors"].size(), 1u);
    const json signed_result = node.WalletRpc("w", "signrawtransactionwithwallet", {raw});
    ASSERT_TRUE(signed_result["complete"].get<bool>()) << signed_result.dump();
    node.Rpc("sendrawtransaction", json::array({signed_result["hex"].get<std::string>()}));
    EXPECT_FALSE(node.WalletRpc("w", "abortrescan").get<bool>());  // nothing to abort

    // Keys outside the wallet: signrawtransactionwithkey (P2PKH) and descriptorprocesspsbt (P2SH-P2WPKH).
    const std::string to_legacy = node.WalletRpc("w", "sendtoaddress", {legacy, 1.0});
    const std::string to_wrapped = node.WalletRpc("w", "sendtoaddress", {wrapped, 1.0});
    node.Rpc("generatetoaddress", {1, e2e::MINE_ADDRESS});
    auto vout_to = [&](const std::string& id, const std::string& address) {
        const json tx = node.WalletRpc("w", "gettransaction", {id, true, true});
        for (const auto& o : tx["decoded"]["vout"]) {
            if (o["scriptPubKey"].value("address", std::string()) == address) return o["n"].get<int>();
        }
        return -1;
    };
    const json ins_legacy = json::array({json{{"txid", to_legacy}, {"vout", vout_to(to_legacy, legacy)}}});
    const json outs = json::array({json{{e2e::MINE_ADDRESS, 0.999}}});
    const std::string raw_legacy = node.Rpc("createrawtransaction", {ins_legacy, outs});
    const json with_key = node.Rpc("signrawtransactionwithkey", {raw_legacy, json::array({"cUeKHd5orzT3mz8P9pxyREHfsWtVfgsfDjiZZBcjUBAaGk1BTj7N"})});
    ASSERT_TRUE(with_key["complete"].get<bool>()) << with_key.dump();
    node.Rpc("sendrawtransaction", json::array({with_key["hex"].get<std::string>()}));
    const json ins_wrapped = json::array({json{{"txid", to_wrapped}, {"vout", vout_to(to_wrapped, wrapped)}}});
    const std::string psbt = node.Rpc("createpsbt", {ins_wrapped, outs});
    const json processed = node.Rpc("descriptorprocesspsbt", {psbt, json::array({"sh(wpkh(cVpF924EspNh8KjYsfhgY96mmxvT6DgdWiTYMtMjuM74hJaU5psW))"})});
    ASSERT_TRUE(processed["complete"].get<bool>()) << processed.dump();
    node.Rpc("sendrawtransaction", json::array({processed["hex"].get<std::string>()}));
    const json not_ours = node.Rpc("descriptorprocesspsbt", {psbt, json::array({"wpkh(0279BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798)"})});
    EXPECT_FALSE(not_ours["complete"].get<bool>());

    // Backup and restore: the restored wallet has the labels and transactions.
    const fs::path backup = node.DataDir() / "w-backup.dat";
    node.WalletRpc("w", "backupwallet", {backup.string()});
    ASSERT_TRUE(fs::exists(backup));
    EXPECT_EQ(RpcErrorCode([&] { node.Rpc("restorewallet", {"w", backup.string()}); }), -8);
    EXPECT_EQ(RpcErrorCode([&] { node.Rpc("restorewallet", {"x", (node.DataDir() / "missing").string()}); }), -8);
    EXPECT_EQ(node.Rpc("restorewallet", {"restored", backup.string()})["name"].get<std::string>(), "restored");
    EXPECT_EQ(node.WalletRpc("restored", "getaddressesbylabel", {"coffee"}).size(), 2u);
    EXPECT_EQ(node.WalletRpc("restored", "gettransaction", {txid})["txid"].get<std::string>(), txid);
    EXPECT_EQ(node.WalletRpc("restored", "exportlabels").get<std::string>(), exported);
}

TEST(WalletSignE2E, KillNineDuringWalletWritesLosesNothingAcknowledged)
{
    e2e::Node node;
    ASSERT_TRUE(node.Start({"-fallbackfee=0.0002"})) << node.LogTail();
    node.Rpc("createwallet", {"d"});
    node.Rpc("generatetoaddress", {110, node.WalletRpc("d", "getnewaddress").get<std::string>()});

    const unsigned seed = std::random_device{}();
    std::mt19937 rng(seed);
    SCOPED_TRACE("seed " + std::to_string(seed));
    // (address, acknowledged label, label of a setlabel the kill interrupted: it may or may not have landed)
    struct Labelled {
        std::string address, label, in_flight;
    };
    std::vector<Labelled> labelled;
    std::vector<std::string> txids;                             // sendtoaddress results acknowledged
    constexpr int KILLS = 20;
    int writes = 0;
    for (int round = 0; round < KILLS; ++round) {
        // The killer fires at a random moment while the loop below writes as fast as it can.
        const int delay_ms = std::uniform_int_distribution<int>(20, 400)(rng);
        std::atomic<bool> killed{false};
        std::thread killer([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
            node.Kill();
            killed = true;
        });
        try {
            for (int i = 0; !killed; ++i) {
                const std::string label = "r" + std::to_string(round) + "-" + std::to_string(i);
                const std::string address = node.WalletRpc("d", "getnewaddress", {label});
                labelled.push_back({address, label, ""});
                ++writes;
                const std::string relabel = label + "-x";
                labelled.back().in_flight = relabel;
                node.WalletRpc("d", "setlabel", {address, relabel});
                labelled.back().label = relabel;
                labelled.back().in_flight.clear();
                ++writes;
                if (i % 3 == 0) {
                    txids.push_back(node.WalletRpc("d", "sendtoaddress", {address, 0.01}));
                    ++writes;
                }
            }
        } catch (const e2e::RpcError&) {
            // The node died mid-call: that call was not acknowledged.
        }
        killer.join();
        ASSERT_TRUE(node.Start({"-fallbackfee=0.0002", "-wallet=d"})) << "round " << round << "\n" << node.LogTail();
        // Everything acknowledged so far is there after every restart.
        std::map<std::string, std::string> stored;  // address -> label, from the BIP329 export
        for (const std::string& line : [&] {
                 std::vector<std::string> lines;
                 std::string text = node.WalletRpc("d", "exportlabels").get<std::string>();
                 for (size_t pos = 0, nl; (nl = text.find('\n', pos)) != std::string::npos; pos = nl + 1) {
                     lines.push_back(text.substr(pos, nl - pos));
                 }
                 return lines;
             }()) {
            const json rec = json::parse(line);
            if (rec["type"].get<std::string>() == "addr") stored[rec["ref"].get<std::string>()] = rec["label"].get<std::string>();
        }
        for (const Labelled& l : labelled) {
            ASSERT_TRUE(node.WalletRpc("d", "getaddressinfo", {l.address})["ismine"].get<bool>()) << l.address;
            const auto it = stored.find(l.address);
            ASSERT_TRUE(it != stored.end()) << "round " << round << ": label of " << l.address << " lost";
            ASSERT_TRUE(it->second == l.label || (!l.in_flight.empty() && it->second == l.in_flight))
                << "round " << round << ": " << l.address << " has label " << it->second << ", acknowledged " << l.label;
        }
        for (const std::string& txid : txids) {
            ASSERT_EQ(node.WalletRpc("d", "gettransaction", {txid})["txid"].get<std::string>(), txid) << "round " << round;
        }
        // Keep the chain moving so later sends have confirmed coins.
        node.Rpc("generatetoaddress", {1, e2e::MINE_ADDRESS});
    }
    EXPECT_GT(writes, KILLS);
    std::cout << "kill -9 rounds: " << KILLS << ", acknowledged writes: " << writes << ", addresses: " << labelled.size()
              << ", transactions: " << txids.size() << "\n";

    // A damaged wallet file: loadwallet refuses it with a clear error and does not touch it.
    node.WalletRpc("d", "unloadwallet");
    const fs::path file = node.NetDir() / "wallets" / "d" / "wallet.dat";
    ASSERT_TRUE(fs::exists(file));
    const std::string original = ReadFile(file);
    for (int variant = 0; variant < 2; ++variant) {
        {
            std::ofstream out(file, std::ios::binary | std::ios::trunc);
            if (variant == 0) {
                out << original.substr(0, original.size() / 3);  // truncated
            } else {
                std::string garbled = original;
                for (size_t i = 0; i < garbled.size(); i += 7) garbled[i] = static_cast<char>(garbled[i] ^ 0x5a);
                out << garbled;  // corrupted, header included
            }
        }
        const std::string before = ReadFile(file);
        std::string message;
        try {
            node.Rpc("loadwallet", {"d"});
            ADD_FAILURE() << "a damaged wallet loaded (variant " << variant << ")";
        } catch (const e2e::RpcError& e) {
            message = e.what();
        }
        EXPECT_FALSE(message.empty());
        EXPECT_EQ(ReadFile(file), before) << "loadwallet changed a damaged wallet file (variant " << variant << ")";
        std::cout << "damaged wallet (variant " << variant << "): " << message << "\n";
    }
    // Put the good file back: it loads again.
    {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out << original;
    }
    EXPECT_EQ(node.Rpc("loadwallet", {"d"})["name"].get<std::string>(), "d");
}
