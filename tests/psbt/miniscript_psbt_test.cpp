// The PSBT signer and finalizer on miniscript: the reserve recovery policy "2 of 3 officials, or after N blocks
// 1 of 2 recovery keys" as wsh() and as tr() leaves. Signing, the chosen witness, and script verification with
// the spending transaction's nSequence (BIP112 / CSV).
#include "crypto/hash.h"
#include "descriptor/descriptor.h"
#include "policy/policy.h"
#include "psbt/psbt_roles.h"
#include "testutil/tx_builder.h"
#include "util/hex.h"

#include <gtest/gtest.h>

namespace {

constexpr int N = 10;  // relative lock of the recovery path, in blocks
constexpr Amount AMOUNT = 100000;

struct Keys {
    Key a = testutil::DeterministicKey(379, 1), b = testutil::DeterministicKey(379, 2),
        c = testutil::DeterministicKey(379, 3), r1 = testutil::DeterministicKey(379, 4),
        r2 = testutil::DeterministicKey(379, 5), internal = testutil::DeterministicKey(379, 6);
    static std::string Hex(const Key& k) { return HexStr(k.GetPubKey().bytes()); }
    static std::string XHex(const Key& k) { return HexStr(k.GetPubKey().bytes().subspan(1)); }
};

/** Spends `spk` (one input, sequence `seq`) with the keys given; returns the finalized tx, or nullopt when the
 *  PSBT could not be completed. `setup` fills the input's script data. */
std::optional<MutableTransaction> Spend(const Script& spk, uint32_t seq, const std::vector<Key>& keys,
                                        const std::function<void(PsbtInput&)>& setup)
{
    MutableTransaction tx;
    tx.version = 2;
    TxIn in;
    in.prevout = OutPoint(uint256(std::vector<uint8_t>(32, 0x42)), 0);
    in.sequence = seq;
    tx.vin.push_back(in);
    tx.vout.emplace_back(AMOUNT - 1000, spk);
    Psbt psbt(tx, 0);
    psbt.inputs[0].witness_utxo = TxOut(AMOUNT, spk);
    setup(psbt.inputs[0]);
    PsbtKeyStore store;
    for (const auto& k : keys) store.AddKey(k);
    if (!SignPsbtWithKeys(store, psbt, SIGHASH_DEFAULT, true)) return std::nullopt;
    MutableTransaction out;
    if (!FinalizeAndExtractPsbt(psbt, out)) return std::nullopt;
    return out;
}

bool Verifies(const MutableTransaction& tx, const Script& spk)
{
    PrecomputedTransactionData txdata;
    txdata.Init(tx, {TxOut(AMOUNT, spk)});
    MutableTransactionSignatureChecker checker(&tx, 0, AMOUNT, txdata, MissingDataBehavior::FAIL);
    return VerifyScript(tx.vin[0].script_sig, spk, &tx.vin[0].witness, STANDARD_SCRIPT_VERIFY_FLAGS, checker);
}

} // namespace

TEST(MiniscriptPsbt, WshRecoveryPolicy)
{
    Keys k;
    const std::string desc = "wsh(or_d(multi(2," + Keys::Hex(k.a) + "," + Keys::Hex(k.b) + "," + Keys::Hex(k.c) +
                             "),and_v(v:multi(1," + Keys::Hex(k.r1) + "," + Keys::Hex(k.r2) + "),older(" +
                             std::to_string(N) + "))))";
    std::string error;
    auto d = ParseDescriptor(desc, Chain::REGTEST, error);
    ASSERT_EQ(d.size(), 1u) << error;
    std::vector<Script> spks;
    FlatSigningProvider prov;
    ASSERT_TRUE(d[0]->Expand(0, spks, prov));
    const Script spk = spks[0];
    const Script ws = prov.scripts.begin()->second;
    auto setup = [&](PsbtInput& in) { in.witness_script = ws; };

    // Two officials: the multisig branch, witness <> <sigA> <sigB> <script>.
    auto officials = Spend(spk, TxIn::MAX_SEQUENCE_NONFINAL, {k.a, k.b}, setup);
    ASSERT_TRUE(officials);
    EXPECT_EQ(officials->vin[0].witness.stack.size(), 4u);
    EXPECT_TRUE(officials->vin[0].witness.stack[0].empty());
    EXPECT_TRUE(Verifies(*officials, spk));
    // Officials B and C too; a single official cannot sign.
    EXPECT_TRUE(Spend(spk, TxIn::MAX_SEQUENCE_NONFINAL, {k.b, k.c}, setup));
    EXPECT_FALSE(Spend(spk, TxIn::MAX_SEQUENCE_NONFINAL, {k.a}, setup));

    // A recovery key alone: not before the relative lock is in the transaction (nSequence < N)...
    EXPECT_FALSE(Spend(spk, N - 1, {k.r1}, setup));
    EXPECT_FALSE(Spend(spk, TxIn::MAX_SEQUENCE_NONFINAL, {k.r2}, setup));
    // ...and with nSequence = N: dissatisfied multisig (three empty elements) below the recovery signature.
    auto recovery = Spend(spk, N, {k.r2}, setup);
    ASSERT_TRUE(recovery);
    const auto& st = recovery->vin[0].witness.stack;
    ASSERT_EQ(st.size(), 6u);
    EXPECT_TRUE(st[0].empty());
    EXPECT_FALSE(st[1].empty());  // R2's signature (multi(1,R1,R2): <> <sig>)
    EXPECT_TRUE(st[2].empty() && st[3].empty() && st[4].empty());
    EXPECT_EQ(st[5], ws.bytes());
    EXPECT_TRUE(Verifies(*recovery, spk));
    // The same witness with the sequence lowered fails CSV (the script interpreter's BIP112 check).
    MutableTransaction early = *recovery;
    early.vin[0].sequence = N - 1;
    EXPECT_FALSE(Verifies(early, spk));
}

TEST(MiniscriptPsbt, TaprootRecoveryPolicy)
{
    Keys k;
    const std::string desc = "tr(" + Keys::Hex(k.internal) + ",{multi_a(2," + Keys::Hex(k.a) + "," + Keys::Hex(k.b) +
                             "," + Keys::Hex(k.c) + "),and_v(v:multi_a(1," + Keys::Hex(k.r1) + "," + Keys::Hex(k.r2) +
                             "),older(" + std::to_string(N) + "))})";
    std::string error;
    auto d = ParseDescriptor(desc, Chain::REGTEST, error);
    ASSERT_EQ(d.size(), 1u) << error;
    std::vector<Script> spks;
    FlatSigningProvider prov;
    ASSERT_TRUE(d[0]->Expand(0, spks, prov));
    const Script spk = spks[0];
    ASSERT_EQ(prov.tr_trees.size(), 1u);
    const TaprootTree& tree = prov.tr_trees.begin()->second;
    ASSERT_EQ(tree.leaves.size(), 2u);
    // Two leaves at depth 1: each control block carries the other leaf's hash.
    const uint256 h0 = ComputeTapleafHash(0xc0, tree.leaves[0].second.bytes());
    const uint256 h1 = ComputeTapleafHash(0xc0, tree.leaves[1].second.bytes());
    std::vector<uint8_t> branch;
    const bool first = std::lexicographical_compare(h0.begin(), h0.end(), h1.begin(), h1.end());
    branch.insert(branch.end(), (first ? h0 : h1).begin(), (first ? h0 : h1).end());
    branch.insert(branch.end(), (first ? h1 : h0).begin(), (first ? h1 : h0).end());
    const uint256 root = TaggedHash("TapBranch", branch);
    auto tweaked = tree.internal_key.CreateTapTweak(&root);
    ASSERT_TRUE(tweaked);
    auto setup = [&](PsbtInput& in) {
        in.tap_internal_key = tree.internal_key;
        in.tap_merkle_root = root;
        for (int i = 0; i < 2; ++i) {
            std::vector<uint8_t> cb{uint8_t(0xc0 | (tweaked->second ? 1 : 0))};
            cb.insert(cb.end(), tree.internal_key.begin(), tree.internal_key.end());
            const uint256& sibling = i == 0 ? h1 : h0;
            cb.insert(cb.end(), sibling.begin(), sibling.end());
            in.tap_scripts[{tree.leaves[i].second.bytes(), 0xc0}].insert(cb);
        }
    };

    auto officials = Spend(spk, TxIn::MAX_SEQUENCE_NONFINAL, {k.a, k.c}, setup);
    ASSERT_TRUE(officials);
    EXPECT_TRUE(Verifies(*officials, spk));
    EXPECT_FALSE(Spend(spk, N - 1, {k.r1}, setup));
    auto recovery = Spend(spk, N, {k.r1}, setup);
    ASSERT_TRUE(recovery);
    // <sigR2 slot empty> <sigR1> <leaf> <control>: multi_a puts the first key's signature on top.
    const auto& st = recovery->vin[0].witness.stack;
    ASSERT_EQ(st.size(), 4u);
    EXPECT_TRUE(st[0].empty());
    EXPECT_EQ(st[1].size(), 64u);
    EXPECT_EQ(st[2], tree.leaves[1].second.bytes());
    EXPECT_TRUE(Verifies(*recovery, spk));
    MutableTransaction early = *recovery;
    early.vin[0].sequence = N - 1;
    EXPECT_FALSE(Verifies(early, spk));
}

namespace {

/** Expands a non-ranged descriptor: its scriptPubKey and (wsh) witness script. */
std::pair<Script, Script> ExpandOne(const std::string& desc)
{
    std::string error;
    auto d = ParseDescriptor(desc, Chain::REGTEST, error);
    EXPECT_EQ(d.size(), 1u) << error;
    if (d.size() != 1) return {};
    std::vector<Script> spks;
    FlatSigningProvider prov;
    EXPECT_TRUE(d[0]->Expand(0, spks, prov));
    return {spks.at(0), prov.scripts.empty() ? Script() : prov.scripts.begin()->second};
}

} // namespace

TEST(MiniscriptPsbt, HashPreimageFromPsbt)
{
    Keys k;
    const std::vector<uint8_t> preimage(32, 0x5a);
    const uint256 h = Sha256Hash(preimage);
    const auto [spk, ws] = ExpandOne("wsh(and_v(v:pk(" + Keys::Hex(k.a) + "),sha256(" + HexStr(h) + ")))");
    // Without the preimage the signer cannot finish; with PSBT_IN_SHA256 it can, and the witness verifies.
    EXPECT_FALSE(Spend(spk, TxIn::MAX_SEQUENCE_NONFINAL, {k.a}, [&](PsbtInput& in) { in.witness_script = ws; }));
    auto tx = Spend(spk, TxIn::MAX_SEQUENCE_NONFINAL, {k.a}, [&](PsbtInput& in) {
        in.witness_script = ws;
        in.sha256_preimages[h] = preimage;
    });
    ASSERT_TRUE(tx);
    ASSERT_EQ(tx->vin[0].witness.stack.size(), 3u);  // <preimage> <sig> <script>
    EXPECT_EQ(tx->vin[0].witness.stack[0], preimage);
    EXPECT_TRUE(Verifies(*tx, spk));
    // A wrong preimage for the hash is not used: the witness would fail.
    EXPECT_FALSE(Spend(spk, TxIn::MAX_SEQUENCE_NONFINAL, {k.b}, [&](PsbtInput& in) {
        in.witness_script = ws;
        in.sha256_preimages[h] = preimage;
    }));
}

TEST(MiniscriptPsbt, AbsoluteTimelockAndChoiceOfPath)
{
    Keys k;
    // or_i: A after height 100, or B at any time. With both keys the signer picks the smaller witness.
    const auto [spk, ws] = ExpandOne("wsh(or_i(and_v(v:pk(" + Keys::Hex(k.a) + "),after(100)),pk(" +
                                     Keys::Hex(k.b) + ")))");
    auto setup = [&](PsbtInput& in) { in.witness_script = ws; };
    auto spend_at = [&](uint32_t locktime, const std::vector<Key>& keys) -> std::optional<MutableTransaction> {
        MutableTransaction tx;
        TxIn in;
        in.prevout = OutPoint(uint256(std::vector<uint8_t>(32, 0x43)), 1);
        in.sequence = TxIn::MAX_SEQUENCE_NONFINAL;
        tx.vin.push_back(in);
        tx.vout.emplace_back(AMOUNT - 1000, spk);
        tx.lock_time = locktime;
        Psbt psbt(tx, 0);
        psbt.inputs[0].witness_utxo = TxOut(AMOUNT, spk);
        setup(psbt.inputs[0]);
        PsbtKeyStore store;
        for (const auto& key : keys) store.AddKey(key);
        if (!SignPsbtWithKeys(store, psbt, SIGHASH_DEFAULT, true)) return std::nullopt;
        MutableTransaction out;
        if (!FinalizeAndExtractPsbt(psbt, out)) return std::nullopt;
        return out;
    };
    EXPECT_FALSE(spend_at(99, {k.a}));
    auto a = spend_at(100, {k.a});
    ASSERT_TRUE(a);
    EXPECT_EQ(a->vin[0].witness.stack.back().size(), ws.size());
    EXPECT_EQ(a->vin[0].witness.stack[a->vin[0].witness.stack.size() - 2], std::vector<uint8_t>{1});  // IF branch
    EXPECT_TRUE(Verifies(*a, spk));
    // A time-based nLockTime does not satisfy a height-based after().
    EXPECT_FALSE(spend_at(500000000, {k.a}));
    auto b = spend_at(0, {k.b});
    ASSERT_TRUE(b);
    EXPECT_TRUE(b->vin[0].witness.stack[b->vin[0].witness.stack.size() - 2].empty());  // ELSE branch
    EXPECT_TRUE(Verifies(*b, spk));
}

TEST(MiniscriptPsbt, TapscriptPkhLeafNeedsKnownKey)
{
    Keys k;
    // tr(K, pkh(A)): the leaf commits to HASH160 of A's x-only key; the signer finds the key through its own
    // key store and puts <sig> <key> on the stack.
    const std::string desc = "tr(" + Keys::Hex(k.internal) + ",pkh(" + Keys::Hex(k.a) + "))";
    std::string error;
    auto d = ParseDescriptor(desc, Chain::REGTEST, error);
    ASSERT_EQ(d.size(), 1u) << error;
    std::vector<Script> spks;
    FlatSigningProvider prov;
    ASSERT_TRUE(d[0]->Expand(0, spks, prov));
    const TaprootTree& tree = prov.tr_trees.begin()->second;
    const Script& leaf = tree.leaves.at(0).second;
    const uint256 h = ComputeTapleafHash(0xc0, leaf.bytes());
    auto tweaked = tree.internal_key.CreateTapTweak(&h);
    ASSERT_TRUE(tweaked);
    auto setup = [&](PsbtInput& in) {
        in.tap_internal_key = tree.internal_key;
        in.tap_merkle_root = h;
        std::vector<uint8_t> cb{uint8_t(0xc0 | (tweaked->second ? 1 : 0))};
        cb.insert(cb.end(), tree.internal_key.begin(), tree.internal_key.end());
        in.tap_scripts[{leaf.bytes(), 0xc0}].insert(cb);
    };
    auto tx = Spend(spks[0], TxIn::MAX_SEQUENCE_NONFINAL, {k.a}, setup);
    ASSERT_TRUE(tx);
    const auto& st = tx->vin[0].witness.stack;
    ASSERT_EQ(st.size(), 4u);  // <sig> <xonly key> <leaf> <control>
    const PubKey pa = k.a.GetPubKey();
    EXPECT_EQ(st[1], std::vector<uint8_t>(pa.begin() + 1, pa.end()));
    EXPECT_TRUE(Verifies(*tx, spks[0]));
    EXPECT_FALSE(Spend(spks[0], TxIn::MAX_SEQUENCE_NONFINAL, {k.b}, setup));
}
