// The reserve end to end over JSON-RPC: a 2-of-3 wsh(sortedmulti) reserve held by a watch-only wallet, three
// officials' signer wallets, a custody policy; receive, propose, two officials sign separately (one offline through
// a PSBT file and sovereign-cli), broadcast, confirm; refusals over the limit and off the allow-list; a quorum
// freezes spending; the audit log verifies; then a proof of reserves signed by the officials verifies with
// `sovereign-cli verifyreserves FILE`, and fails with the reason once a reserve coin is spent.
#include "descriptor/bip32.h"
#include "harness.h"

#include <gtest/gtest.h>

#include <fstream>

using nlohmann::json;

namespace {
struct Official {
    std::string name, tprv, tpub;
};

std::vector<Official> Officials()
{
    std::vector<Official> out;
    const char* names[] = {"Minister of Finance", "Central Bank Governor", "Auditor General"};
    for (int i = 0; i < 3; ++i) {
        ExtKey k;
        k.SetSeed(std::vector<uint8_t>(32, uint8_t(0x51 + i)));
        out.push_back({names[i], EncodeExtKey(k, Chain::REGTEST), EncodeExtPubKey(k.Neuter(), Chain::REGTEST)});
    }
    return out;
}

/** The reserve's descriptor on branch 0 (receive) or 1 (change), with official `with_private` holding its key. */
std::string ReserveDescriptor(const std::vector<Official>& o, int branch, int with_private = -1)
{
    std::string d = "wsh(sortedmulti(2";
    for (int i = 0; i < 3; ++i) d += "," + (i == with_private ? o[i].tprv : o[i].tpub) + "/" + std::to_string(branch) + "/*";
    return d + "))";
}
}  // namespace

TEST(ReserveE2E, MultisigCustodyFlowAuditAndProofOfReserves)
{
    e2e::Node node;
    const uint16_t web_port = e2e::FreeLoopbackPort();
    ASSERT_TRUE(node.Start({"-fallbackfee=0.0002", "-dashboard", "-dashboardport=" + std::to_string(web_port)}))
        << node.LogTail();
    auto dashboard_verify = [&](const std::string& name) {
        const e2e::HttpResponse r = e2e::HttpPost(web_port, "/api/verify", "", json{{"name", name}}.dump());
        EXPECT_EQ(r.status, 200) << r.body;
        return json::parse(r.body);
    };
    const auto officials = Officials();
    const std::string now = "now";

    // Wallets: the watch-only reserve and one signer wallet per official.
    node.Rpc("createwallet", {"reserve", true, true});
    json import = json::array();
    import.push_back({{"desc", ReserveDescriptor(officials, 0)}, {"active", true}, {"timestamp", now}});
    import.push_back({{"desc", ReserveDescriptor(officials, 1)}, {"active", true}, {"internal", true}, {"timestamp", now}});
    for (const auto& r : node.WalletRpc("reserve", "importdescriptors", json::array({import}))) ASSERT_TRUE(r["success"].get<bool>()) << r.dump();
    const std::vector<std::string> wallets = {"minister", "governor", "auditor"};
    for (int i = 0; i < 3; ++i) {
        node.Rpc("createwallet", {wallets[i], false, true});
        json req = json::array({{{"desc", ReserveDescriptor(officials, 0, i)}, {"timestamp", now}},
                                {{"desc", ReserveDescriptor(officials, 1, i)}, {"timestamp", now}}});
        for (const auto& r : node.WalletRpc(wallets[i], "importdescriptors", json::array({req}))) ASSERT_TRUE(r["success"].get<bool>()) << r.dump();
    }

    const std::string payee = node.Rpc("createwallet", {"payee"})["name"];
    const std::string payee_address = node.WalletRpc("payee", "getnewaddress");
    json policy = {{"signers", json::array()}, {"threshold", 2}, {"change_quorum", 2}, {"max_per_spend_sat", 1000000000},
                   {"allowlist", json::array({payee_address})}};
    for (const auto& o : officials) policy["signers"].push_back({{"name", o.name}, {"key", o.tpub}});
    node.WalletRpc("reserve", "reservesetpolicy", json::array({policy}));

    // Fund the reserve: 101 blocks to its address.
    const std::string reserve_address = node.WalletRpc("reserve", "getnewaddress");
    node.Rpc("generatetoaddress", {1, reserve_address});
    node.Rpc("generatetoaddress", {100, e2e::MINE_ADDRESS});
    EXPECT_EQ(node.WalletRpc("reserve", "getbalance").get<double>(), 50.0);
    EXPECT_EQ(node.WalletRpc("minister", "getaddressinfo", {reserve_address})["ismine"], true);  // same addresses

    // Propose 3 BTC to the payee.
    json p = node.WalletRpc("reserve", "reservepropose", {{{payee_address, 3}}, "school construction", "treasury"});
    const int64_t id = p["id"];
    EXPECT_NE(p["blocked_by"].get<std::string>().find("0 of the 2 approvals"), std::string::npos) << p.dump();

    // The minister signs through the node; the auditor signs offline from a PSBT file with sovereign-cli.
    json m = node.WalletRpc("minister", "walletprocesspsbt", {p["psbt"], true, "ALL", true, false});
    EXPECT_FALSE(m["complete"].get<bool>());
    json after_m = node.WalletRpc("reserve", "reservesign", {id, m["psbt"]});
    EXPECT_EQ(after_m["approvals"], json::array({"Minister of Finance"}));
    const std::filesystem::path file = node.DataDir() / "proposal.psbt";
    { std::ofstream(file) << p["psbt"].get<std::string>(); }
    std::ifstream in(file);
    std::string from_file((std::istreambuf_iterator<char>(in)), {});
    const auto cli = node.Cli({"-rpcwallet=auditor", "walletprocesspsbt", from_file, "true", "ALL", "true", "false"});
    ASSERT_EQ(cli.exit_code, 0) << cli.err;
    json a = json::parse(cli.out);
    json after_a = node.WalletRpc("reserve", "reservesign", {id, a["psbt"]});
    EXPECT_EQ(after_a["state"], "approved") << after_a.dump();
    EXPECT_EQ(after_a["blocked_by"], "");
    const std::string txid = node.WalletRpc("reserve", "reservebroadcast", {id});
    node.Rpc("generatetoaddress", {1, e2e::MINE_ADDRESS});
    EXPECT_EQ(node.WalletRpc("payee", "getbalance").get<double>(), 3.0);
    EXPECT_EQ(node.WalletRpc("reserve", "gettransaction", {txid})["confirmations"], 1);

    // Refusals with reasons: above the per-spend limit, off the allow-list.
    try {
        node.WalletRpc("reserve", "reservepropose", {{{payee_address, 20}}, "too much", "treasury"});
        ADD_FAILURE() << "over-limit proposal accepted";
    } catch (const e2e::RpcError& e) {
        EXPECT_NE(std::string(e.what()).find("above the policy limit of 10.00000000 BTC"), std::string::npos) << e.what();
    }
    try {
        node.WalletRpc("reserve", "reservepropose", {{{e2e::MINE_ADDRESS, 1}}, "unknown", "treasury"});
        ADD_FAILURE() << "off-list proposal accepted";
    } catch (const e2e::RpcError& e) {
        EXPECT_NE(std::string(e.what()).find("allow-list"), std::string::npos) << e.what();
    }

    // Proof of reserves: the officials sign it like a spend; the node verifies the published file.
    json proof = node.WalletRpc("reserve", "createreserveproof", {"National Bitcoin Office", "2026-11-28", "e2e-nonce"});
    json pm = node.WalletRpc("minister", "walletprocesspsbt", {proof["psbt"], true, "ALL", true, false});
    json pg = node.WalletRpc("governor", "walletprocesspsbt", {proof["psbt"], true, "ALL", true, false});
    const json combined = node.Rpc("combinepsbt", json::array({json::array({pm["psbt"], pg["psbt"]})}));
    json published = node.WalletRpc("reserve", "finalizereserveproof", {combined, proof["statement"]});
    const std::filesystem::path proof_file = node.DataDir() / "reserves-proof.json";
    { std::ofstream(proof_file) << published.dump(2); }
    const auto verified = node.Cli({"verifyreserves", proof_file.string()});
    ASSERT_EQ(verified.exit_code, 0) << verified.err;
    json v = json::parse(verified.out);
    EXPECT_TRUE(v["valid"].get<bool>()) << v.dump();
    EXPECT_EQ(v["proven_amount"].get<double>(), node.WalletRpc("reserve", "getbalance").get<double>());
    // Published on the dashboard, where anyone can have the node check it.
    const auto published_name = node.Cli({"publishreserveproof", proof_file.string()});
    ASSERT_EQ(published_name.exit_code, 0) << published_name.err;
    const std::string name = json::parse(published_name.out)["name"];
    const e2e::HttpResponse page = e2e::HttpRaw(web_port, "GET /api/public HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_NE(page.body.find(name), std::string::npos) << page.body.substr(0, 300);
    EXPECT_TRUE(dashboard_verify(name)["valid"].get<bool>());

    // A quorum freezes spending; a new proposal is refused, and the audit log holds every step.
    json frozen = policy;
    frozen["freeze_spending"] = true;
    frozen["freeze_reason"] = "lender agreement";
    json change = node.WalletRpc("reserve", "reserveproposepolicy", {frozen, "Minister of Finance"});
    EXPECT_FALSE(change["applied"].get<bool>());
    EXPECT_TRUE(node.WalletRpc("reserve", "reserveapprovepolicy", {change["change"], "Auditor General"})["applied"].get<bool>());
    try {
        node.WalletRpc("reserve", "reservepropose", {{{payee_address, 1}}, "during freeze", "treasury"});
        ADD_FAILURE() << "frozen reserve accepted a proposal";
    } catch (const e2e::RpcError& e) {
        EXPECT_NE(std::string(e.what()).find("lender agreement"), std::string::npos) << e.what();
    }
    json audit = node.WalletRpc("reserve", "reserveauditlog");
    EXPECT_TRUE(audit["valid"].get<bool>()) << audit.dump();
    std::set<std::string> actions;
    for (const auto& e : audit["entries"]) actions.insert(e["action"]);
    for (const char* a : {"policy.init", "proposal.create", "proposal.approve", "proposal.sign", "proposal.broadcast",
                          "proposal.refused", "policy.propose", "policy.change"}) {
        EXPECT_TRUE(actions.count(a)) << a;
    }

    // Spending a reserve coin (all of it, to the payee) makes the old proof fail with the reason.
    node.Rpc("generatetoaddress", {1, e2e::MINE_ADDRESS});
    json unfrozen = json(policy);
    const json unfreeze = node.WalletRpc("reserve", "reserveproposepolicy", {unfrozen, "Central Bank Governor"});
    node.WalletRpc("reserve", "reserveapprovepolicy", {unfreeze["change"], "Minister of Finance"});
    json p2 = node.WalletRpc("reserve", "reservepropose", {{{payee_address, 9}}, "final payment", "treasury"});
    for (const char* w : {"minister", "governor"}) {
        json s = node.WalletRpc(w, "walletprocesspsbt", {p2["psbt"], true, "ALL", true, false});
        node.WalletRpc("reserve", "reservesign", {p2["id"], s["psbt"]});
    }
    node.WalletRpc("reserve", "reservebroadcast", json::array({p2["id"]}));
    node.Rpc("generatetoaddress", {1, e2e::MINE_ADDRESS});
    json stale = json::parse(node.Cli({"verifyreserves", proof_file.string()}).out);
    EXPECT_FALSE(stale["valid"].get<bool>());
    EXPECT_NE(stale["reason"].get<std::string>().find("not in the UTXO set"), std::string::npos) << stale.dump();
    const json stale_web = dashboard_verify(name);
    EXPECT_FALSE(stale_web["valid"].get<bool>());
    EXPECT_NE(stale_web["reason"].get<std::string>().find("not in the UTXO set"), std::string::npos);
}
