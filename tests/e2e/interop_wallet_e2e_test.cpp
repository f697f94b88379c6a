// Interop with Bitcoin Core's wallet (issue 6): the same descriptors give the same addresses on both (deriveaddresses,
// getdescriptorinfo, getnewaddress of wallets that imported them), and PSBTs cross over: a 2-of-2 wsh(sortedmulti)
// shared between a sovereignd wallet (key A) and a Core wallet (key B) spends with a PSBT made by either side, signed
// by both, combined and finalized by the other, broadcast and mined; a taproot key-path coin watched by one side is
// spent with a PSBT the other side's keys sign. Skipped unless $BITCOIND names Core's daemon.
#include "core_node.h"

#include "descriptor/bip32.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <functional>

using namespace e2e;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {
/** An account key m/purpose'/1'/0' of a seed: its origin "[fingerprint/purpose'/1'/0']" and tprv/tpub text. */
struct Account {
    std::string origin, tprv, tpub;
};

Account MakeAccount(uint8_t seed_byte, uint32_t purpose)
{
    ExtKey master;
    master.SetSeed(std::vector<uint8_t>(32, seed_byte));
    ExtKey k = master;
    for (uint32_t step : {purpose, 1u, 0u}) {
        ExtKey child;
        k.Derive(child, step | BIP32_HARDENED_KEY_LIMIT);
        k = child;
    }
    const auto fp = master.Fingerprint();
    char hex[9];
    std::snprintf(hex, sizeof(hex), "%02x%02x%02x%02x", fp[0], fp[1], fp[2], fp[3]);
    const std::string origin = "[" + std::string(hex) + "/" + std::to_string(purpose) + "h/1h/0h]";
    return {origin, origin + EncodeExtKey(k, Chain::REGTEST), origin + EncodeExtPubKey(k.Neuter(), Chain::REGTEST)};
}

/** The descriptor with its checksum, as Core computes it (and sovereignd must agree). */
std::string WithChecksum(Node& core, Node& sov, const std::string& desc)
{
    const json c = core.Rpc("getdescriptorinfo", {desc});
    const json s = sov.Rpc("getdescriptorinfo", {desc});
    EXPECT_EQ(s, c) << desc;
    return desc + "#" + c.at("checksum").get<std::string>();
}

void Import(Node& node, const std::string& wallet, const json& requests)
{
    const json res = node.WalletRpc(wallet, "importdescriptors", json::array({requests}));
    for (const json& r : res) ASSERT_TRUE(r.at("success").get<bool>()) << wallet << ": " << res.dump();
}

json Request(const std::string& desc, bool internal)
{
    return {{"desc", desc}, {"active", true}, {"internal", internal}, {"timestamp", "now"}, {"range", json::array({0, 20})}};
}

bool InMempool(Node& node, const std::string& txid)
{
    const json pool = node.Rpc("getrawmempool");
    return std::any_of(pool.begin(), pool.end(), [&](const json& t) { return t.get<std::string>() == txid; });
}

/** Mines a block on `miner` and waits until `other` has it. */
void MineAndSync(Node& miner, Node& other, const std::string& address)
{
    miner.Rpc("generatetoaddress", {1, address});
    const std::string tip = miner.Rpc("getbestblockhash").get<std::string>();
    ASSERT_TRUE(WaitUntil([&] { return other.Rpc("getbestblockhash").get<std::string>() == tip; })) << other.LogTail();
}

std::string Txid(Node& node, const std::string& hex)
{
    return node.Rpc("decoderawtransaction", {hex}).at("txid").get<std::string>();
}
}  // namespace

TEST(E2eInteropWallet, SameDescriptorsSameAddresses)
{
    SKIP_WITHOUT_CORE(false);
    CoreNode core;
    ASSERT_TRUE(core.Start()) << core.LogTail();
    Node sov;
    ASSERT_TRUE(sov.Start()) << sov.LogTail();

    const Account a = MakeAccount(0x11, 84), b = MakeAccount(0x22, 84), t = MakeAccount(0x33, 86), l = MakeAccount(0x44, 44);
    // Each descriptor built from keys (A, B, T, L): public with every tpub, private with A, T and L's tprv.
    using Keys = std::array<std::string, 4>;
    const std::vector<std::function<std::string(const Keys&)>> descriptors = {
        [](const Keys& k) { return "wpkh(" + k[0] + "/0/*)"; },
        [](const Keys& k) { return "wsh(sortedmulti(2," + k[0] + "/0/*," + k[1] + "/0/*))"; },
        [](const Keys& k) { return "tr(" + k[2] + "/0/*)"; },
        [](const Keys& k) { return "pkh(" + k[3] + "/0/*)"; },
        [](const Keys& k) { return "sh(wpkh(" + k[0] + "/1/*))"; },
        [](const Keys& k) { return "wsh(multi(1," + k[1] + "/0/*," + k[0] + "/0/*))"; },
        [](const Keys& k) { return "sh(wsh(sortedmulti(2," + k[0] + "/0/*," + k[1] + "/0/*)))"; },
        [](const Keys& k) { return "tr(" + k[2] + "/1/*,{pk(" + k[0] + "/1/*),pk(" + k[1] + "/1/*)})"; },
        [](const Keys& k) { return "tr(" + k[2] + "/2/*,sortedmulti_a(2," + k[0] + "/2/*," + k[1] + "/2/*))"; },
    };
    const Keys pub{a.tpub, b.tpub, t.tpub, l.tpub};
    const Keys priv{a.tprv, b.tpub, t.tprv, l.tprv};
    for (const auto& make : descriptors) {
        const std::string d = make(pub);
        SCOPED_TRACE(d);
        const std::string with = WithChecksum(core, sov, d);
        const json range = json::array({0, 4});
        const json from_core = core.Rpc("deriveaddresses", {with, range});
        ASSERT_EQ(from_core.size(), 5u);
        EXPECT_EQ(sov.Rpc("deriveaddresses", {with, range}), from_core);
        // The private form too: both accept it and derive the same.
        const std::string priv_with = WithChecksum(core, sov, make(priv));
        EXPECT_EQ(sov.Rpc("deriveaddresses", {priv_with, range}), from_core);
        EXPECT_EQ(core.Rpc("deriveaddresses", {priv_with, range}), from_core);
    }

    // Watch-only wallets that imported the same descriptors hand out the same addresses, receive and change.
    for (Node* n : {static_cast<Node*>(&core), &sov}) n->Rpc("createwallet", {"watch", true, true});
    for (Node* n : {static_cast<Node*>(&core), &sov}) n->Rpc("createwallet", {"multisig", true, true});
    json watch = json::array({Request(WithChecksum(core, sov, "wpkh(" + a.tpub + "/0/*)"), false),
                              Request(WithChecksum(core, sov, "wpkh(" + a.tpub + "/1/*)"), true),
                              Request(WithChecksum(core, sov, "tr(" + t.tpub + "/0/*)"), false),
                              Request(WithChecksum(core, sov, "tr(" + t.tpub + "/1/*)"), true),
                              Request(WithChecksum(core, sov, "pkh(" + l.tpub + "/0/*)"), false),
                              Request(WithChecksum(core, sov, "sh(wpkh(" + a.tpub + "/2/*))"), false)});
    json multisig =
        json::array({Request(WithChecksum(core, sov, "wsh(sortedmulti(2," + a.tpub + "/0/*," + b.tpub + "/0/*))"), false),
                     Request(WithChecksum(core, sov, "wsh(sortedmulti(2," + a.tpub + "/1/*," + b.tpub + "/1/*))"), true)});
    Import(core, "watch", watch);
    Import(sov, "watch", watch);
    Import(core, "multisig", multisig);
    Import(sov, "multisig", multisig);
    for (int i = 0; i < 3; ++i) {
        for (const char* type : {"bech32", "bech32m", "legacy", "p2sh-segwit"}) {
            EXPECT_EQ(sov.WalletRpc("watch", "getnewaddress", {"", type}), core.WalletRpc("watch", "getnewaddress", {"", type}))
                << type;
        }
        for (const char* type : {"bech32", "bech32m"}) {
            EXPECT_EQ(sov.WalletRpc("watch", "getrawchangeaddress", {type}), core.WalletRpc("watch", "getrawchangeaddress", {type}))
                << type;
        }
        EXPECT_EQ(sov.WalletRpc("multisig", "getnewaddress"), core.WalletRpc("multisig", "getnewaddress"));
        EXPECT_EQ(sov.WalletRpc("multisig", "getrawchangeaddress"), core.WalletRpc("multisig", "getrawchangeaddress"));
    }
    // Both wallets list the same active descriptors (public form, hardened steps in the origin, same checksums).
    auto descs = [](Node& n, const std::string& w) {
        std::vector<std::string> out;
        for (const json& d : n.WalletRpc(w, "listdescriptors").at("descriptors")) out.push_back(d.at("desc").get<std::string>());
        std::sort(out.begin(), out.end());
        return out;
    };
    EXPECT_EQ(descs(sov, "watch"), descs(core, "watch"));
    EXPECT_EQ(descs(sov, "multisig"), descs(core, "multisig"));
}

TEST(E2eInteropWallet, PsbtsCrossBetweenSovereignAndCore)
{
    SKIP_WITHOUT_CORE(false);
    CoreNode core;
    ASSERT_TRUE(core.Start()) << core.LogTail();
    Node sov;
    ASSERT_TRUE(sov.Start({"-connect=" + P2pAddress(core), "-fallbackfee=0.0002"})) << sov.LogTail();
    core.Rpc("createwallet", {"w"});
    const std::string core_address = core.WalletRpc("w", "getnewaddress").get<std::string>();
    core.Rpc("generatetoaddress", {110, core_address});
    const std::string tip = core.Rpc("getbestblockhash").get<std::string>();
    ASSERT_TRUE(WaitUntil([&] { return sov.Rpc("getbestblockhash").get<std::string>() == tip; }, 120s)) << sov.LogTail();

    // A 2-of-2: sovereignd's wallet holds key A, Core's wallet key B; each sees the other's key as public only.
    const Account a = MakeAccount(0x55, 48), b = MakeAccount(0x66, 48), t = MakeAccount(0x77, 86);
    auto ms = [&](const std::string& ka, const std::string& kb, int branch) {
        const std::string s = "/" + std::to_string(branch) + "/*";
        return "wsh(sortedmulti(2," + ka + s + "," + kb + s + "))";
    };
    sov.Rpc("createwallet", {"ms", false, true});
    core.Rpc("createwallet", {"ms", false, true});
    Import(sov, "ms", json::array({Request(WithChecksum(core, sov, ms(a.tprv, b.tpub, 0)), false),
                                   Request(WithChecksum(core, sov, ms(a.tprv, b.tpub, 1)), true)}));
    Import(core, "ms", json::array({Request(WithChecksum(core, sov, ms(a.tpub, b.tprv, 0)), false),
                                    Request(WithChecksum(core, sov, ms(a.tpub, b.tprv, 1)), true)}));
    const std::string ms_address = sov.WalletRpc("ms", "getnewaddress").get<std::string>();
    ASSERT_EQ(core.WalletRpc("ms", "getnewaddress").get<std::string>(), ms_address);

    // A taproot account: watch-only on both sides, its key in a signer wallet on both sides.
    for (Node* n : {static_cast<Node*>(&core), &sov}) {
        n->Rpc("createwallet", {"trwatch", true, true});
        n->Rpc("createwallet", {"trsign", false, true});
        Import(*n, "trwatch", json::array({Request(WithChecksum(core, sov, "tr(" + t.tpub + "/0/*)"), false),
                                           Request(WithChecksum(core, sov, "tr(" + t.tpub + "/1/*)"), true)}));
        Import(*n, "trsign", json::array({Request(WithChecksum(core, sov, "tr(" + t.tprv + "/0/*)"), false),
                                          Request(WithChecksum(core, sov, "tr(" + t.tprv + "/1/*)"), true)}));
    }
    const std::string tr_address = sov.WalletRpc("trwatch", "getnewaddress", {"", "bech32m"}).get<std::string>();
    ASSERT_EQ(core.WalletRpc("trwatch", "getnewaddress", {"", "bech32m"}).get<std::string>(), tr_address);

    // Fund both: two coins each.
    for (int i = 0; i < 2; ++i) {
        core.WalletRpc("w", "sendtoaddress", {ms_address, 5});
        core.WalletRpc("w", "sendtoaddress", {tr_address, 3});
    }
    MineAndSync(core, sov, core_address);
    for (const char* w : {"ms", "trwatch"}) {
        ASSERT_TRUE(WaitUntil([&] { return sov.WalletRpc(w, "getbalance") == core.WalletRpc(w, "getbalance"); }))
            << w << ": sovereignd " << sov.WalletRpc(w, "getbalance") << ", Core " << core.WalletRpc(w, "getbalance");
    }
    EXPECT_EQ(sov.WalletRpc("ms", "getbalance").get<double>(), 10.0);
    EXPECT_EQ(sov.WalletRpc("trwatch", "getbalance").get<double>(), 6.0);

    const std::string pay_to = core.WalletRpc("w", "getnewaddress").get<std::string>();

    // 1. sovereignd makes the 2-of-2 PSBT; each side signs it separately; Core combines, finalizes and broadcasts.
    {
        const json created = sov.WalletRpc("ms", "walletcreatefundedpsbt", {json::array(), json::array({{{pay_to, 1.0}}})});
        const std::string psbt = created.at("psbt").get<std::string>();
        EXPECT_EQ(core.Rpc("decodepsbt", {psbt}), sov.Rpc("decodepsbt", {psbt}));
        EXPECT_EQ(sov.Rpc("decodepsbt", {psbt}).at("psbt_version").get<int>(), 2);  // BIP370 by default, as Core
        const json by_sov = sov.WalletRpc("ms", "walletprocesspsbt", {psbt, true, "ALL", true, false});
        EXPECT_FALSE(by_sov.at("complete").get<bool>());
        const json by_core = core.WalletRpc("ms", "walletprocesspsbt", {psbt, true, "ALL", true, false});
        EXPECT_FALSE(by_core.at("complete").get<bool>()) << by_core.dump();
        const json combined = core.Rpc("combinepsbt", json::array({json::array({by_sov.at("psbt"), by_core.at("psbt")})}));
        EXPECT_EQ(sov.Rpc("combinepsbt", json::array({json::array({by_sov.at("psbt"), by_core.at("psbt")})})), combined);
        EXPECT_EQ(core.Rpc("analyzepsbt", json::array({combined})).at("next").get<std::string>(), "finalizer");
        const json final = core.Rpc("finalizepsbt", json::array({combined}));
        ASSERT_TRUE(final.at("complete").get<bool>()) << final.dump();
        EXPECT_EQ(sov.Rpc("finalizepsbt", json::array({combined})), final);
        const std::string txid = core.Rpc("sendrawtransaction", json::array({final.at("hex")})).get<std::string>();
        ASSERT_TRUE(WaitUntil([&] { return InMempool(sov, txid); })) << sov.LogTail();
    }
    // 2. Core makes it; Core signs; sovereignd signs the result, finalizes and broadcasts.
    {
        const json created = core.WalletRpc("ms", "walletcreatefundedpsbt", {json::array(), json::array({{{pay_to, 2.0}}})});
        const std::string psbt = created.at("psbt").get<std::string>();
        EXPECT_EQ(sov.Rpc("decodepsbt", {psbt}), core.Rpc("decodepsbt", {psbt}));
        EXPECT_EQ(core.Rpc("decodepsbt", {psbt}).at("psbt_version").get<int>(), 2);
        const json by_core = core.WalletRpc("ms", "walletprocesspsbt", {psbt, true, "ALL", true, false});
        EXPECT_FALSE(by_core.at("complete").get<bool>());
        const json by_sov = sov.WalletRpc("ms", "walletprocesspsbt", {by_core.at("psbt"), true, "ALL", true, true});
        ASSERT_TRUE(by_sov.at("complete").get<bool>()) << by_sov.dump();
        const json final = sov.Rpc("finalizepsbt", json::array({by_sov.at("psbt")}));
        ASSERT_TRUE(final.at("complete").get<bool>());
        EXPECT_EQ(final.at("hex"), by_sov.at("hex"));
        EXPECT_EQ(core.Rpc("finalizepsbt", json::array({by_sov.at("psbt")})), final);
        const std::string txid = sov.Rpc("sendrawtransaction", json::array({final.at("hex")})).get<std::string>();
        EXPECT_EQ(txid, Txid(core, final.at("hex").get<std::string>()));
        ASSERT_TRUE(WaitUntil([&] { return InMempool(core, txid); })) << core.LogTail();
    }
    MineAndSync(core, sov, core_address);
    EXPECT_EQ(core.Rpc("getrawmempool").size(), 0u);
    ASSERT_TRUE(WaitUntil([&] { return sov.WalletRpc("ms", "getbalance") == core.WalletRpc("ms", "getbalance"); }));
    EXPECT_LT(sov.WalletRpc("ms", "getbalance").get<double>(), 7.0);

    // 3. Taproot: sovereignd's watch-only wallet makes the PSBT, Core's signer wallet signs (key path) and finalizes.
    {
        const json created = sov.WalletRpc("trwatch", "walletcreatefundedpsbt", {json::array(), json::array({{{pay_to, 1.0}}})});
        const std::string psbt = created.at("psbt").get<std::string>();
        const json signed_ = core.WalletRpc("trsign", "walletprocesspsbt", {psbt});
        ASSERT_TRUE(signed_.at("complete").get<bool>()) << signed_.dump() << "\n" << core.Rpc("decodepsbt", {psbt}).dump();
        const std::string txid = core.Rpc("sendrawtransaction", json::array({signed_.at("hex")})).get<std::string>();
        ASSERT_TRUE(WaitUntil([&] { return InMempool(sov, txid); })) << sov.LogTail();
    }
    MineAndSync(sov, core, MINE_ADDRESS);
    // 4. And back: Core's watch-only wallet makes it, sovereignd's signer wallet signs, finalizes and broadcasts.
    {
        const json created = core.WalletRpc("trwatch", "walletcreatefundedpsbt", {json::array(), json::array({{{pay_to, 1.0}}})});
        const std::string psbt = created.at("psbt").get<std::string>();
        EXPECT_EQ(sov.Rpc("decodepsbt", {psbt}), core.Rpc("decodepsbt", {psbt}));
        const json signed_ = sov.WalletRpc("trsign", "walletprocesspsbt", {psbt});
        ASSERT_TRUE(signed_.at("complete").get<bool>()) << signed_.dump() << "\n" << sov.Rpc("decodepsbt", {psbt}).dump();
        EXPECT_EQ(core.Rpc("finalizepsbt", json::array({signed_.at("psbt")})).at("hex"), signed_.at("hex"));
        const std::string txid = sov.Rpc("sendrawtransaction", json::array({signed_.at("hex")})).get<std::string>();
        ASSERT_TRUE(WaitUntil([&] { return InMempool(core, txid); })) << core.LogTail();
    }
    MineAndSync(sov, core, MINE_ADDRESS);
    ASSERT_TRUE(WaitUntil([&] { return sov.WalletRpc("trwatch", "getbalance") == core.WalletRpc("trwatch", "getbalance"); }));
    EXPECT_LT(sov.WalletRpc("trwatch", "getbalance").get<double>(), 4.0);
    EXPECT_EQ(sov.WalletRpc("trsign", "getbalance"), sov.WalletRpc("trwatch", "getbalance"));
}
