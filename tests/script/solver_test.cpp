// Output-script classification (Solver) for every TxoutType, with Core's edge cases, and destinations.
#include "address/destination.h"
#include "script/solver.h"
#include "util/hex.h"

#include <gtest/gtest.h>

namespace {

// Generator point G, compressed and uncompressed (valid keys of both sizes).
const Bytes PUB33 = ParseHex("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
const Bytes PUB65 = ParseHex(
    "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
    "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8");

Script Asm(std::initializer_list<std::variant<opcodetype, Bytes>> parts)
{
    Script s;
    for (const auto& p : parts) {
        if (std::holds_alternative<opcodetype>(p)) {
            s << std::get<opcodetype>(p);
        } else {
            s.PushData(std::get<Bytes>(p));
        }
    }
    return s;
}

TxoutType Classify(const Script& s, std::vector<Bytes>* out = nullptr)
{
    std::vector<Bytes> sol{{0xde, 0xad}};  // Solver must clear stale contents
    const TxoutType t = Solver(s, sol);
    if (out) *out = sol;
    return t;
}

} // namespace

TEST(Solver, PubKey)
{
    std::vector<Bytes> sol;
    EXPECT_EQ(Classify(Asm({PUB33, OP_CHECKSIG}), &sol), TxoutType::PUBKEY);
    EXPECT_EQ(sol, std::vector<Bytes>{PUB33});
    EXPECT_EQ(Classify(Asm({PUB65, OP_CHECKSIG}), &sol), TxoutType::PUBKEY);
    EXPECT_EQ(sol, std::vector<Bytes>{PUB65});
    // Header byte disagreeing with the length: not a key.
    Bytes bad = PUB33;
    bad[0] = 0x04;
    EXPECT_EQ(Classify(Asm({bad, OP_CHECKSIG}), &sol), TxoutType::NONSTANDARD);
    EXPECT_TRUE(sol.empty());
    // Only the size is checked, not the curve (as Core).
    Bytes off_curve = PUB33;
    off_curve[32] ^= 1;
    EXPECT_EQ(Classify(Asm({off_curve, OP_CHECKSIG})), TxoutType::PUBKEY);
}

TEST(Solver, PubKeyHashAndScriptHash)
{
    std::vector<Bytes> sol;
    const Bytes h(20, 0x11);
    EXPECT_EQ(Classify(Asm({OP_DUP, OP_HASH160, h, OP_EQUALVERIFY, OP_CHECKSIG}), &sol), TxoutType::PUBKEYHASH);
    EXPECT_EQ(sol, std::vector<Bytes>{h});
    EXPECT_EQ(Classify(Asm({OP_HASH160, h, OP_EQUAL}), &sol), TxoutType::SCRIPTHASH);
    EXPECT_EQ(sol, std::vector<Bytes>{h});
    // A 21-byte "hash" matches neither.
    EXPECT_EQ(Classify(Asm({OP_DUP, OP_HASH160, Bytes(21, 1), OP_EQUALVERIFY, OP_CHECKSIG})),
              TxoutType::NONSTANDARD);
}

TEST(Solver, Multisig)
{
    std::vector<Bytes> sol;
    const Script ms = GetScriptForMultisig(1, {PUB33, PUB65});
    EXPECT_EQ(ms, Asm({OP_1, PUB33, PUB65, OP_2, OP_CHECKMULTISIG}));
    EXPECT_EQ(Classify(ms, &sol), TxoutType::MULTISIG);
    EXPECT_EQ(sol, (std::vector<Bytes>{{1}, PUB33, PUB65, {2}}));

    // m > n, n disagreeing with the key count, m = 0, trailing opcode, invalid key size.
    EXPECT_EQ(Classify(Asm({OP_3, PUB33, PUB65, OP_2, OP_CHECKMULTISIG})), TxoutType::NONSTANDARD);
    EXPECT_EQ(Classify(Asm({OP_1, PUB33, PUB65, OP_3, OP_CHECKMULTISIG})), TxoutType::NONSTANDARD);
    EXPECT_EQ(Classify(Asm({OP_0, PUB33, OP_1, OP_CHECKMULTISIG})), TxoutType::NONSTANDARD);
    EXPECT_EQ(Classify(Asm({OP_1, PUB33, OP_1, OP_CHECKMULTISIG, OP_CHECKMULTISIG})), TxoutType::NONSTANDARD);
    EXPECT_EQ(Classify(Asm({OP_1, Bytes(33, 0x05), OP_1, OP_CHECKMULTISIG})), TxoutType::NONSTANDARD);

    // Counts above 16 are minimal pushes of a ScriptNum; 20 keys is the limit.
    std::vector<Bytes> keys(20, PUB33);
    EXPECT_EQ(Classify(GetScriptForMultisig(17, keys), &sol), TxoutType::MULTISIG);
    EXPECT_EQ(sol.front(), Bytes{17});
    EXPECT_EQ(sol.back(), Bytes{20});
    keys.push_back(PUB33);
    EXPECT_EQ(Classify(GetScriptForMultisig(1, keys)), TxoutType::NONSTANDARD);
    // A count pushed as data when OP_n exists is not minimal.
    EXPECT_EQ(Classify(Asm({Bytes{1}, PUB33, OP_1, OP_CHECKMULTISIG})), TxoutType::NONSTANDARD);
}

TEST(Solver, NullData)
{
    EXPECT_EQ(Classify(Asm({OP_RETURN})), TxoutType::NULL_DATA);
    EXPECT_EQ(Classify(Asm({OP_RETURN, Bytes(80, 0xaa)})), TxoutType::NULL_DATA);
    EXPECT_EQ(Classify(Asm({OP_RETURN, OP_0, OP_16, OP_1NEGATE, Bytes(300, 1)})), TxoutType::NULL_DATA);
    EXPECT_EQ(Classify(Asm({OP_RETURN, OP_RESERVED})), TxoutType::NULL_DATA);  // OP_RESERVED counts as push-only
    EXPECT_EQ(Classify(Asm({OP_RETURN, OP_NOP})), TxoutType::NONSTANDARD);
    EXPECT_EQ(Classify(Script(ParseHex("6a4c"))), TxoutType::NONSTANDARD);  // truncated push
    std::vector<Bytes> sol;
    Classify(Asm({OP_RETURN, Bytes{1, 2}}), &sol);
    EXPECT_TRUE(sol.empty());
}

TEST(Solver, WitnessPrograms)
{
    std::vector<Bytes> sol;
    EXPECT_EQ(Classify(Asm({OP_0, Bytes(20, 2)}), &sol), TxoutType::WITNESS_V0_KEYHASH);
    EXPECT_EQ(sol, std::vector<Bytes>{Bytes(20, 2)});
    EXPECT_EQ(Classify(Asm({OP_0, Bytes(32, 3)}), &sol), TxoutType::WITNESS_V0_SCRIPTHASH);
    EXPECT_EQ(sol, std::vector<Bytes>{Bytes(32, 3)});
    EXPECT_EQ(Classify(Asm({OP_1, Bytes(32, 4)}), &sol), TxoutType::WITNESS_V1_TAPROOT);
    EXPECT_EQ(sol, std::vector<Bytes>{Bytes(32, 4)});
    EXPECT_EQ(Classify(Script(ParseHex("51024e73")), &sol), TxoutType::ANCHOR);
    EXPECT_TRUE(sol.empty());
    // v0 with another size is unspendable, hence nonstandard.
    EXPECT_EQ(Classify(Asm({OP_0, Bytes(21, 2)}), &sol), TxoutType::NONSTANDARD);
    EXPECT_TRUE(sol.empty());
    // v1 programs that are neither taproot nor the anchor, and versions 2..16, are WITNESS_UNKNOWN.
    EXPECT_EQ(Classify(Asm({OP_1, Bytes(20, 5)}), &sol), TxoutType::WITNESS_UNKNOWN);
    EXPECT_EQ(sol, (std::vector<Bytes>{{1}, Bytes(20, 5)}));
    EXPECT_EQ(Classify(Script(ParseHex("51024e74")), &sol), TxoutType::WITNESS_UNKNOWN);
    EXPECT_EQ(Classify(Asm({OP_16, Bytes(2, 6)}), &sol), TxoutType::WITNESS_UNKNOWN);
    EXPECT_EQ(sol, (std::vector<Bytes>{{16}, Bytes(2, 6)}));
    EXPECT_EQ(Classify(Asm({OP_2, Bytes(40, 6)})), TxoutType::WITNESS_UNKNOWN);
    // Not witness programs: 41-byte program, 1-byte program, OP_1NEGATE version.
    EXPECT_EQ(Classify(Asm({OP_2, Bytes(41, 6)})), TxoutType::NONSTANDARD);
    EXPECT_EQ(Classify(Asm({OP_2, Bytes(1, 6)})), TxoutType::NONSTANDARD);
    EXPECT_EQ(Classify(Asm({OP_1NEGATE, Bytes(20, 6)})), TxoutType::NONSTANDARD);
}

TEST(Solver, Nonstandard)
{
    EXPECT_EQ(Classify(Script()), TxoutType::NONSTANDARD);
    EXPECT_EQ(Classify(Asm({OP_9, OP_ADD, OP_11, OP_EQUAL})), TxoutType::NONSTANDARD);
}

TEST(Solver, OutputTypeNames)
{
    const std::pair<TxoutType, const char*> names[] = {
        {TxoutType::NONSTANDARD, "nonstandard"},
        {TxoutType::PUBKEY, "pubkey"},
        {TxoutType::PUBKEYHASH, "pubkeyhash"},
        {TxoutType::SCRIPTHASH, "scripthash"},
        {TxoutType::MULTISIG, "multisig"},
        {TxoutType::NULL_DATA, "nulldata"},
        {TxoutType::ANCHOR, "anchor"},
        {TxoutType::WITNESS_V0_SCRIPTHASH, "witness_v0_scripthash"},
        {TxoutType::WITNESS_V0_KEYHASH, "witness_v0_keyhash"},
        {TxoutType::WITNESS_V1_TAPROOT, "witness_v1_taproot"},
        {TxoutType::WITNESS_UNKNOWN, "witness_unknown"},
    };
    for (const auto& [type, name] : names) EXPECT_EQ(GetTxnOutputType(type), name);
}

TEST(Solver, ExtractDestinationRoundTrips)
{
    const Script scripts[] = {
        Asm({OP_DUP, OP_HASH160, Bytes(20, 1), OP_EQUALVERIFY, OP_CHECKSIG}),
        Asm({OP_HASH160, Bytes(20, 2), OP_EQUAL}),
        Asm({OP_0, Bytes(20, 3)}),
        Asm({OP_0, Bytes(32, 4)}),
        Asm({OP_1, Bytes(32, 5)}),
        Script(ParseHex("51024e73")),
        Asm({OP_5, Bytes(7, 6)}),
    };
    for (const Script& s : scripts) {
        Destination dest;
        ASSERT_TRUE(ExtractDestination(s, dest)) << HexStr(s.bytes());
        EXPECT_TRUE(IsValidDestination(dest));
        EXPECT_EQ(GetScriptForDestination(dest), s);
    }
    // P2PK has a destination but no address; multisig and nulldata keep their script.
    Destination dest;
    EXPECT_FALSE(ExtractDestination(Asm({PUB33, OP_CHECKSIG}), dest));
    ASSERT_TRUE(std::holds_alternative<PubKeyDestination>(dest));
    EXPECT_EQ(GetScriptForDestination(dest), Asm({PUB33, OP_CHECKSIG}));
    EXPECT_FALSE(IsValidDestination(dest));
    const Script ms = GetScriptForMultisig(1, {PUB33});
    EXPECT_FALSE(ExtractDestination(ms, dest));
    ASSERT_TRUE(std::holds_alternative<NoDestination>(dest));
    EXPECT_EQ(std::get<NoDestination>(dest).script, ms);
    EXPECT_EQ(GetScriptForDestination(dest), ms);
}
