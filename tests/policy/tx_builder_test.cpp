// Checks the test transaction builder (tests/testutil/tx_builder.h) against our own interpreter under the standard
// policy flags, before the end-to-end tests rely on it: every output kind, alone and all together, and tampering.
#include "policy/policy.h"
#include "testutil/tx_builder.h"

#include <gtest/gtest.h>

using namespace testutil;

namespace {

constexpr int64_t LOCK_HEIGHT = 250;
constexpr int64_t CSV_BLOCKS = 3;

std::vector<Key> KeysFor(uint64_t index)
{
    return {DeterministicKey(7, index * 3), DeterministicKey(7, index * 3 + 1), DeterministicKey(7, index * 3 + 2)};
}

SpendableCoin FundedCoin(OutputKind kind, uint64_t index, Amount value = 100'000)
{
    SpendableCoin coin;
    coin.info = MakeSpendInfo(kind, KeysFor(index), LOCK_HEIGHT, CSV_BLOCKS);
    coin.out = TxOut(value, coin.info.script_pubkey);
    uint8_t h[32] = {};
    h[0] = static_cast<uint8_t>(index + 1);
    coin.outpoint = OutPoint(uint256(std::span<const uint8_t>(h, 32)), static_cast<uint32_t>(index));
    return coin;
}

MutableTransaction SpendAll(const std::vector<SpendableCoin>& coins)
{
    MutableTransaction tx;
    tx.version = 1;  // ApplyTimelocks raises it where BIP68 needs it
    Amount total = 0;
    for (const auto& c : coins) {
        TxIn in;
        in.prevout = c.outpoint;
        tx.vin.push_back(in);
        total += c.out.value;
    }
    const SpendInfo dest = MakeSpendInfo(OutputKind::P2WPKH, {DeterministicKey(8, 1)});
    tx.vout.emplace_back(total - 1000, dest.script_pubkey);
    const std::vector<uint8_t> data{'s', 'o', 'v'};
    tx.vout.emplace_back(0, OpReturnScript(data));
    ApplyTimelocks(tx, coins);
    return tx;
}

}  // namespace

TEST(TxBuilder, EveryKindSignsAndVerifiesUnderStandardFlags)
{
    uint64_t index = 0;
    for (const OutputKind kind : ALL_OUTPUT_KINDS) {
        SCOPED_TRACE(OutputKindName(kind));
        const std::vector<SpendableCoin> coins{FundedCoin(kind, index++)};
        ASSERT_FALSE(coins[0].info.script_pubkey.empty());
        MutableTransaction tx = SpendAll(coins);
        ASSERT_TRUE(SignTransaction(tx, coins));
        std::string err;
        EXPECT_TRUE(VerifyTransaction(tx, coins, STANDARD_SCRIPT_VERIFY_FLAGS, &err)) << err;
        EXPECT_TRUE(VerifyTransaction(tx, coins, MANDATORY_SCRIPT_VERIFY_FLAGS, &err)) << err;
        // The output script is of the expected standard shape.
        const Script& spk = coins[0].info.script_pubkey;
        switch (kind) {
        case OutputKind::P2PKH: EXPECT_EQ(spk.size(), 25u); break;
        case OutputKind::P2SH_MULTISIG:
        case OutputKind::P2SH_P2WPKH:
        case OutputKind::CLTV: EXPECT_TRUE(spk.IsPayToScriptHash()); break;
        case OutputKind::P2WPKH: EXPECT_EQ(spk.size(), 22u); break;
        case OutputKind::P2WSH_MULTISIG:
        case OutputKind::CSV: EXPECT_TRUE(spk.IsPayToWitnessScriptHash()); break;
        case OutputKind::P2TR_KEY:
        case OutputKind::P2TR_SCRIPT: EXPECT_TRUE(spk.IsPayToTaproot()); break;
        }
        // Any change to the signed transaction breaks the signature.
        MutableTransaction changed = tx;
        changed.vout[0].value -= 1;
        EXPECT_FALSE(VerifyTransaction(changed, coins, STANDARD_SCRIPT_VERIFY_FLAGS));
    }
}

TEST(TxBuilder, AllKindsInOneTransaction)
{
    std::vector<SpendableCoin> coins;
    uint64_t index = 100;
    for (const OutputKind kind : ALL_OUTPUT_KINDS) {
        coins.push_back(FundedCoin(kind, index, 50'000 + static_cast<Amount>(index)));
        ++index;
    }
    MutableTransaction tx = SpendAll(coins);
    EXPECT_EQ(tx.version, 2);
    EXPECT_EQ(tx.lock_time, static_cast<uint32_t>(LOCK_HEIGHT));
    ASSERT_TRUE(SignTransaction(tx, coins));
    std::string err;
    EXPECT_TRUE(VerifyTransaction(tx, coins, STANDARD_SCRIPT_VERIFY_FLAGS, &err)) << err;
    // Signing twice gives the same transaction (deterministic ECDSA and zero BIP340 aux randomness).
    MutableTransaction again = SpendAll(coins);
    ASSERT_TRUE(SignTransaction(again, coins));
    EXPECT_EQ(EncodeHexTx(tx), EncodeHexTx(again));
    EXPECT_GT(VirtualSize(tx), 0);
}

TEST(TxBuilder, TimelocksAreEnforced)
{
    {
        const std::vector<SpendableCoin> coins{FundedCoin(OutputKind::CLTV, 1)};
        MutableTransaction tx = SpendAll(coins);
        tx.lock_time = LOCK_HEIGHT - 1;  // BIP65: below the script's height
        ASSERT_TRUE(SignTransaction(tx, coins));
        std::string err;
        EXPECT_FALSE(VerifyTransaction(tx, coins, STANDARD_SCRIPT_VERIFY_FLAGS, &err));
        EXPECT_NE(err.find("Locktime requirement not satisfied"), std::string::npos) << err;
        tx.lock_time = LOCK_HEIGHT;
        tx.vin[0].sequence = TxIn::SEQUENCE_FINAL;  // a final input disables nLockTime: CLTV fails
        ASSERT_TRUE(SignTransaction(tx, coins));
        EXPECT_FALSE(VerifyTransaction(tx, coins, STANDARD_SCRIPT_VERIFY_FLAGS));
    }
    {
        const std::vector<SpendableCoin> coins{FundedCoin(OutputKind::CSV, 2)};
        MutableTransaction tx = SpendAll(coins);
        tx.vin[0].sequence = CSV_BLOCKS - 1;  // BIP112: fewer blocks than the script asks for
        ASSERT_TRUE(SignTransaction(tx, coins));
        std::string err;
        EXPECT_FALSE(VerifyTransaction(tx, coins, STANDARD_SCRIPT_VERIFY_FLAGS, &err));
        EXPECT_NE(err.find("Locktime requirement not satisfied"), std::string::npos) << err;
        tx.vin[0].sequence = CSV_BLOCKS;
        tx.version = 1;  // BIP68 applies to version 2 only
        ASSERT_TRUE(SignTransaction(tx, coins));
        EXPECT_FALSE(VerifyTransaction(tx, coins, STANDARD_SCRIPT_VERIFY_FLAGS));
    }
}

TEST(TxBuilder, TaprootControlBlockIsChecked)
{
    const std::vector<SpendableCoin> coins{FundedCoin(OutputKind::P2TR_SCRIPT, 3)};
    ASSERT_EQ(coins[0].info.control.size(), TAPROOT_CONTROL_BASE_SIZE + TAPROOT_CONTROL_NODE_SIZE);
    MutableTransaction tx = SpendAll(coins);
    ASSERT_TRUE(SignTransaction(tx, coins));
    ASSERT_TRUE(VerifyTransaction(tx, coins, STANDARD_SCRIPT_VERIFY_FLAGS));
    // The control block commits to the output key's parity and the merkle path: flipping either fails.
    for (const size_t pos : {size_t{0}, TAPROOT_CONTROL_BASE_SIZE + 5}) {
        MutableTransaction bad = tx;
        bad.vin[0].witness.stack[2][pos] ^= 1;
        std::string err;
        EXPECT_FALSE(VerifyTransaction(bad, coins, STANDARD_SCRIPT_VERIFY_FLAGS, &err));
        EXPECT_NE(err.find("Witness program hash mismatch"), std::string::npos) << err;
    }
    // The merkle root recomputed from the control block is the one the output key was tweaked with.
    const uint256 leaf = ComputeTapleafHash(TAPROOT_LEAF_TAPSCRIPT, coins[0].info.leaf_script.bytes());
    EXPECT_EQ(ComputeTaprootMerkleRoot(coins[0].info.control, leaf), *coins[0].info.merkle_root);
}

TEST(TxBuilder, MultisigNeedsTheRightSignatures)
{
    for (const OutputKind kind : {OutputKind::P2SH_MULTISIG, OutputKind::P2WSH_MULTISIG}) {
        SCOPED_TRACE(OutputKindName(kind));
        std::vector<SpendableCoin> coins{FundedCoin(kind, 4)};
        // Signatures in the wrong order do not satisfy CHECKMULTISIG.
        std::swap(coins[0].info.keys[0], coins[0].info.keys[1]);
        MutableTransaction tx = SpendAll(coins);
        ASSERT_TRUE(SignTransaction(tx, coins));
        EXPECT_FALSE(VerifyTransaction(tx, coins, STANDARD_SCRIPT_VERIFY_FLAGS));
    }
}
