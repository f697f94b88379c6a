// Every single-byte mutation of mainnet block 413567 must make the block fail, with the reason Core's
// CheckBlock order gives: "high-hash" for any header byte; for a byte of the transaction data either the
// bytes no longer decode as a block, or (still decodable) "bad-txnmrklroot", because the merkle check comes
// right after proof of work and a changed transaction has a changed txid.
//
// The mutation at each position is byte ^= 0xff (every bit flipped, so the byte always changes).
//
// Speed: ~1M positions. The block decoder reads sequentially, so a mutation inside transaction i leaves the
// header and transactions 0..i-1 decoding exactly as before; only the bytes from i's start read differently.
// - If re-reading transaction i consumes exactly its old length, the rest reads as before too: the mutated
//   block is the original with transaction i replaced. We decode only that transaction, swap it into a
//   working copy of the block, and CheckBlock gets the merkle root recomputed along i's path by MerkleTree
//   (production merkle code).
// - Otherwise the remaining transactions are decoded from there as the block decoder would, and if the whole
//   block decodes, CheckBlock runs in full on it (and is compared with the reference route below).
// A sample of positions also goes through DecodeBlock + the full CheckBlock, and must give the same verdict.
#include "consensus/block_check.h"
#include "consensus/merkle.h"
#include "testutil/vectors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <sstream>
#include <thread>

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

// The exhaustive run (~1M block checks) belongs to the optimised build of scripts/test.sh; under AddressSanitizer
// it would take a quarter of an hour of the sanitizer job, which runs the smaller decoding tests instead.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SOV_UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SOV_UNDER_ASAN 1
#endif

TEST(BlockMutation, EverySingleByteMutationOfBlock413567Fails) {
#ifdef SOV_UNDER_ASAN
    GTEST_SKIP() << "exhaustive mutation run only in the optimised build (scripts/test.sh)";
#endif
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

    // 3. Transaction bytes, on two threads (each with its own copy of the bytes and of the working block).
    // The cost of a transaction grows with the square of its size, so the largest go first to the less loaded
    // thread.
    struct Worker {
        std::vector<size_t> txs;
        uint64_t cost{0};
        std::map<std::string, size_t> histogram;
        size_t positions{0}, one_tx_route{0}, tail_route{0}, cross_checked{0};
        std::string failure;  // first failed expectation (gtest assertions stay on the main thread)
    };
    constexpr size_t THREADS = 2;
    std::vector<Worker> workers(THREADS);
    {
        std::vector<size_t> order(tx_count);
        for (size_t i = 0; i < tx_count; ++i) order[i] = i;
        auto cost = [&](size_t i) {
            const uint64_t size = tx_end[i] - tx_begin[i];
            return size * size + size * 20000;  // re-reading and hashing, plus a fixed cost per position
        };
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return cost(a) > cost(b); });
        for (size_t i : order) {
            auto least = std::min_element(workers.begin(), workers.end(),
                                          [](const Worker& a, const Worker& b) { return a.cost < b.cost; });
            least->txs.push_back(i);
            least->cost += cost(i);
        }
    }
    auto run = [&](Worker& w) {
        std::vector<uint8_t> bytes = raw;
        Block work = original;  // the mutated block: original transactions with one replaced
        work.checked = false;
        auto fail = [&](size_t i, size_t pos, const std::string& what) {
            std::ostringstream msg;
            msg << "tx " << i << " byte " << pos << ": " << what;
            w.failure = msg.str();
        };
        for (size_t i : w.txs) {
            const std::span<const uint8_t> from_tx = std::span<const uint8_t>(bytes).subspan(tx_begin[i]);
            for (size_t pos = tx_begin[i]; pos < tx_end[i]; ++pos) {
                bytes[pos] ^= MUTATION;
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
                    ++w.one_tx_route;
                    TransactionRef tx = MakeTransactionRef(std::move(mtx));
                    txids_changed = tx->GetHash() != txids[i];
                    ComputedMerkleRoot merkle;
                    merkle.root = tree.RootWithLeaf(i, tx->GetHash(), &merkle.mutated);
                    std::swap(work.vtx[i], tx);
                    BlockValidationState state;
                    v.decoded = true;
                    v.text =
                        CheckBlock(work, state, POW_LIMIT, true, merkle) ? "ok" : state.GetRejectReason();
                    std::swap(work.vtx[i], tx);
                } else if (tx_read) {
                    // Read transactions i+1.. from where i ended, as UnserializeBlock would; then no trailing
                    // bytes.
                    ++w.tail_route;
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
                        ++w.cross_checked;  // rare: always compare with the reference route
                        if (!(FullVerdict(bytes) == v)) return fail(i, pos, "routes disagree");
                    }
                }
                // The reason derived from Core's order: proof of work holds (header untouched); then the
                // merkle root differs unless the txid list is unchanged, which only a witness-only change
                // could do.
                if (v.decoded && !txids_changed) return fail(i, pos, "decodes with the same txids");
                if (v.decoded && v.text != "bad-txnmrklroot") return fail(i, pos, "reason " + v.text);
                // Sample for the reference route: every 4099th position, every 64th transaction decoding
                // error, and every 32nd error in the rest of the block.
                const bool tail_error = tx_read && !v.decoded;
                if (pos % 4099 == 0 || (!tx_read && pos % 64 == 0) ||
                    (tail_error && w.tail_route % 32 == 1)) {
                    ++w.cross_checked;
                    if (!(FullVerdict(bytes) == v)) return fail(i, pos, "routes disagree");
                }
                ++w.positions;
                std::ostringstream key;
                key << v;
                ++w.histogram[key.str()];
                bytes[pos] ^= MUTATION;
            }
        }
        if (bytes != raw) w.failure = "bytes not restored";
    };
    {
        std::vector<std::thread> threads;
        for (size_t t = 1; t < THREADS; ++t) threads.emplace_back(run, std::ref(workers[t]));
        run(workers[0]);
        for (auto& t : threads) t.join();
    }
    for (const Worker& w : workers) {
        EXPECT_EQ(w.failure, "");
        positions += w.positions;
        one_tx_route += w.one_tx_route;
        tail_route += w.tail_route;
        cross_checked += w.cross_checked;
        for (const auto& [reason, n] : w.histogram) histogram[reason] += n;
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
