// CheckBlock and friends on real blocks (mainnet 413567, BIP158 testnet blocks, Core's alternate mainnet
// chain) and on crafted blocks that trigger each of Core's reject reasons, in Core's order.
#include "consensus/block_check.h"
#include "consensus/consensus.h"
#include "consensus/merkle.h"
#include "testutil/vectors.h"

#include <gtest/gtest.h>

namespace {
const uint256 POW_LIMIT =
    *uint256::FromHex("00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff");

Block LoadBlock413567() {
    auto block = DecodeBlock(ReadVectorBytes("bitcoin-core/block413567.raw"));
    EXPECT_TRUE(block) << block.error;
    return block ? std::move(*block) : Block();
}

std::string Reason(const Block& block, bool check_pow = true, bool check_merkle = true) {
    BlockValidationState state;
    if (CheckBlock(block, state, POW_LIMIT, check_pow, check_merkle)) return "ok";
    EXPECT_TRUE(state.IsInvalid());
    return state.GetRejectReason();
}

MutableTransaction Coinbase(uint8_t tag) {
    MutableTransaction tx;
    tx.vin.resize(1);
    tx.vin[0].script_sig = Script(std::vector<uint8_t>{0x01, tag});
    tx.vout.emplace_back(50 * COIN, Script(std::vector<uint8_t>{OP_TRUE}));
    return tx;
}

MutableTransaction Spend(uint8_t tag) {
    MutableTransaction tx;
    tx.vin.resize(1);
    tx.vin[0].prevout = OutPoint(uint256(), tag);
    tx.vout.emplace_back(COIN, Script(std::vector<uint8_t>{OP_TRUE}));
    return tx;
}

/** A block of the given transactions with a correct merkle root; proof of work is not solved (use
 * check_pow=false). */
Block MakeBlock(std::vector<MutableTransaction> txs) {
    Block block;
    block.header.bits = 0x207fffff;
    for (auto& tx : txs) block.vtx.push_back(MakeTransactionRef(std::move(tx)));
    block.header.merkle_root = BlockMerkleRoot(block);
    return block;
}
}  // namespace

TEST(CheckBlock, MainnetBlock413567Passes) {
    Block block = LoadBlock413567();
    ASSERT_EQ(block.vtx.size(), 1557u);
    EXPECT_EQ(block.GetHash().GetHex(), "0000000000000000025aff8be8a55df8f89c77296db6198f272d6577325d4069");
    bool mutated = true;
    EXPECT_EQ(BlockMerkleRoot(block, &mutated), block.header.merkle_root);
    EXPECT_FALSE(mutated);
    EXPECT_TRUE(CheckProofOfWork(block.GetHash(), block.header.bits, POW_LIMIT));
    BlockValidationState state;
    EXPECT_TRUE(CheckBlock(block, state, POW_LIMIT)) << state.ToString();
    EXPECT_EQ(state.ToString(), "Valid");
    EXPECT_TRUE(block.checked);
    // Pre-segwit block: no commitment and no witness, valid whether or not segwit is expected.
    EXPECT_EQ(GetWitnessCommitmentIndex(block), NO_WITNESS_COMMITMENT);
    EXPECT_TRUE(CheckWitnessMalleation(block, true, state));
    EXPECT_TRUE(CheckWitnessMalleation(block, false, state));
    EXPECT_EQ(GetBlockWeight(block), int64_t(999887) * 4);
}

TEST(CheckBlock, CheckedFlagSkipsLaterChecks) {
    Block block = LoadBlock413567();
    ASSERT_EQ(Reason(block), "ok");
    block.header.nonce ^= 1;  // would now fail, but the block was already checked (Core's fChecked)
    EXPECT_EQ(Reason(block), "ok");
    block.checked = false;
    EXPECT_EQ(Reason(block), "high-hash");
    // Checks without proof of work or merkle root do not set the flag.
    Block again = LoadBlock413567();
    EXPECT_EQ(Reason(again, false, true), "ok");
    EXPECT_FALSE(again.checked);
    EXPECT_EQ(Reason(again, true, false), "ok");
    EXPECT_FALSE(again.checked);
}

TEST(CheckBlock, Bip158TestnetBlocksPassIncludingWitnessCommitments) {
    // testnet3 has the same proof-of-work limit as mainnet.
    const auto rows = ReadVectorJson("bitcoin-core/blockfilters.json");
    size_t passed = 0, total = 0, with_commitment = 0;
    for (const auto& row : rows) {
        if (row.size() == 1) continue;  // comment
        ++total;
        auto block = DecodeBlock(ParseHex(row[2].get<std::string>()));
        ASSERT_TRUE(block) << block.error;
        EXPECT_EQ(block->GetHash().GetHex(), row[1].get<std::string>());
        BlockValidationState state;
        const bool ok = CheckBlock(*block, state, POW_LIMIT) && CheckWitnessMalleation(*block, true, state);
        EXPECT_TRUE(ok) << row[0] << " " << state.ToString();
        if (GetWitnessCommitmentIndex(*block) != NO_WITNESS_COMMITMENT) ++with_commitment;
        passed += ok;
    }
    EXPECT_EQ(with_commitment, 2u);
    ReportVectorCount("blockfilters.json (CheckBlock + witness commitment)", passed, total);
}

TEST(CheckBlock, AlternateMainnetChainHeadersHaveValidProofOfWork) {
    // Core's mining_mainnet.py chain: 2016 one-coinbase blocks on top of the mainnet genesis block.
    const auto data = ReadVectorJson("bitcoin-core/mainnet_alt.json");
    const auto& times = data["timestamps"];
    const auto& nonces = data["nonces"];
    ASSERT_EQ(times.size(), 2016u);
    uint256 prev = *uint256::FromHex("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f");
    arith_uint256 work = GetBlockProof(0x1d00ffff);  // genesis
    size_t passed = 0;
    for (size_t i = 0; i < times.size(); ++i) {
        const int height = int(i + 1);
        MutableTransaction cb;
        cb.version = 2;
        cb.vin.resize(1);
        // BIP34 height push; heights up to 16 use OP_n and an OP_0 pad (bad-cb-length needs 2 bytes).
        if (height <= 16) {
            cb.vin[0].script_sig = Script(std::vector<uint8_t>{uint8_t(Script::EncodeOP_N(height)), OP_0});
        } else {
            Script s;
            s.PushData(ScriptNum::Serialize(height));
            cb.vin[0].script_sig = s;
        }
        const auto spk = ParseHex("76a914eadbac7f36c37e39361168b7aaee3cb24a25312d88ac");
        cb.vout.emplace_back(50 * COIN, Script(spk));
        Block block;
        block.header.version = 0x20000000;
        block.header.prev_block = prev;
        block.header.time = times[i].get<uint32_t>();
        block.header.bits = height < 2016 ? 0x1d00ffff : 0x1c3fffc0;
        block.header.nonce = nonces[i].get<uint32_t>();
        block.vtx.push_back(MakeTransactionRef(cb));
        block.header.merkle_root = BlockMerkleRoot(block);
        const std::string reason = Reason(block);
        EXPECT_EQ(reason, "ok") << height;
        passed += reason == "ok";
        // Any other nonce fails the proof of work (with overwhelming probability; checked, not assumed).
        Block wrong = block;
        wrong.checked = false;
        wrong.header.nonce ^= 0x80000000;
        if (UintToArith256(wrong.GetHash()) > *DeriveTarget(wrong.header.bits, POW_LIMIT)) {
            EXPECT_EQ(Reason(wrong), "high-hash");
        }
        prev = block.GetHash();
        work += GetBlockProof(block.header.bits);
    }
    ReportVectorCount("mainnet_alt.json", passed, times.size());
    // 2016 blocks of difficulty 1 (genesis included) and one of difficulty 4.
    EXPECT_EQ(work, GetBlockProof(0x1d00ffff) * 2016 + GetBlockProof(0x1c3fffc0));
}

TEST(ProofOfWork, RejectsInvalidTargets) {
    const uint256 zero;
    EXPECT_TRUE(CheckProofOfWork(zero, 0x1d00ffff, POW_LIMIT));
    EXPECT_FALSE(CheckProofOfWork(zero, 0x1d80ffff, POW_LIMIT));  // negative
    EXPECT_FALSE(CheckProofOfWork(zero, 0x1d000000, POW_LIMIT));  // zero
    EXPECT_FALSE(CheckProofOfWork(zero, 0xff00ffff, POW_LIMIT));  // overflow
    EXPECT_FALSE(CheckProofOfWork(zero, 0x1d01ffff, POW_LIMIT));  // above the limit
    EXPECT_FALSE(CheckProofOfWork(zero, 0x1e00ffff, POW_LIMIT));  // above the limit
    // The hash may equal the target but not exceed it.
    const arith_uint256 target = *DeriveTarget(0x1d00ffff, POW_LIMIT);
    EXPECT_TRUE(CheckProofOfWork(ArithToUint256(target), 0x1d00ffff, POW_LIMIT));
    EXPECT_FALSE(CheckProofOfWork(ArithToUint256(target + 1), 0x1d00ffff, POW_LIMIT));
}

TEST(ProofOfWork, BlockProofIsExpectedHashCount) {
    EXPECT_EQ(GetBlockProof(0x1d00ffff),
              arith_uint256(0x100010001ULL));                // difficulty 1: 2^256 / (2^224 * 0xffff + 1)
    EXPECT_EQ(GetBlockProof(0x207fffff), arith_uint256(2));  // regtest
    EXPECT_EQ(GetBlockProof(0x1d80ffff), arith_uint256(0));  // negative
    EXPECT_EQ(GetBlockProof(0x00000000), arith_uint256(0));
    EXPECT_EQ(GetBlockProof(0xff00ffff), arith_uint256(0));                       // overflow
    EXPECT_EQ(GetBlockProof(0x1c3fffc0), arith_uint256(0x100010001ULL) * 4 + 0);  // difficulty 4
}

TEST(CheckBlock, HeaderIsCheckedFirst) {
    Block block = LoadBlock413567();
    block.header.nonce ^= 1;
    block.vtx.clear();  // would fail every later check too
    EXPECT_EQ(Reason(block), "high-hash");
    BlockValidationState state;
    CheckBlock(block, state, POW_LIMIT);
    EXPECT_EQ(state.GetResult(), BlockValidationResult::BLOCK_INVALID_HEADER);
    EXPECT_EQ(state.GetDebugMessage(), "proof of work failed");
}

TEST(CheckBlock, MerkleRootMismatch) {
    Block block = LoadBlock413567();
    std::swap(block.vtx[1], block.vtx[2]);
    BlockValidationState state;
    EXPECT_FALSE(CheckBlock(block, state, POW_LIMIT));
    EXPECT_EQ(state.ToString(), "bad-txnmrklroot, hashMerkleRoot mismatch");
    EXPECT_EQ(state.GetResult(), BlockValidationResult::BLOCK_MUTATED);
    // Without the merkle check the reordered block is fine context-free.
    block.checked = false;
    EXPECT_EQ(Reason(block, true, false), "ok");
}

TEST(CheckBlock, DuplicatedTailIsMutatedWithSameRoot) {
    // CVE-2012-2459 on a real block: 1557 txids is odd, so repeating the last transaction keeps the root.
    Block block = LoadBlock413567();
    block.vtx.push_back(block.vtx.back());
    bool mutated = false;
    EXPECT_EQ(BlockMerkleRoot(block, &mutated), block.header.merkle_root);
    EXPECT_TRUE(mutated);
    BlockValidationState state;
    EXPECT_FALSE(CheckBlock(block, state, POW_LIMIT));
    EXPECT_EQ(state.ToString(), "bad-txns-duplicate, duplicate transaction");
    EXPECT_EQ(state.GetResult(), BlockValidationResult::BLOCK_MUTATED);
    // With 1554 = 2 * 777 transactions the first level is even and the second odd: repeating the last two
    // transactions keeps the root.
    Block even = LoadBlock413567();
    even.vtx.resize(1554);
    even.header.merkle_root = BlockMerkleRoot(even);
    const uint256 root = even.header.merkle_root;
    even.vtx.push_back(even.vtx[even.vtx.size() - 2]);
    even.vtx.push_back(even.vtx[even.vtx.size() - 2]);
    EXPECT_EQ(BlockMerkleRoot(even, &mutated), root);
    EXPECT_TRUE(mutated);
    EXPECT_EQ(Reason(even, false, true), "bad-txns-duplicate");
}

TEST(CheckBlock, SizeLimits) {
    Block empty;
    EXPECT_EQ(Reason(empty, false, false), "bad-blk-length");
    EXPECT_EQ(Reason(empty, false, true),
              "bad-blk-length");  // the root of no transactions is zero, as the header's
    // Stripped size above 1 MB: a coinbase with a large output script.
    auto cb = Coinbase(1);
    cb.vout[0].script_pubkey = Script(std::vector<uint8_t>(MAX_BLOCK_WEIGHT / WITNESS_SCALE_FACTOR, OP_NOP));
    EXPECT_EQ(Reason(MakeBlock({cb}), false), "bad-blk-length");
    BlockValidationState state;
    CheckBlock(MakeBlock({cb}), state, POW_LIMIT, false);
    EXPECT_EQ(state.GetDebugMessage(), "size limits failed");
    // Witness bytes do not count here.
    cb = Coinbase(1);
    cb.vin[0].witness.stack.push_back(std::vector<uint8_t>(2'000'000, 1));
    EXPECT_EQ(Reason(MakeBlock({cb}), false), "ok");
}

TEST(CheckBlock, CoinbasePosition) {
    EXPECT_EQ(Reason(MakeBlock({Coinbase(1), Spend(1)}), false), "ok");
    EXPECT_EQ(Reason(MakeBlock({Spend(1), Spend(2)}), false), "bad-cb-missing");
    EXPECT_EQ(Reason(MakeBlock({Coinbase(1), Spend(1), Coinbase(2)}), false), "bad-cb-multiple");
    BlockValidationState state;
    CheckBlock(MakeBlock({Coinbase(1), Coinbase(2)}), state, POW_LIMIT, false);
    EXPECT_EQ(state.ToString(), "bad-cb-multiple, more than one coinbase");
}

TEST(CheckBlock, TransactionFailureKeepsItsReasonWithTxidInDebugMessage) {
    auto bad = Spend(1);
    bad.vout[0].value = -1;
    const Block block = MakeBlock({Coinbase(1), Spend(2), bad});
    BlockValidationState state;
    EXPECT_FALSE(CheckBlock(block, state, POW_LIMIT, false));
    EXPECT_EQ(state.GetRejectReason(), "bad-txns-vout-negative");
    EXPECT_EQ(state.GetResult(), BlockValidationResult::BLOCK_CONSENSUS);
    // Core formats "(tx hash %s) %s" with the (empty) transaction debug message: note the trailing space.
    EXPECT_EQ(state.GetDebugMessage(),
              "Transaction check failed (tx hash " + block.vtx[2]->GetHash().GetHex() + ") ");
    auto dup = Spend(3);
    dup.vin.push_back(dup.vin[0]);
    EXPECT_EQ(Reason(MakeBlock({Coinbase(1), dup}), false), "bad-txns-inputs-duplicate");
    auto cb = Coinbase(1);
    cb.vin[0].script_sig = Script(std::vector<uint8_t>{1});
    EXPECT_EQ(Reason(MakeBlock({cb}), false), "bad-cb-length");
}

TEST(CheckBlock, LegacySigopLimit) {
    // 80000 / 4 = 20000 legacy sigops allowed; a bare CHECKMULTISIG counts 20.
    auto cb = Coinbase(1);
    cb.vout[0].script_pubkey = Script(std::vector<uint8_t>(1000, OP_CHECKMULTISIG));
    auto spend = Spend(1);
    spend.vout[0].script_pubkey = Script(std::vector<uint8_t>(1, OP_CHECKSIG));
    EXPECT_EQ(Reason(MakeBlock({cb}), false), "ok");  // exactly 20000
    BlockValidationState state;
    EXPECT_FALSE(CheckBlock(MakeBlock({cb, spend}), state, POW_LIMIT, false));
    EXPECT_EQ(state.ToString(), "bad-blk-sigops, out-of-bounds SigOpCount");
}

TEST(CheckBlock, PrecomputedMerkleRootFollowsTheSameChecks) {
    Block block = LoadBlock413567();
    const MerkleTree tree([&] {
        std::vector<uint256> leaves;
        for (const auto& tx : block.vtx) leaves.push_back(tx->GetHash());
        return leaves;
    }());
    BlockValidationState state;
    EXPECT_TRUE(CheckBlock(block, state, POW_LIMIT, true, ComputedMerkleRoot{tree.Root(), tree.Mutated()}));
    block.checked = false;
    EXPECT_FALSE(CheckBlock(block, state, POW_LIMIT, true, ComputedMerkleRoot{tree.Root(), true}));
    EXPECT_EQ(state.GetRejectReason(), "bad-txns-duplicate");
    EXPECT_FALSE(CheckBlock(block, state, POW_LIMIT, true, ComputedMerkleRoot{uint256(), false}));
    EXPECT_EQ(state.GetRejectReason(), "bad-txnmrklroot");
}

TEST(WitnessCommitment, SegwitTestnetBlock) {
    // Testnet3 block 1263442 from the BIP158 vectors holds witness data and a commitment.
    const auto rows = ReadVectorJson("bitcoin-core/blockfilters.json");
    std::optional<Block> found;
    for (const auto& row : rows) {
        if (row.size() > 1 && row[0] == 1263442) found = *DecodeBlock(ParseHex(row[2].get<std::string>()));
    }
    ASSERT_TRUE(found);
    const Block& block = *found;
    const int index = GetWitnessCommitmentIndex(block);
    ASSERT_NE(index, NO_WITNESS_COMMITMENT);
    const auto& nonce = block.vtx[0]->vin[0].witness.stack.at(0);
    EXPECT_EQ(WitnessCommitmentScript(ComputeWitnessCommitment(block, nonce)).bytes(),
              std::vector<uint8_t>(block.vtx[0]->vout[size_t(index)].script_pubkey.begin(),
                                   block.vtx[0]->vout[size_t(index)].script_pubkey.begin() + 38));
    BlockValidationState state;
    EXPECT_TRUE(CheckWitnessMalleation(block, true, state)) << state.ToString();
    // Before segwit, witness data is not allowed at all.
    EXPECT_FALSE(CheckWitnessMalleation(block, false, state));
    EXPECT_EQ(state.ToString(), "unexpected-witness, CheckWitnessMalleation : unexpected witness data found");

    // The reserved value must be exactly one 32-byte item.
    auto with_coinbase_witness = [&](std::vector<std::vector<uint8_t>> stack) {
        Block b = block;
        MutableTransaction cb(*b.vtx[0]);
        cb.vin[0].witness.stack = std::move(stack);
        b.vtx[0] = MakeTransactionRef(cb);
        return b;
    };
    EXPECT_FALSE(CheckWitnessMalleation(with_coinbase_witness({}), true, state));
    EXPECT_EQ(state.GetRejectReason(), "bad-witness-nonce-size");
    EXPECT_FALSE(CheckWitnessMalleation(with_coinbase_witness({nonce, nonce}), true, state));
    EXPECT_EQ(state.GetRejectReason(), "bad-witness-nonce-size");
    EXPECT_FALSE(CheckWitnessMalleation(with_coinbase_witness({std::vector<uint8_t>(31)}), true, state));
    EXPECT_EQ(state.ToString(),
              "bad-witness-nonce-size, CheckWitnessMalleation : invalid witness reserved value size");
    auto other_nonce = nonce;
    other_nonce[0] ^= 1;
    EXPECT_FALSE(CheckWitnessMalleation(with_coinbase_witness({other_nonce}), true, state));
    EXPECT_EQ(state.GetRejectReason(), "bad-witness-merkle-match");

    // Changing a witness keeps the txids (CheckBlock still passes) but breaks the commitment.
    size_t with_witness = 0;
    for (size_t i = 1; i < block.vtx.size(); ++i) {
        if (block.vtx[i]->HasWitness()) with_witness = i;
    }
    ASSERT_NE(with_witness, 0u);
    Block b = block;
    MutableTransaction tx(*b.vtx[with_witness]);
    tx.vin[0].witness.stack.push_back({1});
    b.vtx[with_witness] = MakeTransactionRef(tx);
    EXPECT_EQ(Reason(b), "ok");
    EXPECT_FALSE(CheckWitnessMalleation(b, true, state));
    EXPECT_EQ(state.ToString(),
              "bad-witness-merkle-match, CheckWitnessMalleation : witness merkle commitment mismatch");
    EXPECT_EQ(state.GetResult(), BlockValidationResult::BLOCK_MUTATED);
}

TEST(WitnessCommitment, LastMatchingOutputWinsAndShortScriptsAreIgnored) {
    auto cb = Coinbase(1);
    const Script commit = WitnessCommitmentScript(uint256());
    Script short_script(std::vector<uint8_t>(commit.begin(), commit.begin() + 37));
    cb.vout.emplace_back(0, commit);
    cb.vout.emplace_back(0, commit);
    cb.vout.emplace_back(0, short_script);
    EXPECT_EQ(GetWitnessCommitmentIndex(MakeBlock({cb})), 2);
    EXPECT_EQ(GetWitnessCommitmentIndex(Block()), NO_WITNESS_COMMITMENT);
    // A commitment without a coinbase witness, segwit active: bad nonce size. Without commitment and witness:
    // fine.
    BlockValidationState state;
    EXPECT_FALSE(CheckWitnessMalleation(MakeBlock({cb}), true, state));
    EXPECT_EQ(state.GetRejectReason(), "bad-witness-nonce-size");
    EXPECT_TRUE(CheckWitnessMalleation(MakeBlock({Coinbase(1), Spend(1)}), true, state));
}
