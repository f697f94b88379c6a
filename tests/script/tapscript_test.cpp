// Tapscript spends with real BIP340 signatures through VerifyScript: OP_CHECKSIG, OP_CHECKSIGADD, the BIP342
// validation weight budget and unknown public key types.
#include "crypto/key.h"
#include "primitives/transaction.h"
#include "script/interpreter.h"
#include "script/sighash.h"

#include <gtest/gtest.h>

namespace {

Key KeyFromByte(uint8_t b)
{
    std::array<uint8_t, 32> secret{};
    secret[31] = b;
    Key key;
    key.Set(secret, true);
    return key;
}

/** A one-leaf taproot output over internal key 1·G, its spend, and the leaf's signature hash. */
class TapscriptSpend
{
public:
    explicit TapscriptSpend(const Script& leaf) : m_leaf(leaf)
    {
        const XOnlyPubKey internal = KeyFromByte(1).GetXOnlyPubKey();
        m_leaf_hash = ComputeTapleafHash(TAPROOT_LEAF_TAPSCRIPT, leaf.bytes());
        auto tweaked = internal.CreateTapTweak(&m_leaf_hash);
        m_control.assign(TAPROOT_CONTROL_BASE_SIZE, 0);
        m_control[0] = TAPROOT_LEAF_TAPSCRIPT | (tweaked->second ? 1 : 0);
        std::copy(internal.begin(), internal.end(), m_control.begin() + 1);
        m_spk << OP_1;
        m_spk.PushData(std::span<const uint8_t>(tweaked->first.begin(), tweaked->first.end()));

        m_tx.version = 2;
        m_tx.vin.resize(1);
        m_tx.vin[0].prevout = OutPoint(uint256(), 0);
        m_tx.vin[0].prevout.hash.data()[0] = 1;
        m_tx.vout.emplace_back(AMOUNT - 1000, Script());
    }

    uint256 SigHash()
    {
        // Forced: the unsigned tx has no witness yet, which would otherwise skip the BIP341 precomputation.
        PrecomputedTransactionData txdata;
        txdata.Init(m_tx, {TxOut(AMOUNT, m_spk)}, /*force=*/true);
        ScriptExecutionData execdata;
        execdata.annex_init = true;
        execdata.annex_present = false;
        execdata.tapleaf_hash_init = true;
        execdata.tapleaf_hash = m_leaf_hash;
        execdata.codeseparator_pos_init = true;
        execdata.codeseparator_pos = 0xFFFFFFFF;
        uint256 hash;
        EXPECT_TRUE(SignatureHashSchnorr(hash, execdata, m_tx, 0, SIGHASH_DEFAULT, SigVersion::TAPSCRIPT, txdata,
                                         MissingDataBehavior::FAIL));
        return hash;
    }

    std::vector<uint8_t> Sign(const Key& key)
    {
        std::vector<uint8_t> sig(64);
        EXPECT_TRUE(key.SignSchnorr(SigHash(), sig, nullptr, uint256(), /*tweak=*/false));
        return sig;
    }

    /** Verifies with the given witness items below script and control block. */
    bool Verify(std::vector<std::vector<uint8_t>> items, ScriptError& err, uint32_t extra_flags = 0)
    {
        items.push_back(m_leaf.bytes());
        items.push_back(m_control);
        m_tx.vin[0].witness.stack = items;
        PrecomputedTransactionData txdata;
        txdata.Init(m_tx, {TxOut(AMOUNT, m_spk)});
        const uint32_t flags = SCRIPT_VERIFY_P2SH | SCRIPT_VERIFY_WITNESS | SCRIPT_VERIFY_TAPROOT | extra_flags;
        MutableTransactionSignatureChecker checker(&m_tx, 0, AMOUNT, txdata, MissingDataBehavior::FAIL);
        return VerifyScript(Script(), m_spk, &m_tx.vin[0].witness, flags, checker, &err);
    }

private:
    static constexpr Amount AMOUNT = 100000;
    Script m_leaf;
    uint256 m_leaf_hash;
    std::vector<uint8_t> m_control;
    Script m_spk;
    MutableTransaction m_tx;
};

std::vector<uint8_t> XOnly(const Key& key)
{
    const XOnlyPubKey x = key.GetXOnlyPubKey();
    return {x.begin(), x.end()};
}

}  // namespace

TEST(Tapscript, CheckSigWithRealSignature)
{
    const Key key = KeyFromByte(3);
    Script leaf;
    leaf.PushData(XOnly(key));
    leaf << OP_CHECKSIG;
    TapscriptSpend spend(leaf);
    const auto sig = spend.Sign(key);
    ScriptError err;
    EXPECT_TRUE(spend.Verify({sig}, err));
    EXPECT_EQ(err, SCRIPT_ERR_OK) << ScriptErrorName(err);

    auto bad = sig;
    bad[10] ^= 0x40;
    EXPECT_FALSE(spend.Verify({bad}, err));
    EXPECT_EQ(err, SCRIPT_ERR_SCHNORR_SIG) << ScriptErrorName(err);

    // An empty signature is a failed check, not an error (BIP342), so the script ends false.
    EXPECT_FALSE(spend.Verify({{}}, err));
    EXPECT_EQ(err, SCRIPT_ERR_EVAL_FALSE) << ScriptErrorName(err);

    // 65 bytes with SIGHASH_DEFAULT spelled out is invalid; with SIGHASH_ALL it hashes differently.
    auto explicit_default = sig;
    explicit_default.push_back(SIGHASH_DEFAULT);
    EXPECT_FALSE(spend.Verify({explicit_default}, err));
    EXPECT_EQ(err, SCRIPT_ERR_SCHNORR_SIG_HASHTYPE) << ScriptErrorName(err);
    auto all = sig;
    all.push_back(SIGHASH_ALL);
    EXPECT_FALSE(spend.Verify({all}, err));
    EXPECT_EQ(err, SCRIPT_ERR_SCHNORR_SIG) << ScriptErrorName(err);

    auto short_sig = sig;
    short_sig.pop_back();
    EXPECT_FALSE(spend.Verify({short_sig}, err));
    EXPECT_EQ(err, SCRIPT_ERR_SCHNORR_SIG_SIZE) << ScriptErrorName(err);
}

TEST(Tapscript, CheckSigAddCountsValidSignatures)
{
    const Key a = KeyFromByte(5), b = KeyFromByte(7);
    // <A> CHECKSIG <B> CHECKSIGADD 2 NUMEQUAL: a 2-of-2 in tapscript style.
    Script leaf;
    leaf.PushData(XOnly(a));
    leaf << OP_CHECKSIG;
    leaf.PushData(XOnly(b));
    leaf << OP_CHECKSIGADD << OP_2 << OP_NUMEQUAL;
    TapscriptSpend spend(leaf);
    const auto sig_a = spend.Sign(a), sig_b = spend.Sign(b);
    ScriptError err;
    EXPECT_TRUE(spend.Verify({sig_b, sig_a}, err));
    EXPECT_EQ(err, SCRIPT_ERR_OK) << ScriptErrorName(err);
    // One signature left empty: the count is 1 and the script fails.
    EXPECT_FALSE(spend.Verify({{}, sig_a}, err));
    EXPECT_EQ(err, SCRIPT_ERR_EVAL_FALSE) << ScriptErrorName(err);
    // A wrong non-empty signature fails the whole script at once.
    EXPECT_FALSE(spend.Verify({sig_a, sig_a}, err));
    EXPECT_EQ(err, SCRIPT_ERR_SCHNORR_SIG) << ScriptErrorName(err);
}

TEST(Tapscript, ValidationWeightBudget)
{
    // DUP <P> CHECKSIGVERIFY repeated, then <P> CHECKSIG: each check costs 50 weight but adds only 35 witness
    // bytes to the budget, so enough repetitions exhaust it (BIP342).
    const Key key = KeyFromByte(9);
    auto build = [&](int repeats) {
        Script leaf;
        for (int i = 0; i < repeats; ++i) {
            leaf << OP_DUP;
            leaf.PushData(XOnly(key));
            leaf << OP_CHECKSIGVERIFY;
        }
        leaf.PushData(XOnly(key));
        leaf << OP_CHECKSIG;
        return leaf;
    };
    ScriptError err;
    TapscriptSpend few(build(2));
    EXPECT_TRUE(few.Verify({few.Sign(key)}, err));
    EXPECT_EQ(err, SCRIPT_ERR_OK) << ScriptErrorName(err);
    TapscriptSpend many(build(10));
    EXPECT_FALSE(many.Verify({many.Sign(key)}, err));
    EXPECT_EQ(err, SCRIPT_ERR_TAPSCRIPT_VALIDATION_WEIGHT) << ScriptErrorName(err);
}

TEST(Tapscript, UnknownPublicKeyTypesAndCheckMultisig)
{
    // A 33-byte key is an unknown (upgradable) type: a non-empty signature counts as valid unless discouraged.
    Script leaf;
    leaf.PushData(std::vector<uint8_t>(33, 0x02));
    leaf << OP_CHECKSIG;
    TapscriptSpend spend(leaf);
    ScriptError err;
    EXPECT_TRUE(spend.Verify({{0x01}}, err));
    EXPECT_FALSE(spend.Verify({{0x01}}, err, SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_PUBKEYTYPE));
    EXPECT_EQ(err, SCRIPT_ERR_DISCOURAGE_UPGRADABLE_PUBKEYTYPE) << ScriptErrorName(err);

    Script multisig;
    multisig << OP_0 << OP_0 << OP_0 << OP_CHECKMULTISIG;
    TapscriptSpend ms(multisig);
    EXPECT_FALSE(ms.Verify({}, err));
    EXPECT_EQ(err, SCRIPT_ERR_TAPSCRIPT_CHECKMULTISIG) << ScriptErrorName(err);
}
