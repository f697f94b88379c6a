// Stratum work units: difficulty/target conversion, prevhash encoding, merkle branches, and that a job cut from a
// template hashes to the same header as our test client builds and assembles into a block with the same root.
#include "pool/stratum_job.h"
#include "pool/stratum_message.h"

#include "consensus/merkle.h"
#include "stratum_client.h"
#include "util/hex.h"

#include <gtest/gtest.h>

using namespace pool;

namespace {
Block Template(int extra_txs)
{
    Block b;
    b.header.version = 0x20000000;
    b.header.prev_block = uint256(std::vector<uint8_t>(32, 0x11));
    b.header.time = 1700000000;
    b.header.bits = 0x207fffff;
    MutableTransaction cb;
    cb.vin.resize(1);
    cb.vin[0].script_sig.PushInt(500);
    cb.vin[0].witness.stack.assign(1, std::vector<uint8_t>(32, 0));
    cb.vout.emplace_back(50 * COIN, Script(std::vector<uint8_t>{0x51}));
    b.vtx.push_back(MakeTransactionRef(cb));
    for (int i = 0; i < extra_txs; ++i) {
        MutableTransaction tx;
        tx.vin.resize(1);
        tx.vin[0].prevout = OutPoint(uint256(std::vector<uint8_t>(32, uint8_t(i + 1))), 0);
        tx.vout.emplace_back(1000 + i, Script(std::vector<uint8_t>{0x51}));
        b.vtx.push_back(MakeTransactionRef(tx));
    }
    return b;
}
}  // namespace

TEST(StratumJobTest, DifficultyAndTarget)
{
    const arith_uint256 one = DifficultyOneTarget();
    EXPECT_EQ(one.GetCompact(), 0x1d00ffffu);
    EXPECT_EQ(TargetFromDifficulty(1), one);
    EXPECT_EQ(TargetFromDifficulty(2), one >> 1);
    EXPECT_EQ(TargetFromDifficulty(0.5), one << 1);
    EXPECT_EQ(TargetFromDifficulty(1.0 / 65536), one << 16);
    // Far below 1 the target saturates at 2^256 - 1 (every hash is a share).
    EXPECT_EQ(TargetFromDifficulty(1e-12), ~arith_uint256());
    EXPECT_EQ(TargetFromDifficulty(0), ~arith_uint256());
    EXPECT_DOUBLE_EQ(DifficultyFromTarget(one), 1);
    EXPECT_NEAR(DifficultyFromTarget(TargetFromDifficulty(1234.5)), 1234.5, 1e-9);
}

TEST(StratumJobTest, PrevHashAndHex32)
{
    std::vector<uint8_t> bytes(32);
    for (int i = 0; i < 32; ++i) bytes[i] = uint8_t(i);
    // Each 4-byte word of the header bytes reversed.
    EXPECT_EQ(StratumPrevHash(uint256(bytes)).substr(0, 16), "0302010007060504");
    EXPECT_EQ(ParseHex32("1fffe000"), 0x1fffe000u);
    EXPECT_FALSE(ParseHex32("1fffe00"));
    EXPECT_FALSE(ParseHex32("1fffe00g"));
    EXPECT_EQ(Hex32(0x2000), "00002000");
}

TEST(StratumJobTest, MerkleBranchMatchesMerkleRoot)
{
    for (int n = 1; n <= 9; ++n) {
        std::vector<uint256> leaves;
        for (int i = 0; i < n; ++i) leaves.push_back(uint256(std::vector<uint8_t>(32, uint8_t(7 * i + 3))));
        EXPECT_EQ(RootFromBranch(leaves[0], CoinbaseMerkleBranch(leaves)), ComputeMerkleRoot(leaves)) << n;
    }
}

TEST(StratumJobTest, JobShareAndBlockAgreeWithTheClient)
{
    for (int extra : {0, 1, 4}) {
        const Block tmpl = Template(extra);
        std::string error;
        auto job = MakeJob("a1", tmpl, 500, "/tag/", &error);
        ASSERT_TRUE(job) << error;
        // coinb1 || 12 zero bytes || coinb2 is the job's coinbase without witness.
        std::vector<uint8_t> joined = job->coinb1;
        joined.insert(joined.end(), 12, 0);
        joined.insert(joined.end(), job->coinb2.begin(), job->coinb2.end());
        EXPECT_EQ(joined, EncodeTransaction(*job->block.vtx[0], false));

        Submission sub;
        sub.extranonce1 = {0xde, 0xad, 0xbe, 0xef};
        sub.extranonce2 = {1, 2, 3, 4, 5, 6, 7, 8};
        sub.ntime = tmpl.header.time + 5;
        sub.nonce = 0x12345678;
        sub.version_bits = 0x00006000;
        sub.has_version_bits = true;
        const ShareResult r = CheckShare(*job, sub, TargetFromDifficulty(1e-12));
        EXPECT_TRUE(r.meets_share);
        EXPECT_EQ(r.header.version, 0x20006000);

        // The client, from the notify fields only, builds the same 80 bytes.
        stratum_test::Job cj;
        cj.id = job->id;
        cj.prevhash = StratumPrevHash(tmpl.header.prev_block);
        cj.coinb1 = HexStr(job->coinb1);
        cj.coinb2 = HexStr(job->coinb2);
        for (const uint256& b : job->branch) cj.branch.push_back(HexStr(b));
        cj.version = 0x20000000;
        cj.nbits = tmpl.header.bits;
        cj.ntime = tmpl.header.time;
        stratum_test::Share cs;
        cs.extranonce2 = "0102030405060708";
        cs.ntime = sub.ntime;
        cs.nonce = sub.nonce;
        cs.version_bits = sub.version_bits;
        EXPECT_EQ(stratum_test::BuildHeader(cj, "deadbeef", cs), EncodeBlockHeader(r.header));

        // The assembled block has the extranonces in its coinbase and a matching merkle root and witness.
        const Block block = AssembleBlock(*job, sub, r.header);
        EXPECT_EQ(BlockMerkleRoot(block), r.header.merkle_root);
        EXPECT_EQ(block.GetHash(), r.hash);
        const std::string sig = HexStr(block.vtx[0]->vin[0].script_sig.bytes());
        EXPECT_NE(sig.find("2f7461672f0cdeadbeef0102030405060708"), std::string::npos) << sig;
        EXPECT_EQ(block.vtx[0]->vin[0].witness.stack.size(), 1u);
        EXPECT_EQ(block.vtx.size(), tmpl.vtx.size());
    }
}

TEST(StratumJobTest, TagTooLongIsAnError)
{
    std::string error;
    EXPECT_FALSE(MakeJob("1", Template(0), 500, std::string(90, 'x'), &error));
    EXPECT_NE(error.find("100 bytes"), std::string::npos);
}

TEST(StratumMessageTest, RequestsSubmitParamsAndMasks)
{
    JsonValue id;
    EXPECT_FALSE(ParseStratumRequest("not json", &id));
    EXPECT_TRUE(id.IsNull());
    EXPECT_FALSE(ParseStratumRequest(R"({"id":7,"method":3})", &id));
    EXPECT_EQ(id.GetValStr(), "7");  // the id still comes back for the error reply
    EXPECT_FALSE(ParseStratumRequest(std::string(MAX_STRATUM_LINE + 1, ' ')));
    auto req = ParseStratumRequest(R"({"id":1,"method":"mining.submit","params":["a.b","1f","0000000000000001","6553f100","0000002a","00002000"]})");
    ASSERT_TRUE(req);
    EXPECT_EQ(req->method, "mining.submit");
    SubmitParams p;
    ASSERT_EQ(ParseSubmitParams(req->params, EXTRANONCE2_SIZE, p), SubmitParse::OK);
    EXPECT_EQ(p.worker, "a.b");
    EXPECT_EQ(p.job_id, "1f");
    EXPECT_EQ(p.extranonce2, std::vector<uint8_t>({0, 0, 0, 0, 0, 0, 0, 1}));
    EXPECT_EQ(p.ntime, 0x6553f100u);
    EXPECT_EQ(p.nonce, 42u);
    EXPECT_TRUE(p.has_version_bits);
    EXPECT_EQ(p.version_bits, 0x2000u);
    auto params = [](const std::string& text) { return *JsonValue::Parse(text); };
    EXPECT_EQ(ParseSubmitParams(params(R"(["a","1","00","6553f100","00000000"])"), 8, p), SubmitParse::BAD_EXTRANONCE2);
    EXPECT_EQ(ParseSubmitParams(params(R"(["a","1","zz00000000000000","6553f100","00000000"])"), 8, p),
              SubmitParse::BAD_EXTRANONCE2);
    EXPECT_EQ(ParseSubmitParams(params(R"(["a","1","0000000000000000","6553f1","00000000"])"), 8, p),
              SubmitParse::MALFORMED);
    EXPECT_EQ(ParseSubmitParams(params(R"(["a","1","0000000000000000","6553f100",5])"), 8, p), SubmitParse::MALFORMED);
    EXPECT_EQ(ParseSubmitParams(params(R"(["a","1","0000000000000000"])"), 8, p), SubmitParse::MALFORMED);
    EXPECT_EQ(ParseVersionMask(JsonValue("1fffe000")), 0x1fffe000u);
    EXPECT_EQ(ParseVersionMask(JsonValue("e000")), 0xe000u);
    EXPECT_FALSE(ParseVersionMask(JsonValue("1fffe0000")));
    EXPECT_FALSE(ParseVersionMask(JsonValue("xyz")));
    EXPECT_EQ(ParseSuggestedDifficulty(params("[1e-12]")), 1e-12);
    EXPECT_FALSE(ParseSuggestedDifficulty(params("[0]")));
    EXPECT_FALSE(ParseSuggestedDifficulty(params(R"(["1"])")));
    EXPECT_FALSE(ParseSuggestedDifficulty(params("[]")));
}
