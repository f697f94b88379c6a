// Issue 6 end to end: the reserve's recovery policy as miniscript on regtest. "2 of 3 officials, or after N blocks
// 1 of 2 recovery keys" in wsh() and tr(): funds received, the officials' 2-of-3 spend (two wallets signing the
// same PSBT), and a recovery-key spend rejected as non-BIP68-final before N blocks and accepted after.
#include "address/destination.h"
#include "harness.h"
#include "testutil/tx_builder.h"
#include "util/hex.h"

#include <gtest/gtest.h>

using json = nlohmann::json;

namespace {

constexpr int N = 10;

struct Party {
    Key key;
    std::string Pub(bool xonly) const
    {
        const PubKey pub = key.GetPubKey();  // bytes() is a view into it: keep it alive
        const auto b = pub.bytes();
        return xonly ? HexStr(b.subspan(1)) : HexStr(b);
    }
    std::string Priv() const { return EncodeSecret(key, Chain::REGTEST); }
};

/** The policy with the listed parties' private keys. */
std::string Policy(bool taproot, const std::vector<Party>& p, const std::vector<int>& priv)
{
    auto k = [&](int i) {
        return std::find(priv.begin(), priv.end(), i) != priv.end() ? p[i].Priv() : p[i].Pub(taproot);
    };
    const std::string n = std::to_string(N);
    if (!taproot) {
        return "wsh(or_d(multi(2," + k(0) + "," + k(1) + "," + k(2) + "),and_v(v:multi(1," + k(3) + "," + k(4) +
               "),older(" + n + "))))";
    }
    // The internal key belongs to nobody in the test: only the script paths spend.
    return "tr(" + p[5].Pub(true) + ",{multi_a(2," + k(0) + "," + k(1) + "," + k(2) + "),and_v(v:multi_a(1," + k(3) +
           "," + k(4) + "),older(" + n + "))})";
}

std::string WithChecksum(e2e::Node& node, const std::string& desc)
{
    return desc + "#" + node.Rpc("getdescriptorinfo", {desc})["checksum"].get<std::string>();
}

void Import(e2e::Node& node, const std::string& wallet, const std::string& desc)
{
    node.Rpc("createwallet", {wallet, false, true});
    json req = json::array({{{"desc", WithChecksum(node, desc)}, {"timestamp", "now"}}});
    for (const auto& r : node.WalletRpc(wallet, "importdescriptors", json::array({req}))) {
        ASSERT_TRUE(r["success"].get<bool>()) << r.dump();
    }
}

std::string Send(e2e::Node& node, const std::string& hex) { return node.Rpc("sendrawtransaction", {hex}); }

void RunPolicy(bool taproot)
{
    e2e::Node node;
    ASSERT_TRUE(node.Start({"-fallbackfee=0.0002"})) << node.LogTail();
    std::vector<Party> p;
    for (int i = 0; i < 6; ++i) p.push_back({testutil::DeterministicKey(taproot ? 6 : 5, i)});
    const std::string pub = WithChecksum(node, Policy(taproot, p, {}));
    const json info = node.Rpc("getdescriptorinfo", {pub});
    EXPECT_EQ(info["descriptor"].get<std::string>(), pub);
    EXPECT_TRUE(info["issolvable"].get<bool>());
    EXPECT_FALSE(info["isrange"].get<bool>());
    const std::string address = node.Rpc("deriveaddresses", {pub})[0];
    EXPECT_EQ(address.substr(0, 6), taproot ? "bcrt1p" : "bcrt1q");

    Import(node, "official_a", Policy(taproot, p, {0}));
    Import(node, "official_b", Policy(taproot, p, {1}));
    Import(node, "recovery", Policy(taproot, p, {3}));

    // Funds received: a coinbase to the policy address, matured.
    const std::string block1 = node.Rpc("generatetoaddress", {1, address})[0];
    node.Rpc("generatetoaddress", {100, e2e::MINE_ADDRESS});
    EXPECT_EQ(node.WalletRpc("recovery", "getbalance").get<double>(), 50.0);
    const std::string coinbase = node.Rpc("getblock", {block1})["tx"][0];

    // Officials A and B: each signs the PSBT in their own wallet; the second completes it. The output goes back
    // to the policy address, so the recovery test below spends a young coin.
    json psbt = node.Rpc("createpsbt", {json::array({{{"txid", coinbase}, {"vout", 0}}}),
                                        json::array({{{address, 49.999}}})});
    json a = node.WalletRpc("official_a", "walletprocesspsbt", {psbt, true, "ALL", true, true});
    EXPECT_FALSE(a["complete"].get<bool>());
    json b = node.WalletRpc("official_b", "walletprocesspsbt", {a["psbt"], true, "ALL", true, true});
    ASSERT_TRUE(b["complete"].get<bool>()) << b.dump();
    const std::string spend = Send(node, node.Rpc("finalizepsbt", json::array({b["psbt"]}))["hex"]);
    node.Rpc("generatetoaddress", {1, e2e::MINE_ADDRESS});
    EXPECT_EQ(node.Rpc("gettxout", {spend, 0})["confirmations"].get<int>(), 1);

    // Recovery key alone. With nSequence below N the wallet cannot complete the PSBT at all.
    json early = node.Rpc("createpsbt", {json::array({{{"txid", spend}, {"vout", 0}, {"sequence", N - 1}}}),
                                         json::array({{{e2e::MINE_ADDRESS, 49.998}}})});
    EXPECT_FALSE(node.WalletRpc("recovery", "walletprocesspsbt", {early, true, "ALL", true, true})["complete"]
                     .get<bool>());
    // With nSequence = N it signs, but the coin has one confirmation: not BIP68-final.
    json rec = node.Rpc("createpsbt", {json::array({{{"txid", spend}, {"vout", 0}, {"sequence", N}}}),
                                       json::array({{{e2e::MINE_ADDRESS, 49.998}}})});
    json r = node.WalletRpc("recovery", "walletprocesspsbt", {rec, true, "ALL", true, true});
    ASSERT_TRUE(r["complete"].get<bool>()) << r.dump();
    const std::string rec_hex = node.Rpc("finalizepsbt", json::array({r["psbt"]}))["hex"];
    auto rejected = [&]() {
        try {
            Send(node, rec_hex);
        } catch (const e2e::RpcError& e) {
            EXPECT_NE(std::string(e.what()).find("non-BIP68-final"), std::string::npos) << e.what();
            return true;
        }
        return false;
    };
    EXPECT_TRUE(rejected());
    node.Rpc("generatetoaddress", {N - 2, e2e::MINE_ADDRESS});
    EXPECT_TRUE(rejected());  // N - 1 confirmations: the next block is still too early
    node.Rpc("generatetoaddress", {1, e2e::MINE_ADDRESS});
    const std::string txid = Send(node, rec_hex);  // N confirmations in the next block: accepted
    node.Rpc("generatetoaddress", {1, e2e::MINE_ADDRESS});
    EXPECT_EQ(node.Rpc("gettxout", {txid, 0})["confirmations"].get<int>(), 1);
    node.StopRpc();
}

} // namespace

TEST(MiniscriptE2E, WshRecoveryPolicy) { RunPolicy(false); }

TEST(MiniscriptE2E, TaprootRecoveryPolicy) { RunPolicy(true); }
