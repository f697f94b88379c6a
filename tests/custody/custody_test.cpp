// Custody: a 2-of-3 reserve policy enforced on spend proposals (limits, allow-list, freeze, delay, veto, expiry,
// quorum policy changes), and the hash-chained audit log that records it (tamper detection, on-chain anchors).
#include "custody/policy.h"
#include "json/json_value.h"
#include "sqlite/sqlite.h"

#include <gtest/gtest.h>

#include <unistd.h>

namespace fs = std::filesystem;

namespace {
constexpr int64_t T = 1'800'000'000;
const std::string DEST = "bcrt1qdestination";

CustodyPolicy TwoOfThree()
{
    CustodyPolicy p;
    p.signers = {{"minister", "tpubA"}, {"governor", "tpubB"}, {"auditor", "tpubC"}};
    p.threshold = 2;
    p.change_quorum = 2;
    p.max_per_spend = 10 * COIN;
    p.max_per_period = 15 * COIN;
    p.period_seconds = 86400;
    p.large_spend = 5 * COIN;
    p.large_spend_delay = 3600;
    p.allowlist = {DEST, "bcrt1qsecond"};
    return p;
}

class CustodyTest : public ::testing::Test
{
protected:
    fs::path dir = fs::temp_directory_path() / ("sov_custody_" + std::to_string(::getpid()));
    std::unique_ptr<CustodyEngine> engine;
    void SetUp() override
    {
        fs::remove_all(dir);
        fs::create_directories(dir);
        std::string error;
        engine = CustodyEngine::Open(dir / "custody.sqlite", &error);
        ASSERT_TRUE(engine) << error;
        ASSERT_TRUE(engine->InitPolicy(TwoOfThree(), "setup", T, &error)) << error;
    }
    void TearDown() override
    {
        engine.reset();
        fs::remove_all(dir);
    }
    int64_t Propose(Amount amount, const std::string& to = DEST, int64_t now = T)
    {
        std::string error;
        auto id = engine->Propose("treasurer", "pay contractor", {{to, amount}}, "cHNidP8B", now, &error);
        EXPECT_TRUE(id) << error;
        return id.value_or(0);
    }
    std::string Refusal(Amount amount, const std::string& to = DEST, int64_t now = T)
    {
        std::string error;
        EXPECT_FALSE(engine->Propose("treasurer", "x", {{to, amount}}, "", now, &error));
        return error;
    }
};
}  // namespace

TEST_F(CustodyTest, TwoOfThreeSpendGoesThroughOnlyWhenThePolicyIsMet)
{
    std::string error;
    const int64_t id = Propose(2 * COIN);
    EXPECT_NE(engine->BroadcastBlocker(id, T).find("0 of the 2 approvals"), std::string::npos);
    ASSERT_TRUE(engine->Approve(id, "minister", T + 1, &error)) << error;
    EXPECT_FALSE(engine->Approve(id, "minister", T + 2, &error));
    EXPECT_NE(error.find("already approved"), std::string::npos);
    EXPECT_FALSE(engine->Approve(id, "mallory", T + 2, &error));
    EXPECT_NE(error.find("not a signer"), std::string::npos);
    EXPECT_NE(engine->BroadcastBlocker(id, T + 2).find("1 of the 2"), std::string::npos);
    ASSERT_TRUE(engine->Approve(id, "auditor", T + 3, &error)) << error;
    EXPECT_EQ(engine->Proposal(id, T + 3)->state, ProposalState::APPROVED);
    EXPECT_NE(engine->BroadcastBlocker(id, T + 3).find("not fully signed"), std::string::npos);
    ASSERT_TRUE(engine->UpdatePsbt(id, "cHNidP8Bsigned", true, "auditor", T + 4, &error)) << error;
    EXPECT_EQ(engine->BroadcastBlocker(id, T + 4), "");
    ASSERT_TRUE(engine->MarkBroadcast(id, std::string(64, 'a'), "treasurer", T + 5, &error)) << error;
    EXPECT_EQ(engine->Proposal(id, T + 5)->state, ProposalState::BROADCAST);
    EXPECT_FALSE(engine->MarkBroadcast(id, std::string(64, 'a'), "treasurer", T + 6, &error));
}

TEST_F(CustodyTest, RefusalsSayWhy)
{
    EXPECT_NE(Refusal(11 * COIN).find("above the policy limit of 10.00000000 BTC per spend"), std::string::npos);
    EXPECT_NE(Refusal(COIN, "bcrt1qstranger").find("not on the policy's allow-list"), std::string::npos);
    Propose(9 * COIN);
    EXPECT_NE(Refusal(7 * COIN).find("per 86400 seconds"), std::string::npos);  // 9 + 7 > 15 in one day
    Propose(6 * COIN);                                                            // 9 + 6 = 15 fits
    EXPECT_NE(Refusal(1, DEST, T + 100).find("per 86400"), std::string::npos);
    std::string error;
    EXPECT_FALSE(engine->Propose("t", "x", {}, "", T, &error));
    EXPECT_FALSE(engine->Propose("t", "x", {{DEST, -1}}, "", T, &error));
}

TEST_F(CustodyTest, LargeSpendsWaitVetoesAndExpiryStopThem)
{
    std::string error;
    const int64_t big = Propose(6 * COIN);
    engine->Approve(big, "minister", T, &error);
    engine->Approve(big, "governor", T, &error);
    engine->UpdatePsbt(big, "p", true, "governor", T, &error);
    EXPECT_NE(engine->BroadcastBlocker(big, T + 10).find("delay ends in 3590 seconds"), std::string::npos);
    EXPECT_EQ(engine->BroadcastBlocker(big, T + 3600), "");

    const int64_t vetoed = Propose(COIN);
    ASSERT_TRUE(engine->Veto(vetoed, "auditor", "unknown contractor", T + 1, &error)) << error;
    EXPECT_NE(engine->BroadcastBlocker(vetoed, T + 2).find("vetoed by auditor"), std::string::npos);
    EXPECT_FALSE(engine->Approve(vetoed, "minister", T + 2, &error));

    const int64_t stale = Propose(COIN);
    EXPECT_EQ(engine->Proposal(stale, T + 7 * 86400)->state, ProposalState::EXPIRED);
    EXPECT_FALSE(engine->Approve(stale, "minister", T + 7 * 86400, &error));
    EXPECT_NE(error.find("expired"), std::string::npos);
}

TEST_F(CustodyTest, PolicyChangesNeedAQuorumAndAFreezeStopsApprovedSpends)
{
    std::string error;
    const int64_t id = Propose(COIN);
    engine->Approve(id, "minister", T, &error);
    engine->Approve(id, "governor", T, &error);
    engine->UpdatePsbt(id, "p", true, "governor", T, &error);

    CustodyPolicy frozen = TwoOfThree();
    frozen.freeze_spending = true;
    frozen.freeze_reason = "court order 12/2026";
    EXPECT_FALSE(engine->ProposePolicyChange(frozen, "mallory", T, &error));
    auto change = engine->ProposePolicyChange(frozen, "minister", T, &error);
    ASSERT_TRUE(change) << error;
    EXPECT_FALSE(engine->Policy()->freeze_spending);  // one approval of two
    EXPECT_EQ(engine->BroadcastBlocker(id, T), "");
    auto applied = engine->ApprovePolicyChange(*change, "auditor", T + 1, &error);
    ASSERT_TRUE(applied) << error;
    EXPECT_TRUE(*applied);
    EXPECT_TRUE(engine->Policy()->freeze_spending);
    EXPECT_NE(engine->BroadcastBlocker(id, T + 2).find("court order 12/2026"), std::string::npos);
    EXPECT_NE(Refusal(COIN, DEST, T + 2).find("frozen"), std::string::npos);
    EXPECT_FALSE(engine->ApprovePolicyChange(*change, "governor", T + 3, &error));  // already applied

    CustodyPolicy bad = TwoOfThree();
    bad.threshold = 4;
    EXPECT_FALSE(engine->ProposePolicyChange(bad, "minister", T, &error));
    EXPECT_NE(error.find("threshold"), std::string::npos);
    EXPECT_FALSE(engine->InitPolicy(TwoOfThree(), "setup", T, &error));
}

TEST_F(CustodyTest, AuditLogRecordsEverythingAndDetectsTampering)
{
    std::string error;
    const int64_t id = Propose(COIN);
    engine->Approve(id, "minister", T, &error);
    Refusal(50 * COIN);
    engine->Record("governor", "key.unlock", "{\"wallet\":\"reserve\",\"seconds\":60}", T, &error);
    const AuditVerification ok = engine->Audit().Verify();
    ASSERT_TRUE(ok.ok) << ok.reason;
    const auto entries = engine->Audit().Entries();
    ASSERT_EQ(ok.entries, 5);
    std::vector<std::string> actions;
    for (const auto& e : entries) actions.push_back(e.action);
    EXPECT_EQ(actions, (std::vector<std::string>{"policy.init", "proposal.create", "proposal.approve",
                                                  "proposal.refused", "key.unlock"}));
    const Script anchor = AuditAnchorScript(ok.entries, ok.head);
    auto parsed = ParseAuditAnchor(anchor);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->first, 5);
    EXPECT_EQ(parsed->second, ok.head);
    EXPECT_TRUE(engine->Audit().VerifyAgainstAnchor(parsed->first, parsed->second).ok);
    engine.reset();

    // Tamper with the file behind the engine's back.
    auto tamper = [&](const std::string& sql_text, int64_t expected_bad) {
        const fs::path copy = dir / "copy.sqlite";
        fs::copy_file(dir / "custody.sqlite", copy, fs::copy_options::overwrite_existing);
        for (const char* ext : {"-wal", "-shm"}) {
            fs::remove(dir / ("copy.sqlite" + std::string(ext)));
            if (fs::exists(dir / ("custody.sqlite" + std::string(ext)))) {
                fs::copy_file(dir / ("custody.sqlite" + std::string(ext)), dir / ("copy.sqlite" + std::string(ext)));
            }
        }
        std::string err;
        auto db = sql::Database::Open(copy, false, &err);
        ASSERT_TRUE(db) << err;
        ASSERT_TRUE(db->Exec(sql_text, &err)) << err;
        AuditLog log(*db);
        const AuditVerification v = log.Verify();
        EXPECT_FALSE(v.ok) << sql_text;
        EXPECT_EQ(v.first_bad_seq, expected_bad) << sql_text << ": " << v.reason;
        EXPECT_FALSE(v.reason.empty());
    };
    tamper("UPDATE audit SET details = '{\"proposal\":99}' WHERE seq = 3;", 3);
    tamper("UPDATE audit SET actor = 'nobody' WHERE seq = 1;", 1);
    tamper("DELETE FROM audit WHERE seq = 2;", 2);
    tamper("UPDATE audit SET time = time + 1 WHERE seq = 5;", 5);
    // Rewriting an entry and fixing its own hash still breaks the link from the next one.
    {
        const fs::path copy = dir / "rewrite.sqlite";
        fs::copy_file(dir / "custody.sqlite", copy);
        std::string err;
        auto db = sql::Database::Open(copy, false, &err);
        ASSERT_TRUE(db);
        AuditLog log(*db);
        AuditEntry e = log.Entries(2, 1)[0];
        e.details = "{\"forged\":true}";
        e.hash = AuditEntryHash(e);
        auto s = db->Prepare("UPDATE audit SET details = ?, hash = ? WHERE seq = 2;");
        ASSERT_TRUE(s.Bind(1, std::string_view(e.details)).Bind(2, std::vector<uint8_t>(e.hash.begin(), e.hash.end())).Run());
        EXPECT_EQ(log.Verify().first_bad_seq, 3);
        // A full rewrite of every later hash passes the chain check, but not the on-chain anchor.
        auto all = log.Entries();
        uint256 prev;
        for (auto& x : all) {
            x.prev_hash = prev;
            x.hash = AuditEntryHash(x);
            prev = x.hash;
            auto u = db->Prepare("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?;");
            u.Bind(1, std::vector<uint8_t>(x.prev_hash.begin(), x.prev_hash.end()))
                .Bind(2, std::vector<uint8_t>(x.hash.begin(), x.hash.end()))
                .Bind(3, x.seq);
            ASSERT_TRUE(u.Run());
        }
        EXPECT_TRUE(log.Verify().ok);
        const AuditVerification anchored = log.VerifyAgainstAnchor(parsed->first, parsed->second);
        EXPECT_FALSE(anchored.ok);
        EXPECT_NE(anchored.reason.find("on-chain anchor"), std::string::npos);
    }
}

TEST(CustodyPolicyJson, RoundTripAndErrors)
{
    const CustodyPolicy p = TwoOfThree();
    std::string error;
    auto back = CustodyPolicyFromJson(CustodyPolicyToJson(p), &error);
    ASSERT_TRUE(back) << error;
    EXPECT_EQ(CustodyPolicyToJson(*back).Write(), CustodyPolicyToJson(p).Write());
    for (const char* bad : {"[]", "{}", "{\"signers\":[{\"name\":\"a\"}]}",
                            "{\"signers\":[{\"name\":\"a\",\"key\":\"k\"}],\"threshold\":2}",
                            "{\"signers\":[{\"name\":\"a\",\"key\":\"k\"},{\"name\":\"a\",\"key\":\"k\"}]}",
                            "{\"signers\":[{\"name\":\"a\",\"key\":\"k\"}],\"max_per_spend_sat\":1.5}"}) {
        EXPECT_FALSE(CustodyPolicyFromJson(*JsonValue::Parse(bad), &error)) << bad;
        EXPECT_FALSE(error.empty());
    }
}
