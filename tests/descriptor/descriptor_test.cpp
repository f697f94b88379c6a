// Output descriptors against the BIP380-390 vectors (descriptors_vectors.json) and BIP67 sortedmulti
// (rpc_bip67.json), plus Core's error messages and string forms.
#include "address/destination.h"
#include "descriptor/descriptor.h"
#include "testutil/vectors.h"
#include "util/hex.h"

#include <gtest/gtest.h>

namespace {

std::vector<std::unique_ptr<Descriptor>> Parse(const std::string& s, std::string* err = nullptr,
                                               Chain chain = Chain::MAIN)
{
    std::string error;
    auto ret = ParseDescriptor(s, chain, error);
    if (err) *err = error;
    return ret;
}

std::string StripChecksum(const std::string& s) { return s.substr(0, s.find('#')); }

std::vector<std::string> ScriptsHex(const Descriptor& d, int pos)
{
    std::vector<Script> scripts;
    FlatSigningProvider out;
    if (!d.Expand(pos, scripts, out)) return {"<expand failed>"};
    std::vector<std::string> ret;
    for (const auto& s : scripts) ret.push_back(HexStr(s.bytes()));
    return ret;
}

/** Checks one valid descriptor entry: parses, expands to the listed scripts, and its public and private
 *  strings parse back to the same scripts. */
bool CheckValid(const nlohmann::json& e)
{
    const std::string text = e["descriptor"].get<std::string>();
    std::string error;
    auto descs = Parse(text, &error);
    if (descs.size() != 1) {
        ADD_FAILURE() << text << ": " << error;
        return false;
    }
    const Descriptor& d = *descs[0];
    bool ok = d.IsRange() == e["ranged"].get<bool>();
    const auto& expected = e["expected_scripts"];
    for (size_t i = 0; i < expected.size(); ++i) {
        auto got = ScriptsHex(d, int(i));
        auto want = expected[i].get<std::vector<std::string>>();
        if (got != want) {
            ADD_FAILURE() << text << " pos " << i << ": got " << (got.empty() ? "" : got[0]);
            ok = false;
        }
    }
    // Round trips: public string, and private string when there are private keys.
    auto again = Parse(d.ToString());
    ok &= again.size() == 1 && again[0]->ToString() == d.ToString();
    if (d.HavePrivateKeys()) {
        std::string priv;
        ok &= d.ToPrivateString(priv) && StripChecksum(priv) == text;
        auto from_priv = Parse(priv);
        ok &= from_priv.size() == 1 && ScriptsHex(*from_priv[0], 1) == ScriptsHex(d, 1);
    } else {
        ok &= StripChecksum(d.ToString()) == text;
        ok &= again.size() == 1 && ScriptsHex(*again[0], 1) == ScriptsHex(d, 1);
    }
    EXPECT_TRUE(ok) << text;
    return ok;
}

} // namespace

TEST(Descriptor, BipVectors)
{
    auto j = ReadVectorJson("bips/descriptors_vectors.json");
    size_t passed = 0, total = 0;
    // BIP380 checksums and key expressions.
    for (const auto& e : j["bip380"]["checksum"]) {
        ++total;
        const bool ok = !Parse(e["descriptor"].get<std::string>()).empty() == e["expected_valid"].get<bool>();
        EXPECT_TRUE(ok) << e["label"];
        passed += ok;
    }
    for (const auto& e : j["bip380"]["key_expressions_valid"]) {
        ++total;
        std::string error;
        const bool ok = Parse("pk(" + e["key_expression"].get<std::string>() + ")", &error).size() == 1;
        EXPECT_TRUE(ok) << e["label"] << ": " << error;
        passed += ok;
    }
    for (const auto& e : j["bip380"]["key_expressions_invalid"]) {
        ++total;
        const bool ok = Parse("pk(" + e["key_expression"].get<std::string>() + ")").empty();
        EXPECT_TRUE(ok) << e["reason"];
        passed += ok;
    }
    for (const std::string bip : {"bip381", "bip382", "bip383", "bip384", "bip385", "bip386", "bip387", "bip390"}) {
        for (const auto& e : j[bip]["valid"]) {
            ++total;
            passed += CheckValid(e);
        }
        for (const auto& e : j[bip]["invalid"]) {
            ++total;
            const bool ok = Parse(e["descriptor"].get<std::string>()).empty();
            EXPECT_TRUE(ok) << bip << " " << e["reason"];
            passed += ok;
        }
    }
    // BIP389 multipath.
    for (const auto& e : j["bip389"]["valid"]) {
        ++total;
        std::string error;
        auto descs = Parse(e["descriptor"].get<std::string>(), &error);
        const auto& want = e["expands_to"];
        bool ok = descs.size() == want.size();
        for (size_t i = 0; ok && i < descs.size(); ++i) {
            std::string s;
            if (descs[i]->HavePrivateKeys()) {
                ok &= descs[i]->ToPrivateString(s);
            } else {
                s = descs[i]->ToString();
            }
            ok &= StripChecksum(s) == want[i].get<std::string>();
            // The single-path descriptor gives the same scripts.
            auto single = Parse(want[i].get<std::string>());
            ok &= single.size() == 1 && ScriptsHex(*single[0], 3) == ScriptsHex(*descs[i], 3);
        }
        EXPECT_TRUE(ok) << e["descriptor"] << ": " << error;
        passed += ok;
    }
    for (const auto& e : j["bip389"]["invalid"]) {
        ++total;
        const bool ok = Parse(e["descriptor"].get<std::string>()).empty();
        EXPECT_TRUE(ok) << "bip389 " << e["reason"];
        passed += ok;
    }
    ReportVectorCount("descriptors_vectors.json", passed, total);
    EXPECT_EQ(passed, total);
    EXPECT_EQ(total, 8u + 21 + 16 + 21 + 23 + 13 + 7 + 10 + 10 + 13 + 14 + 20);
}

TEST(Descriptor, Bip67SortedMulti)
{
    auto j = ReadVectorJson("bitcoin-core/rpc_bip67.json");
    size_t passed = 0;
    for (const auto& e : j) {
        std::string keys, sorted;
        for (const auto& k : e["keys"]) keys += "," + k.get<std::string>();
        for (const auto& k : e["sorted_keys"]) sorted += "," + k.get<std::string>();
        auto a = Parse("sh(sortedmulti(2" + keys + "))", nullptr, Chain::REGTEST);
        auto b = Parse("sh(multi(2" + sorted + "))", nullptr, Chain::REGTEST);
        bool ok = a.size() == 1 && b.size() == 1;
        for (auto* d : {ok ? a[0].get() : nullptr, ok ? b[0].get() : nullptr}) {
            if (!d) break;
            std::vector<Script> scripts;
            FlatSigningProvider out;
            ok &= d->Expand(0, scripts, out) && scripts.size() == 1;
            if (!ok) break;
            Destination dest;
            ok &= ExtractDestination(scripts[0], dest) && EncodeDestination(dest, Chain::REGTEST) == e["address"].get<std::string>();
            // The redeem script is what the provider learned.
            bool found = false;
            for (const auto& [id, s] : out.scripts) found |= HexStr(s.bytes()) == e["script"].get<std::string>();
            ok &= found;
        }
        EXPECT_TRUE(ok) << e["address"];
        passed += ok;
    }
    ReportVectorCount("rpc_bip67.json", passed, j.size());
    EXPECT_EQ(passed, j.size());
}

TEST(Descriptor, CoreErrorMessages)
{
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"raw(deadbeef)#", "Expected 8 character checksum, not 0 characters"},
        {"raw(deadbeef)#a#b", "Multiple '#' symbols"},
        {"raw(deedbeef)#89f8spxm", "Provided checksum '89f8spxm' does not match computed checksum 'xj8ljs75'"},
        {"pk(0260b2003c386519fc9eadf2b5cf124dd8eea4c4e68d5e154050a9346ea98ce6)",
         "pk(): Pubkey '0260b2003c386519fc9eadf2b5cf124dd8eea4c4e68d5e154050a9346ea98ce6' is invalid"},
        {"pk()", "pk(): No key provided"},
        {"wpkh(5KYZdUEo39z3FPrtuX2QbbwGnNP5zTd7yyr2SC1j299sBCnWjss)", "wpkh(): Uncompressed keys are not allowed"},
        {"sh(sh(pk(03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd)))",
         "Can only have sh() at top level"},
        {"multi(0,03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd)",
         "Multisig threshold cannot be 0, must be at least 1"},
        {"multi(a,03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd)", "Multi threshold 'a' is not valid"},
        {"raw(asdf)", "Raw script is not hex"},
        {"addr(asdf)", "Address is not valid"},
        {"foo(1)", "'foo(1)' is not a valid descriptor function"},
        {"sh(03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd)", "A function is needed within P2SH"},
        {"pk([deadbef/0h]03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd)",
         "pk(): Fingerprint is not 4 bytes (7 characters instead of 8 characters)"},
        {"pk(xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB/1aa)",
         "pk(): Key path value '1aa' is not a valid uint32"},
        {"pk(xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB/2147483648)",
         "pk(): Key path value 2147483648 is out of range"},
        {"pk(xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB/<0;0>)",
         "pk(): Duplicated key path value 0 in multipath specifier"},
        {"tr(a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd,{pk(669b8afcec803a0d323e9a17f3ea8e68e8abe5a278020a929adbec52421adbd0))",
         "tr(): expected ',' after script expression"},
    };
    for (const auto& [desc, msg] : cases) {
        std::string error;
        EXPECT_TRUE(Parse(desc, &error).empty()) << desc;
        EXPECT_EQ(error, msg) << desc;
    }
    std::string error;
    EXPECT_TRUE(ParseDescriptor("raw(deadbeef)", Chain::MAIN, error, /*require_checksum=*/true).empty());
    EXPECT_EQ(error, "Missing checksum");
}

TEST(Descriptor, StringForms)
{
    // Core's getdescriptorinfo example keeps ' vs h as written; normalized form moves hardened steps into the
    // origin and needs the private key.
    auto d = Parse("wpkh(xprv9s21ZrQH143K31xYSDQpPDxsXRTUcvj2iNHm5NUtrGiGG5e2DtALGdso3pGz6ssrdK4PFmM8NSpSBHNqPqm55Qn3LqFtT2emdEXVYsCzC2U/84'/0'/0'/0/*)");
    ASSERT_EQ(d.size(), 1u);
    EXPECT_TRUE(d[0]->IsRange());
    EXPECT_TRUE(d[0]->IsSolvable());
    EXPECT_TRUE(d[0]->HavePrivateKeys());
    const std::string pub = d[0]->ToString();
    EXPECT_EQ(pub.substr(0, 9), "wpkh(xpub");
    EXPECT_NE(pub.find("/84'/0'/0'/0/*)#"), std::string::npos);
    std::string norm;
    ASSERT_TRUE(d[0]->ToNormalizedString(norm));
    EXPECT_EQ(norm.substr(0, 24), "wpkh([bd16bee5/84h/0h/0h");
    // The normalized descriptor derives the same scripts.
    auto n = Parse(norm);
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(ScriptsHex(*n[0], 5), ScriptsHex(*d[0], 5));
    EXPECT_EQ(d[0]->ToString(/*compat_format=*/true), pub);

    // Hardened derivation from an xpub cannot expand.
    auto h = Parse("wpkh(" + StripChecksum(pub).substr(5, 111) + "/1h/*)");
    ASSERT_EQ(h.size(), 1u);
    std::vector<Script> scripts;
    FlatSigningProvider out;
    EXPECT_FALSE(h[0]->Expand(0, scripts, out));

    auto raw = Parse("raw(deadbeef)");
    ASSERT_EQ(raw.size(), 1u);
    EXPECT_EQ(raw[0]->ToString(), "raw(deadbeef)#89f8spxm");
    EXPECT_FALSE(raw[0]->IsSolvable());
    EXPECT_EQ(GetDescriptorChecksum("raw(deadbeef)"), "89f8spxm");
    EXPECT_EQ(GetDescriptorChecksum("raw(deadbeef)#89f8spxm"), "89f8spxm");
    EXPECT_EQ(GetDescriptorChecksum("raw(deadbeef)#00000000"), "");
}

TEST(Descriptor, InferFromExpansion)
{
    auto d = Parse("sh(wpkh([deadbeef/49h/0h/0h]xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL/0/*))");
    ASSERT_EQ(d.size(), 1u);
    std::vector<Script> scripts;
    FlatSigningProvider out;
    ASSERT_TRUE(d[0]->Expand(3, scripts, out));
    auto inferred = InferDescriptor(scripts[0], out, Chain::MAIN);
    const std::string s = StripChecksum(inferred->ToString());
    EXPECT_EQ(s.substr(0, 32), "sh(wpkh([deadbeef/49h/0h/0h/0/3]");
    EXPECT_EQ(s.size(), 32u + 66 + 2);
    // Unknown script: addr() or raw().
    FlatSigningProvider none;
    EXPECT_EQ(StripChecksum(InferDescriptor(scripts[0], none, Chain::MAIN)->ToString()).substr(0, 6), "addr(3");
    EXPECT_EQ(StripChecksum(InferDescriptor(Script(ParseHex("6a")), none, Chain::MAIN)->ToString()), "raw(6a)");
}
