// The reserve end to end over JSON-RPC: a 2-of-3 wsh(sortedmulti) reserve held by a watch-only wallet, three
// officials' signer wallets, a custody policy; receive, propose, two officials sign separately (one offline through
// a PSBT file and sovereign-cli), broadcast, confirm; refusals over the limit and off the allow-list; a quorum
// freezes spending; the audit log verifies; then a proof of reserves signed by the officials verifies with
// `sovereign-cli verifyreserves FILE`, and fails with the reason once a reserve coin is spent.
#include "descriptor/bip32.h"
#include "harness.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

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

// The public reserve's books end to end: the reserve is funded through the ledger's acquisition flow (purchases
// checked against the schedule and linked to their transactions), reconciled against the wallet, a
// proof-of-liabilities tree of 1,000 accounts is built and every proof verified, and a proof of reserves stating
// solvency against it is verified by a second node that only has the published file; spending a reserve coin
// makes that proof fail with the reason.
TEST(ReserveE2E, LedgerFundedReserveProvenSolventToASecondNode)
{
    using namespace std::chrono_literals;
    auto wait_for = [](auto cond, std::chrono::seconds timeout = 60s) {
        const auto end = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < end) {
            if (cond()) return true;
            std::this_thread::sleep_for(100ms);
        }
        return cond();
    };
    e2e::Node a;
    ASSERT_TRUE(a.Start({"-fallbackfee=0.0002", "-ledger"})) << a.LogTail();
    a.Rpc("createwallet", {"exchange"});
    a.Rpc("createwallet", {"reserve"});  // the wallet the ledger reconciles by default
    a.Rpc("generatetoaddress", {110, a.WalletRpc("exchange", "getnewaddress")});

    // Acquisition policy: at most one BTC a day. Prices from a CSV file through sovereign-cli.
    EXPECT_EQ(a.Rpc("ledgersetpolicy", {{{"max_purchase_per_day", "1"}}})["max_purchase_per_day"], "1.00000000");
    const auto prices = a.DataDir() / "prices.csv";
    { std::ofstream(prices) << "date,price,currency\n2026-11-27,90000.00,USD\n2026-11-28,91000.00,USD\n"; }
    const auto imported = a.Cli({"ledgerimportprices", prices.string()});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
    EXPECT_EQ(json::parse(imported.out)["imported"], 2);
    { std::ofstream(prices) << "date,price,currency\n2026-11-29,oops,USD\n"; }
    const auto bad_prices = a.Cli({"ledgerimportprices", prices.string()});
    EXPECT_NE(bad_prices.exit_code, 0);
    EXPECT_NE(bad_prices.err.find("line 2"), std::string::npos) << bad_prices.err;

    // Buy: the exchange delivers to a fresh reserve address and the entry names the transaction.
    auto buy = [&](const std::string& date, const std::string& btc, const std::string& fiat) {
        const std::string txid = a.WalletRpc("exchange", "sendtoaddress", {a.WalletRpc("reserve", "getnewaddress"), std::stod(btc)});
        a.Rpc("ledgeraddentry", {{{"kind", "purchase"}, {"date", date}, {"amount_btc", btc}, {"fiat", fiat},
                                  {"venue", "National exchange"}, {"source", "Strategic reserve budget"}, {"txid", txid}}});
        return txid;
    };
    buy("2026-11-27", "1", "90000.00");
    try {
        a.Rpc("ledgeraddentry", {{{"kind", "purchase"}, {"date", "2026-11-27"}, {"amount_btc", "0.5"}, {"fiat", "45000"}}});
        ADD_FAILURE() << "a purchase above the daily schedule was accepted";
    } catch (const e2e::RpcError& e) {
        EXPECT_NE(std::string(e.what()).find("above the schedule of 1.00000000 BTC per day"), std::string::npos) << e.what();
    }
    buy("2026-11-28", "0.75", "68250.00");
    a.Rpc("generatetoaddress", {1, e2e::MINE_ADDRESS});
    json recon = a.Rpc("ledgerreconcile");
    EXPECT_TRUE(recon["reconciled"].get<bool>()) << recon.dump();
    EXPECT_EQ(recon["movements"], 2);

    // A movement nobody recorded shows up, until it is booked.
    const std::string gift = a.WalletRpc("exchange", "sendtoaddress", {a.WalletRpc("reserve", "getnewaddress"), 0.1});
    a.Rpc("generatetoaddress", {1, e2e::MINE_ADDRESS});
    recon = a.Rpc("ledgerreconcile");
    ASSERT_EQ(recon["discrepancies"].size(), 1u) << recon.dump();
    EXPECT_EQ(recon["discrepancies"][0]["kind"], "unrecorded");
    EXPECT_EQ(recon["discrepancies"][0]["txid"], gift);
    a.Rpc("ledgeraddentry", {{{"kind", "transfer_in"}, {"date", "2026-11-28"}, {"amount_btc", "0.1"}, {"txid", gift}}});
    EXPECT_TRUE(a.Rpc("ledgerreconcile")["reconciled"].get<bool>());
    const json report = a.Rpc("ledgerreport", {"2026-11-28"});
    EXPECT_EQ(report["holdings_sat"], 185'000'000);
    EXPECT_EQ(report["cost_basis"], 15'825'000);        // 90,000.00 + 68,250.00 + 0 for the transfer, in cents
    EXPECT_EQ(report["market_value"], 16'835'000);      // 1.85 BTC at 91,000.00
    EXPECT_EQ(a.WalletRpc("reserve", "getbalance").get<double>(), 1.85);

    // Liabilities: 1,000 citizens' balances (1 BTC in all), the tree built by sovereign-util, every proof checked.
    const auto dir = a.DataDir() / "liabilities";
    std::filesystem::create_directories(dir);
    {
        std::ofstream accounts(dir / "accounts.csv");
        accounts << "account,balance\n";
        for (int i = 0; i < 1000; ++i) accounts << "citizen-" << i << ",0.001\n";
    }
    const auto built = e2e::RunProcess(e2e::UtilPath(), {"buildliabilities", (dir / "accounts.csv").string(), (dir / "out").string()});
    ASSERT_EQ(built.exit_code, 0) << built.err;
    std::ifstream proofs_in(dir / "out" / "liabilities-proofs.jsonl");
    std::string line, tampered;
    int verified = 0;
    while (std::getline(proofs_in, line)) {
        const json v = a.Rpc("verifyliabilityproof", {line});
        if (v["valid"].get<bool>() && v["total_liabilities"].get<double>() == 1.0) ++verified;
        if (tampered.empty()) tampered = line;
    }
    EXPECT_EQ(verified, 1000);
    json t = json::parse(tampered);
    t["balance"] = t["balance"].get<int64_t>() + 1;
    const json rejected = a.Rpc("verifyliabilityproof", {t.dump()});
    EXPECT_FALSE(rejected["valid"].get<bool>());
    EXPECT_FALSE(rejected["reason"].get<std::string>().empty());
    std::ifstream commitment_in(dir / "out" / "liabilities-commitment.json");
    const json commitment = json::parse(commitment_in);

    // The proof of reserves states solvency against that commitment; the reserve signs it.
    const json proof = a.WalletRpc("reserve", "createreserveproof", {"National Bitcoin Office", "2026-11-28", "solvency-1", commitment});
    const json signed_proof = a.WalletRpc("reserve", "walletprocesspsbt", {proof["psbt"], true, "ALL", true, false});
    const json published = a.WalletRpc("reserve", "finalizereserveproof", {signed_proof["psbt"], proof["statement"]});
    EXPECT_EQ(published["version"], 2);
    const auto proof_file = std::filesystem::path(::testing::TempDir()) / ("solvency-" + std::to_string(::getpid()) + ".json");
    { std::ofstream(proof_file) << published.dump(2); }

    // A second node that knows nothing but the file (and the chain it syncs over P2P) checks it.
    e2e::Node b;
    ASSERT_TRUE(b.Start({"-connect=127.0.0.1:" + std::to_string(a.P2pPort())})) << b.LogTail();
    const std::string tip = a.Rpc("getbestblockhash");
    ASSERT_TRUE(wait_for([&] { return b.Rpc("getbestblockhash").get<std::string>() == tip; })) << b.LogTail();
    auto verify_on_b = [&] {
        const auto r = b.Cli({"verifyreserves", proof_file.string()});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return json::parse(r.out);
    };
    json v = verify_on_b();
    EXPECT_TRUE(v["valid"].get<bool>()) << v.dump();
    EXPECT_EQ(v["proven_amount"].get<double>(), 1.85);
    EXPECT_TRUE(v["solvent"].get<bool>());
    EXPECT_EQ(v["liabilities"]["total_btc"].get<double>(), 1.0);
    EXPECT_EQ(v["surplus"].get<double>(), 0.85);
    // Completeness: the descriptors the proof states, scanned on B's own UTXO set, hold exactly what it proves.
    json scan = json::array();
    for (const auto& d : published["descriptors"]) scan.push_back({{"desc", d}, {"range", 200}});
    const json scanned = b.Rpc("scantxoutset", {"start", scan});
    EXPECT_EQ(scanned["total_amount"].get<double>(), 1.85) << scanned.dump();

    // The reserve pays 0.3 BTC for a service (booked with its fee); the old proof now fails on B, with the reason.
    const std::string pay = a.WalletRpc("reserve", "sendtoaddress", {a.WalletRpc("exchange", "getnewaddress"), 0.3});
    const double fee = -a.WalletRpc("reserve", "gettransaction", {pay})["fee"].get<double>();
    char fee_text[32];
    std::snprintf(fee_text, sizeof(fee_text), "%.8f", fee);
    a.Rpc("ledgeraddentry", {{{"kind", "payment"}, {"date", "2026-11-28"}, {"amount_btc", "0.3"}, {"fiat", "27300.00"}, {"txid", pay}}});
    a.Rpc("ledgeraddentry", {{{"kind", "fee"}, {"date", "2026-11-28"}, {"amount_btc", fee_text}, {"txid", pay}}});
    a.Rpc("generatetoaddress", {1, e2e::MINE_ADDRESS});
    EXPECT_TRUE(a.Rpc("ledgerreconcile")["reconciled"].get<bool>()) << a.Rpc("ledgerreconcile").dump();
    const std::string tip2 = a.Rpc("getbestblockhash");
    ASSERT_TRUE(wait_for([&] { return b.Rpc("getbestblockhash").get<std::string>() == tip2; })) << b.LogTail();
    v = verify_on_b();
    EXPECT_FALSE(v["valid"].get<bool>());
    EXPECT_FALSE(v["solvent"].get<bool>());
    EXPECT_NE(v["reason"].get<std::string>().find("not in the UTXO set"), std::string::npos) << v.dump();
    std::filesystem::remove(proof_file);

    // Without -ledger, the ledger commands say how to turn it on.
    try {
        b.Rpc("ledgerlistentries");
        ADD_FAILURE() << "ledger commands answered without a ledger";
    } catch (const e2e::RpcError& e) {
        EXPECT_NE(std::string(e.what()).find("-ledger"), std::string::npos) << e.what();
    }
}

// The same custody flow on a taproot reserve: tr(NUMS, multi_a(2, three officials)), a script path only (the
// internal key is BIP341's provably unspendable point). Two officials sign separately, one through a PSBT file and
// sovereign-cli; the proposal is broadcast only with both approvals and confirms.
TEST(ReserveE2E, TaprootMultiAReserveCustodyFlow)
{
    e2e::Node node;
    ASSERT_TRUE(node.Start({"-fallbackfee=0.0002"})) << node.LogTail();
    const auto officials = Officials();
    const std::string nums = "50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0";
    auto descriptor = [&](int branch, int with_private) {
        std::string d = "tr(" + nums + ",multi_a(2";
        for (int i = 0; i < 3; ++i) d += "," + (i == with_private ? officials[i].tprv : officials[i].tpub) + "/" + std::to_string(branch) + "/*";
        return d + "))";
    };
    node.Rpc("createwallet", {"reserve", true, true});
    json import = json::array();
    import.push_back({{"desc", descriptor(0, -1)}, {"active", true}, {"timestamp", "now"}});
    import.push_back({{"desc", descriptor(1, -1)}, {"active", true}, {"internal", true}, {"timestamp", "now"}});
    for (const auto& r : node.WalletRpc("reserve", "importdescriptors", json::array({import}))) ASSERT_TRUE(r["success"].get<bool>()) << r.dump();
    const std::vector<std::string> wallets = {"minister", "governor", "auditor"};
    for (int i = 0; i < 3; ++i) {
        node.Rpc("createwallet", {wallets[i], false, true});
        json req = json::array({{{"desc", descriptor(0, i)}, {"timestamp", "now"}}, {{"desc", descriptor(1, i)}, {"timestamp", "now"}}});
        for (const auto& r : node.WalletRpc(wallets[i], "importdescriptors", json::array({req}))) ASSERT_TRUE(r["success"].get<bool>()) << r.dump();
    }
    const std::string payee = node.Rpc("createwallet", {"payee"})["name"];
    const std::string payee_address = node.WalletRpc("payee", "getnewaddress");
    json policy = {{"signers", json::array()}, {"threshold", 2}, {"change_quorum", 2}, {"max_per_spend_sat", 1000000000},
                   {"allowlist", json::array({payee_address})}};
    for (const auto& o : officials) policy["signers"].push_back({{"name", o.name}, {"key", o.tpub}});
    node.WalletRpc("reserve", "reservesetpolicy", json::array({policy}));

    const std::string reserve_address = node.WalletRpc("reserve", "getnewaddress", {"", "bech32m"});
    EXPECT_EQ(reserve_address.rfind("bcrt1p", 0), 0u) << reserve_address;
    node.Rpc("generatetoaddress", {1, reserve_address});
    node.Rpc("generatetoaddress", {100, e2e::MINE_ADDRESS});
    EXPECT_EQ(node.WalletRpc("reserve", "getbalance").get<double>(), 50.0);

    json p = node.WalletRpc("reserve", "reservepropose", {{{payee_address, 4}}, "hospital equipment", "treasury"});
    const int64_t id = p["id"];
    json m = node.WalletRpc("minister", "walletprocesspsbt", {p["psbt"], true, "ALL", true, false});
    json after_m = node.WalletRpc("reserve", "reservesign", {id, m["psbt"]});
    EXPECT_EQ(after_m["approvals"], json::array({"Minister of Finance"})) << after_m.dump();
    const std::filesystem::path file = node.DataDir() / "taproot-proposal.psbt";
    { std::ofstream(file) << p["psbt"].get<std::string>(); }
    std::ifstream in(file);
    const std::string from_file((std::istreambuf_iterator<char>(in)), {});
    const auto cli = node.Cli({"-rpcwallet=auditor", "walletprocesspsbt", from_file, "true", "ALL", "true", "false"});
    ASSERT_EQ(cli.exit_code, 0) << cli.err;
    json after_a = node.WalletRpc("reserve", "reservesign", {id, json::parse(cli.out)["psbt"]});
    EXPECT_EQ(after_a["state"], "approved") << after_a.dump();
    const std::string txid = node.WalletRpc("reserve", "reservebroadcast", {id});
    node.Rpc("generatetoaddress", {1, e2e::MINE_ADDRESS});
    EXPECT_EQ(node.WalletRpc("payee", "getbalance").get<double>(), 4.0);
    EXPECT_EQ(node.WalletRpc("reserve", "gettransaction", {txid})["confirmations"], 1);
}
