// Miniscript (BIP379): Core's fixed test cases (validity, script bytes, malleability, signature need, timelock
// mixing, ops and stack limits) in both contexts, text round trips, type strings, and the descriptor-level
// error messages for insane expressions.
#include "crypto/hash.h"
#include "descriptor/descriptor.h"
#include "descriptor/miniscript.h"
#include "testutil/vectors.h"
#include "util/hex.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace miniscript;

namespace {

struct CoreCase {
    const char* ms;
    const char* hex;
    const char* taphex;
    int mode;
    int ops;
    int stack;
    int exec;
};

constexpr int MODE_VALID = 1, MODE_NONMAL = 2, MODE_NEEDSIG = 4, MODE_TIMELOCKMIX = 8, MODE_P2WSH_INVALID = 16,
              MODE_TAPSCRIPT_INVALID = 32;

const CoreCase CORE_CASES[] = {
#include "miniscript_cases.inc"
};

/** Keys are hex public keys; in Tapscript they appear x-only in the script (as Core's test KeyConverter). */
struct HexKeys {
    MsContext ctx;
    std::vector<std::vector<uint8_t>> keys;
    KeyCallbacks Callbacks()
    {
        KeyCallbacks kc;
        kc.from_string = [this](std::string_view s) -> std::optional<uint32_t> {
            auto b = TryParseHex(s);
            if (!b || b->size() != 33 || ((*b)[0] != 2 && (*b)[0] != 3)) return std::nullopt;
            keys.emplace_back(b->begin(), b->end());
            return uint32_t(keys.size() - 1);
        };
        kc.to_string = [this](uint32_t i) -> std::optional<std::string> { return HexStr(keys.at(i)); };
        kc.to_bytes = [this](uint32_t i) -> std::vector<uint8_t> {
            const auto& k = keys.at(i);
            if (IsTapscript(ctx)) return {k.begin() + 1, k.end()};
            return k;
        };
        kc.identity = [this](uint32_t i) { return keys.at(i); };
        return kc;
    }
};

bool RunCase(const CoreCase& c, MsContext ctx, std::string& why)
{
    HexKeys hk{ctx, {}};
    auto kc = hk.Callbacks();
    auto node = FromString(c.ms, ctx, kc);
    const bool tap = IsTapscript(ctx);
    const bool expect_invalid = (c.mode & MODE_VALID) == 0 || (!tap && (c.mode & MODE_P2WSH_INVALID)) ||
                                (tap && (c.mode & MODE_TAPSCRIPT_INVALID));
    if (expect_invalid) {
        if (node && node->IsValid()) {
            why = "unexpectedly valid";
            return false;
        }
        return true;
    }
    if (!node) {
        why = "unparseable";
        return false;
    }
    if (!node->IsValidTopLevel()) {
        why = "invalid top level, type " + node->type.ToString();
        return false;
    }
    const Script script = ToScript(*node, kc);
    if (script.size() != node->script_len) {
        why = "script size mismatch";
        return false;
    }
    std::string expect = tap ? c.taphex : c.hex;
    if (tap && expect == "=") expect = c.hex;
    if (expect != "?" && HexStr(script.bytes()) != expect) {
        why = "script " + HexStr(script.bytes()) + " != " + expect;
        return false;
    }
    if (node->IsNonMalleable() != bool(c.mode & MODE_NONMAL)) {
        why = "malleability";
        return false;
    }
    if (node->NeedsSignature() != bool(c.mode & MODE_NEEDSIG)) {
        why = "signature need";
        return false;
    }
    if (node->CheckTimeLocksMix() == bool(c.mode & MODE_TIMELOCKMIX)) {
        why = "timelock mix";
        return false;
    }
    if (c.ops != -1 && (!node->GetOps() || int(*node->GetOps()) != c.ops)) {
        why = "ops " + std::to_string(node->GetOps().value_or(0));
        return false;
    }
    if (c.stack != -1 && (!node->GetStackSize() || int(*node->GetStackSize()) != c.stack)) {
        why = "stack " + std::to_string(node->GetStackSize().value_or(0));
        return false;
    }
    if (c.exec != -1 && (!node->GetExecStackSize() || int(*node->GetExecStackSize()) != c.exec)) {
        why = "exec stack " + std::to_string(node->GetExecStackSize().value_or(0));
        return false;
    }
    // Text round trip: the printed form parses to the same script.
    auto text = ToString(*node, kc);
    HexKeys hk2{ctx, {}};
    auto kc2 = hk2.Callbacks();
    auto again = text ? FromString(*text, ctx, kc2) : nullptr;
    if (!again || ToScript(*again, kc2).bytes() != script.bytes()) {
        why = "text round trip";
        return false;
    }
    // Script round trip (Core's FromScript): the decoded miniscript builds the same script.
    HexKeys hk3{ctx, {}};
    auto kc3 = hk3.Callbacks();
    ScriptKeyCallbacks skc;
    skc.from_bytes = [&](std::span<const uint8_t> b) -> std::optional<uint32_t> {
        std::vector<uint8_t> full(b.begin(), b.end());
        if (tap) {
            if (full.size() != 32) return std::nullopt;
            // Find the original key with this x coordinate.
            for (const auto& k : hk.keys) {
                if (std::equal(k.begin() + 1, k.end(), full.begin())) full = k;
            }
        }
        if (full.size() != 33) return std::nullopt;
        hk3.keys.push_back(full);
        return uint32_t(hk3.keys.size() - 1);
    };
    skc.from_pkh = [&](std::span<const uint8_t> h) -> std::optional<uint32_t> {
        for (const auto& k : hk.keys) {
            const auto bytes = tap ? std::vector<uint8_t>(k.begin() + 1, k.end()) : k;
            const uint160 id = Hash160(bytes);
            if (std::equal(h.begin(), h.end(), id.begin())) {
                hk3.keys.push_back(k);
                return uint32_t(hk3.keys.size() - 1);
            }
        }
        return std::nullopt;
    };
    auto decoded = FromScript(script, ctx, skc);
    if (!decoded || ToScript(*decoded, kc3).bytes() != script.bytes()) {
        why = "script round trip";
        return false;
    }
    return true;
}

} // namespace

TEST(Miniscript, CoreFixedCases)
{
    int passed = 0, total = 0;
    for (const auto& c : CORE_CASES) {
        for (MsContext ctx : {MsContext::P2WSH, MsContext::TAPSCRIPT}) {
            ++total;
            std::string why;
            if (RunCase(c, ctx, why)) {
                ++passed;
            } else {
                ADD_FAILURE() << c.ms << (IsTapscript(ctx) ? " [tapscript]: " : " [p2wsh]: ") << why;
            }
        }
    }
    ReportVectorCount("miniscript_tests.cpp fixed cases (Core)", passed, total);
    EXPECT_EQ(passed, total);
}

TEST(Miniscript, TypeStrings)
{
    // Hand-checked against BIP379's table of fragment types.
    const std::string k = "02d7924d4f7d43ea965a465ae3095ff41131e5946f3c85f79e44adbcf8e27e080e";
    const std::string h32(64, 'a');
    struct {
        std::string ms;
        std::string type;
    } cases[] = {
        {"pk_k(" + k + ")", "Konudemsxk"},
        {"pk_h(" + k + ")", "Knudemsxk"},
        {"pk(" + k + ")", "Bonduesmk"},
        {"older(144)", "Bzfmxhk"},
        {"older(4194305)", "Bzfmxgk"},
        {"after(100)", "Bzfmxjk"},
        {"after(500000000)", "Bzfmxik"},
        {"sha256(" + h32 + ")", "Bonudmk"},
        {"0", "Bzudemsxk"},
        {"1", "Bzufmxk"},
        {"v:pk(" + k + ")", "Vonsmfxk"},
        {"a:pk(" + k + ")", "Wduesmxk"},
        {"s:pk(" + k + ")", "Wduesmk"},
        {"multi(1," + k + ")", "Bnudemsk"},
        {"n:older(1)", "Bzufmxhk"},
    };
    for (const auto& c : cases) {
        HexKeys hk{MsContext::P2WSH, {}};
        auto kc = hk.Callbacks();
        auto node = FromString(c.ms, MsContext::P2WSH, kc);
        ASSERT_TRUE(node) << c.ms;
        EXPECT_TRUE(node->type == Type::Of(c.type)) << c.ms << ": " << node->type.ToString();
    }
    // d: is u only under Tapscript (MINIMALIF is consensus there).
    HexKeys a{MsContext::P2WSH, {}}, b{MsContext::TAPSCRIPT, {}};
    auto ka = a.Callbacks(), kb = b.Callbacks();
    EXPECT_FALSE(FromString("dv:older(1)", MsContext::P2WSH, ka)->type.Has("u"));
    EXPECT_TRUE(FromString("dv:older(1)", MsContext::TAPSCRIPT, kb)->type.Has("u"));
}

TEST(Miniscript, RejectsBadSyntaxAndContext)
{
    const std::string k = "02d7924d4f7d43ea965a465ae3095ff41131e5946f3c85f79e44adbcf8e27e080e";
    const std::vector<std::pair<std::string, MsContext>> bad = {
        {"vv:older(1)", MsContext::P2WSH},                      // double v is not accepted
        {"older(0)", MsContext::P2WSH},                         // k >= 1
        {"after(2147483648)", MsContext::P2WSH},                // k < 2^31
        {"multi_a(1," + k + ")", MsContext::P2WSH},             // multi_a is Tapscript only
        {"multi(1," + k + ")", MsContext::TAPSCRIPT},           // multi is P2WSH only
        {"thresh(0,pk(" + k + "))", MsContext::P2WSH},          // k >= 1
        {"thresh(2,pk(" + k + "))", MsContext::P2WSH},          // k <= n
        {"sha256(00)", MsContext::P2WSH},                       // wrong hash size
        {"pk(" + k + ")x", MsContext::P2WSH},                   // trailing garbage
        {"and_v(v:pk(" + k + ")", MsContext::P2WSH},            // unclosed
        {"q:pk(" + k + ")", MsContext::P2WSH},                  // unknown wrapper
        {"", MsContext::P2WSH},
    };
    for (const auto& [ms, ctx] : bad) {
        HexKeys hk{ctx, {}};
        auto kc = hk.Callbacks();
        auto node = FromString(ms, ctx, kc);
        EXPECT_TRUE(!node || !node->IsValid()) << ms;
    }
    // Deep nesting is refused without exhausting the stack.
    std::string deep;
    for (int i = 0; i < 100000; ++i) deep += "and_v(v:1,";
    deep += "pk(" + k + ")";
    deep += std::string(100000, ')');
    HexKeys hk{MsContext::TAPSCRIPT, {}};
    auto kc = hk.Callbacks();
    EXPECT_FALSE(FromString(deep, MsContext::TAPSCRIPT, kc));
}

TEST(Miniscript, DescriptorErrors)
{
    // Core's descriptor_tests.cpp: the first insane subexpression is named, with the reason.
    const std::string A = "03cdabb7f2dce7bfbd8a0b9570c6fd1e712e5d64045e9d6b517b3d5072251dc204";
    const std::string B = "032707170c71d8f75e4ca4e3fce870b9409dcaf12b051d3bcadff74747fa7619c0";
    const std::string C = "02aa27e5eb2c185e87cd1dbc3e0efc9cb1175235e0259df1713424941c3cb40402";
    const std::string inner = "and_v(vc:andor(pk(" + A + "),pk_k(" + B + "),and_v(v:older(1),pk_k(" + C + "))),after(10))";
    std::vector<std::pair<std::string, std::string>> cases = {
        {"sh(" + inner + ")", "Miniscript expressions can only be used in wsh or tr."},
        {"tr(" + inner + ")", "tr(): key '" + inner + "' is not valid"},
        {"wsh(and_b(vc:andor(pk(" + A + "),pk_k(" + B + "),and_v(v:older(1),pk_k(" + C + "))),after(10)))",
         "and_b(vc:andor(pk(" + A + "),pk_k(" + B + "),and_v(v:older(1),pk_k(" + C + "))),after(10)) is invalid"},
        {"wsh(and_v(vc:andor(v:pk_k(" + A + "),pk_k(" + B + "),and_v(v:older(1),pk_k(" + C + "))),after(10)))",
         "v:pk_k(" + A + ") is invalid"},
        {"wsh(or_i(older(1),pk(" + A + ")))",
         "or_i(older(1),pk(" + A + ")) is not sane: witnesses without signature exist"},
        {"wsh(or_b(sha256(cdabb7f2dce7bfbd8a0b9570c6fd1e712e5d64045e9d6b517b3d5072251dc204),s:pk(" + A + ")))",
         "or_b(sha256(cdabb7f2dce7bfbd8a0b9570c6fd1e712e5d64045e9d6b517b3d5072251dc204),s:pk(" + A +
             ")) is not sane: malleable witnesses exist"},
        {"wsh(and_b(and_b(older(1),a:older(100000000)),s:pk(" + A + ")))",
         "and_b(older(1),a:older(100000000)) is not sane: contains mixes of timelocks expressed in blocks and "
         "seconds"},
        {"wsh(and_b(or_b(pkh(" + A + "),s:pk(" + B + ")),s:pk(" + A + ")))",
         "and_b(or_b(pkh(" + A + "),s:pk(" + B + ")),s:pk(" + A + ")) is not sane: contains duplicate public keys"},
        {"wsh(and_v(vc:andor(pk(" + A + "),pk_k(" + B +
             "),and_v(v:older(1),pk_k(049228de6902abb4f541791f6d7f925b10e2078ccb1298856e5ea5cc5fd667f930eac37a00cc07f9"
             "a91ef3c2d17bf7a17db04552ff90ac312a5b8b4caca6c97aa4))),after(10)))",
         "Uncompressed keys are not allowed"},
    };
    const std::string xpub = "xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL";
    cases.emplace_back("wsh(and_v(v:pk(" + xpub + "/<0;1>/*),pk(" + A + ")))", "");
    cases.emplace_back("wsh(and_v(v:pk(" + xpub + "/<0;1>/*),pk(" + xpub + "/<2;3;4>/*)))",
                       "Miniscript: Multipath derivation paths have mismatched lengths");
    for (const auto& [desc, err] : cases) {
        if (err.empty()) {
            // Multipath: one descriptor per path, sharing the expression.
            std::string error;
            auto d = ParseDescriptor(desc, Chain::MAIN, error);
            ASSERT_EQ(d.size(), 2u) << error;
            EXPECT_NE(d[0]->ToString(), d[1]->ToString());
            continue;
        }
        std::string error;
        auto d = ParseDescriptor(desc, Chain::MAIN, error);
        EXPECT_TRUE(d.empty()) << desc;
        EXPECT_EQ(error, err) << desc;
    }
}

TEST(Miniscript, DescriptorRoundTrip)
{
    // wsh() and tr() miniscript descriptors with ranged xpubs and origins print back as written, expand, and
    // give addresses.
    const std::string xpub = "xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL";
    const std::string k1 = "[d34db33f/48h/0h/0h/2h]" + xpub + "/0/*";
    const std::string k2 = "03cdabb7f2dce7bfbd8a0b9570c6fd1e712e5d64045e9d6b517b3d5072251dc204";
    const std::string k3 = "032707170c71d8f75e4ca4e3fce870b9409dcaf12b051d3bcadff74747fa7619c0";
    const std::string descs[] = {
        "wsh(or_d(multi(2," + k1 + "," + k2 + "," + k3 + "),and_v(v:pkh(02aa27e5eb2c185e87cd1dbc3e0efc9cb1175235e0259df1713424941c3cb40402),older(144))))",
        "wsh(and_v(v:ripemd160(095ff41131e5946f3c85f79e44adbcf8e27e080e),multi(1," + k1 + "," + k2 + ")))",
        "tr(" + k2 + ",{and_v(v:pk(" + k1 + "),older(12)),multi_a(1," + k3 + ",02aa27e5eb2c185e87cd1dbc3e0efc9cb1175235e0259df1713424941c3cb40402)})",
        "tr(" + k2 + ",pkh(" + k3 + "))",
    };
    for (const auto& text : descs) {
        std::string error;
        auto d = ParseDescriptor(text, Chain::MAIN, error);
        ASSERT_EQ(d.size(), 1u) << text << ": " << error;
        const std::string printed = d[0]->ToString();
        EXPECT_EQ(printed.substr(0, printed.find('#')), text);
        EXPECT_EQ(printed, text + "#" + GetDescriptorChecksum(text));
        EXPECT_TRUE(d[0]->IsSolvable());
        std::vector<Script> scripts;
        FlatSigningProvider out;
        ASSERT_TRUE(d[0]->Expand(7, scripts, out)) << text;
        ASSERT_EQ(scripts.size(), 1u);
        auto again = ParseDescriptor(printed, Chain::MAIN, error, true);
        ASSERT_EQ(again.size(), 1u) << error;
        std::vector<Script> scripts2;
        FlatSigningProvider out2;
        ASSERT_TRUE(again[0]->Expand(7, scripts2, out2));
        EXPECT_EQ(scripts2[0].bytes(), scripts[0].bytes());
        // Inference (Core's InferDescriptor) finds the miniscript again from the scripts the expansion revealed.
        const std::string inferred = InferDescriptor(scripts[0], out, Chain::MAIN)->ToString();
        EXPECT_EQ(inferred.substr(0, 3), text.substr(0, 3)) << inferred;
        EXPECT_EQ(inferred.find("raw("), std::string::npos) << inferred;
        auto from_inferred = ParseDescriptor(inferred, Chain::MAIN, error, true);
        ASSERT_EQ(from_inferred.size(), 1u) << inferred << ": " << error;
        std::vector<Script> scripts3;
        FlatSigningProvider out3;
        ASSERT_TRUE(from_inferred[0]->Expand(0, scripts3, out3));
        EXPECT_EQ(scripts3[0].bytes(), scripts[0].bytes()) << inferred;
    }
    // A hand-checked witness script: pk(K) inside wsh is <K> CHECKSIG, and_v(v:pk(A),pk(B)) uses CHECKSIGVERIFY.
    std::string error;
    auto d = ParseDescriptor("wsh(and_v(v:pk(" + k2 + "),pk(" + k3 + ")))", Chain::MAIN, error);
    ASSERT_EQ(d.size(), 1u) << error;
    std::vector<Script> scripts;
    FlatSigningProvider out;
    ASSERT_TRUE(d[0]->Expand(0, scripts, out));
    ASSERT_EQ(out.scripts.size(), 1u);
    EXPECT_EQ(HexStr(out.scripts.begin()->second.bytes()), "21" + k2 + "ad21" + k3 + "ac");
}
