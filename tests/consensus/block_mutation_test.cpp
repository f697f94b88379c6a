// Every single-byte mutation of mainnet block 413567 must make the block fail, with the reason Core's
// CheckBlock order gives: "high-hash" for any header byte; for a byte of the transaction data either the
// bytes no longer decode as a block, or (still decodable) "bad-txnmrklroot", because the merkle check comes
// right after proof of work and a changed transaction has a changed txid.
//
// The mutation at each position is byte ^= 0xff (every bit flipped, so the byte always changes).
//
// Speed: ~1M positions. The block decoder reads sequentially, so a mutation inside transaction i leaves the
// header and transactions 0..i-1 decoding exactly as before; only the bytes from i's start are read
// differently:
//  - if re-reading transaction i consumes exactly its old length, the rest reads as before too: the mutated
//  block is
//    the original with transaction i replaced. We decode only that transaction, swap it into a working copy
//    of the block, and CheckBlock gets the merkle root recomputed along i's path by MerkleTree (production
//    merkle code);
//  - otherwise the remaining transactions are decoded from there as the block decoder would, and if the whole
//  block
//    decodes, CheckBlock runs in full on it.
// A sample of positions also goes through DecodeBlock + the full CheckBlock, and must give the same verdict.
#include "consensus/block_check.h"
#include "consensus/merkle.h"
#include "testutil/vectors.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>

namespace {
const uint256 POW_LIMIT =
    *uint256::FromHex("00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
constexpr uint8_t MUTATION = 0xff;

/** The verdict for one mutated byte string: the decoding error, or CheckBlock's reason ("ok" if it passed).
 */
struct Verdict {
    bool decoded{false};
    std::string text;
    bool operator==(const Verdict&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Verdict& v) {
    return os << (v.decoded ? "check: " : "decode: ") << v.text;
}

Verdict CheckVerdict(const Block& block) {
    BlockValidationState state;
    if (CheckBlock(block, state, POW_LIMIT)) return {true, "ok"};
    return {true, state.GetRejectReason()};
}

/** Reference route: decode all bytes, run the full CheckBlock. */
Verdict FullVerdict(std::span<const uint8_t> bytes) {
    auto block = DecodeBlock(bytes);
    if (!block) return {false, block.error};
    return CheckVerdict(*block);
}

std::vector<uint256> Txids(const Block& block) {
    std::vector<uint256> ids;
    for (const auto& tx : block.vtx) ids.push_back(tx->GetHash());
    return ids;
}

double CpuSeconds() {
    return double(std::clock()) / CLOCKS_PER_SEC;
}
}  // namespace

TEST(BlockMutation, EverySingleByteMutationOfBlock413567Fails) {
    const auto wall_start = std::chrono::steady_clock::now();
    const double cpu_start = CpuSeconds();
    std::vector<uint8_t> raw = ReadVectorBytes("bitcoin-core/block413567.raw");
    auto decoded = DecodeBlock(raw);
    ASSERT_TRUE(decoded) << decoded.error;
    const Block original = std::move(*decoded);
    ASSERT_EQ(original.GetHash().GetHex(),
              "0000000000000000025aff8be8a55df8f89c77296db6198f272d6577325d4069");
    ASSERT_EQ(CheckVerdict(original), (Verdict{true, "ok"}));
    const std::vector<uint256> txids = Txids(original);
    const size_t tx_count = txids.size();
    const MerkleTree tree(txids);
    ASSERT_EQ(tree.Root(), original.header.merkle_root);

    // Where each transaction starts and ends in the raw bytes.
    std::vector<size_t> tx_begin, tx_end;
    size_t count_end = 0;
    {
        SpanReader r(raw);
        (void)UnserializeHeader(r);
        ASSERT_EQ(ReadCompactSize(r), tx_count);
        count_end = r.pos();
        for (size_t i = 0; i < tx_count; ++i) {
            tx_begin.push_back(r.pos());
            MutableTransaction mtx;
            UnserializeTransaction(r, mtx, true);
            tx_end.push_back(r.pos());
            ASSERT_EQ(mtx.GetHash(), txids[i]);
        }
        ASSERT_TRUE(r.empty());
    }

    std::map<std::string, size_t> histogram;
    size_t positions = 0, one_tx_route = 0, tail_route = 0, cross_checked = 0;
    auto record = [&](const Verdict& v) {
        ++positions;
        std::ostringstream key;
        key << v;
        ++histogram[key.str()];
    };

    // 1. Header bytes: the header always decodes (fixed size), its hash changes, the proof of work fails.
    for (size_t pos = 0; pos < BlockHeader::SERIALIZED_SIZE; ++pos) {
        raw[pos] ^= MUTATION;
        Block block;
        block.header = *DecodeBlockHeader(std::span<const uint8_t>(raw.data(), BlockHeader::SERIALIZED_SIZE));
        block.vtx = original.vtx;
        ASSERT_NE(block.GetHash(), original.GetHash());
        const Verdict v = CheckVerdict(block);
        ASSERT_EQ(v, (Verdict{true, "high-hash"})) << "header byte " << pos;
        if (pos % 8 == 0) {
            ASSERT_EQ(FullVerdict(raw), v) << "header byte " << pos;
            ++cross_checked;
        }
        record(v);
        raw[pos] ^= MUTATION;
    }

    // 2. The transaction count: the reference route.
    for (size_t pos = BlockHeader::SERIALIZED_SIZE; pos < count_end; ++pos) {
        raw[pos] ^= MUTATION;
        const Verdict v = FullVerdict(raw);
        ++cross_checked;
        ASSERT_NE(v.text, "ok") << "count byte " << pos;
        if (v.decoded) {
            ASSERT_EQ(v.text, "bad-txnmrklroot") << "count byte " << pos;
        }
        record(v);
        raw[pos] ^= MUTATION;
    }

    // 3. Transaction bytes.
    Block work = original;  // the mutated block: original transactions with one replaced
    work.checked = false;
    for (size_t i = 0; i < tx_count; ++i) {
        const std::span<const uint8_t> from_tx = std::span<const uint8_t>(raw).subspan(tx_begin[i]);
        for (size_t pos = tx_begin[i]; pos < tx_end[i]; ++pos) {
            raw[pos] ^= MUTATION;
            Verdict v;
            bool txids_changed = true;  // whether the mutated block's txids differ from the original's
            SpanReader r(from_tx);
            MutableTransaction mtx;
            bool tx_read = true;
            try {
                UnserializeTransaction(r, mtx, true);
            } catch (const DeserializeError& e) {
                tx_read = false;
                v = {false, e.what()};
            }
            if (tx_read && r.pos() == tx_end[i] - tx_begin[i]) {
                ++one_tx_route;
                TransactionRef tx = MakeTransactionRef(std::move(mtx));
                txids_changed = tx->GetHash() != txids[i];
                ComputedMerkleRoot merkle;
                merkle.root = tree.RootWithLeaf(i, tx->GetHash(), &merkle.mutated);
                std::swap(work.vtx[i], tx);
                BlockValidationState state;
                v.decoded = true;
                v.text = CheckBlock(work, state, POW_LIMIT, true, merkle) ? "ok" : state.GetRejectReason();
                std::swap(work.vtx[i], tx);
            } else if (tx_read) {
                // Read transactions i+1.. from where i ended, as UnserializeBlock would, then no trailing
                // bytes.
                ++tail_route;
                std::vector<MutableTransaction> tail;
                tail.push_back(std::move(mtx));
                try {
                    while (tail.size() < tx_count - i) {
                        tail.emplace_back();
                        UnserializeTransaction(r, tail.back(), true);
                    }
                    if (!r.empty()) v = {false, "trailing data"};
                } catch (const DeserializeError& e) {
                    v = {false, e.what()};
                }
                if (v.text.empty()) {
                    Block block;
                    block.header = original.header;
                    block.vtx.assign(original.vtx.begin(), original.vtx.begin() + long(i));
                    for (auto& t : tail) block.vtx.push_back(MakeTransactionRef(std::move(t)));
                    v = CheckVerdict(block);
                    txids_changed = Txids(block) != txids;
                    ASSERT_EQ(FullVerdict(raw), v)
                        << "tx " << i << " byte " << pos;  // rare: always cross-check
                    ++cross_checked;
                }
            }
            // The reason derived from Core's order: proof of work holds (header untouched); then the merkle
            // root differs unless the txid list is unchanged, which only a witness-only change could do.
            if (v.decoded) {
                ASSERT_TRUE(txids_changed) << "tx " << i << " byte " << pos;
                ASSERT_EQ(v.text, "bad-txnmrklroot") << "tx " << i << " byte " << pos;
            }
            if (pos % 4099 == 0 || (!tx_read && pos % 16 == 0) ||
                (tail_route % 16 == 1 && !v.decoded && tx_read)) {
                ASSERT_EQ(FullVerdict(raw), v) << "tx " << i << " byte " << pos;
                ++cross_checked;
            }
            record(v);
            raw[pos] ^= MUTATION;
        }
    }
    EXPECT_EQ(raw, ReadVectorBytes("bitcoin-core/block413567.raw"));
    EXPECT_EQ(positions, raw.size());

    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    std::printf(
        "block413567 mutations (byte ^= 0xff): %zu positions in %.1f s (%.1f s CPU); %zu via one-transaction "
        "decode, %zu via decoding the rest of the block, %zu cross-checked by DecodeBlock + full "
        "CheckBlock\n",
        positions, wall, CpuSeconds() - cpu_start, one_tx_route, tail_route, cross_checked);
    for (const auto& [reason, n] : histogram) std::printf("  %-45s %zu\n", reason.c_str(), n);
    std::fflush(stdout);
}
