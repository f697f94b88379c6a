// Proof of liabilities: every account's proof verifies against the commitment, and each kind of tampering
// (balance, id, salt, sibling hash or sum, position, height, root) is rejected with a reason.
#include "json/json_value.h"
#include "reserves/liabilities.h"

#include <gtest/gtest.h>

#include <random>

namespace {
std::array<uint8_t, 32> Secret(uint8_t fill)
{
    std::array<uint8_t, 32> s;
    s.fill(fill);
    return s;
}

std::vector<LiabilityAccount> Accounts(size_t n, uint32_t seed)
{
    std::mt19937_64 rng(seed);
    std::vector<LiabilityAccount> accounts;
    for (size_t i = 0; i < n; ++i) {
        // Mostly small balances, some zero, a few large.
        Amount balance = static_cast<Amount>(rng() % 5'000'000);
        if (i % 97 == 0) balance = 0;
        if (i % 331 == 0) balance = static_cast<Amount>(rng() % (50 * COIN));
        accounts.push_back({"citizen-" + std::to_string(i), balance});
    }
    return accounts;
}
}  // namespace

TEST(Liabilities, EveryProofOfAThousandAccountsVerifies)
{
    const auto accounts = Accounts(1000, 7);
    std::string error;
    auto tree = LiabilityTree::Build(accounts, Secret(1), DEFAULT_LIABILITY_TREE_HEIGHT, &error);
    ASSERT_TRUE(tree) << error;
    const LiabilityCommitment c = tree->Commitment();
    uint64_t total = 0;
    for (const auto& a : accounts) total += static_cast<uint64_t>(a.balance);
    EXPECT_EQ(c.root.sum, total);
    EXPECT_EQ(c.height, DEFAULT_LIABILITY_TREE_HEIGHT);
    size_t verified = 0;
    for (const auto& a : accounts) {
        auto proof = tree->Prove(a.id);
        ASSERT_TRUE(proof);
        EXPECT_EQ(proof->balance, a.balance);
        EXPECT_EQ(proof->siblings.size(), static_cast<size_t>(DEFAULT_LIABILITY_TREE_HEIGHT));
        if (VerifyLiabilityProof(*proof, c, &error)) ++verified;
        else ADD_FAILURE() << a.id << ": " << error;
    }
    EXPECT_EQ(verified, accounts.size());
    EXPECT_FALSE(tree->Prove("nobody"));
}

TEST(Liabilities, TamperedProofsAreRejected)
{
    const auto accounts = Accounts(100, 11);
    auto tree = LiabilityTree::Build(accounts, Secret(2), 16, nullptr);
    ASSERT_TRUE(tree);
    const LiabilityCommitment c = tree->Commitment();
    const LiabilityProof good = *tree->Prove("citizen-5");
    std::string error;
    ASSERT_TRUE(VerifyLiabilityProof(good, c, &error)) << error;

    auto expect_rejected = [&](LiabilityProof p, LiabilityCommitment cc, const std::string& what) {
        std::string why;
        EXPECT_FALSE(VerifyLiabilityProof(p, cc, &why)) << what;
        EXPECT_FALSE(why.empty()) << what;
    };
    LiabilityProof p = good;
    p.balance += 1;
    expect_rejected(p, c, "balance");
    p = good;
    p.account_id = "citizen-6";
    expect_rejected(p, c, "account id");
    p = good;
    p.salt.data()[0] ^= 1;
    expect_rejected(p, c, "salt");
    p = good;
    p.leaf_index ^= 1;
    expect_rejected(p, c, "position");
    p = good;
    p.siblings.pop_back();
    expect_rejected(p, c, "height");
    for (size_t level = 0; level < good.siblings.size(); ++level) {
        p = good;
        p.siblings[level].hash.data()[31] ^= 0x80;
        expect_rejected(p, c, "sibling hash at level " + std::to_string(level));
        // Moving value between subtrees (the attack on sum-only trees): lower one sibling's sum and raise the
        // account's own balance by the same amount, keeping the total equal.
        p = good;
        if (p.siblings[level].sum > 0) {
            p.siblings[level].sum -= 1;
            p.balance += 1;
            expect_rejected(p, c, "shifted sum at level " + std::to_string(level));
        }
    }
    // A sibling claiming more than all bitcoin, to overflow the running sum.
    p = good;
    p.siblings[3].sum = static_cast<uint64_t>(MAX_MONEY) + 1;
    expect_rejected(p, c, "oversized sum");
    LiabilityCommitment other = c;
    other.root.sum -= 1;
    expect_rejected(good, other, "root total");
}

TEST(Liabilities, BuildRejectsBadBalances)
{
    std::string error;
    EXPECT_FALSE(LiabilityTree::Build({{"a", -1}}, Secret(3), 8, &error));
    EXPECT_NE(error.find("negative"), std::string::npos);
    EXPECT_FALSE(LiabilityTree::Build({{"a", 5}, {"a", 6}}, Secret(3), 8, &error));
    EXPECT_NE(error.find("duplicate"), std::string::npos);
    EXPECT_FALSE(LiabilityTree::Build({{"a", MAX_MONEY}, {"b", 1}}, Secret(3), 8, &error));
    EXPECT_NE(error.find("exceed"), std::string::npos);
    EXPECT_FALSE(LiabilityTree::Build({{"a", 1}, {"b", 1}, {"c", 1}}, Secret(3), 1, &error));
    EXPECT_FALSE(LiabilityTree::Build({}, Secret(3), 8, &error));
    EXPECT_FALSE(LiabilityTree::Build({{"a", 1}}, Secret(3), 0, &error));
    EXPECT_TRUE(LiabilityTree::Build({{"a", MAX_MONEY}}, Secret(3), 1, &error)) << error;
}

TEST(Liabilities, ProofsHideThePopulation)
{
    // Same height, different populations: identical proof shape; different secrets: unrelated roots and salts.
    auto small = LiabilityTree::Build(Accounts(3, 1), Secret(4), 20, nullptr);
    auto large = LiabilityTree::Build(Accounts(300, 1), Secret(4), 20, nullptr);
    ASSERT_TRUE(small && large);
    EXPECT_EQ(small->ProveLeaf(0).siblings.size(), large->ProveLeaf(0).siblings.size());
    auto other = LiabilityTree::Build(Accounts(3, 1), Secret(5), 20, nullptr);
    ASSERT_TRUE(other);
    EXPECT_NE(small->Commitment().root.hash, other->Commitment().root.hash);
    EXPECT_EQ(small->Commitment().root.sum, other->Commitment().root.sum);
    EXPECT_NE(LiabilitySalt(Secret(4), "x"), LiabilitySalt(Secret(5), "x"));
    // Padding nodes of a sparse tree are not all alike (they are secret-derived).
    const LiabilityProof p = small->ProveLeaf(0);
    EXPECT_NE(p.siblings[5].hash, p.siblings[6].hash);
}

TEST(Liabilities, JsonRoundTripAndMalformedFiles)
{
    auto tree = LiabilityTree::Build(Accounts(50, 3), Secret(6), 12, nullptr);
    ASSERT_TRUE(tree);
    const LiabilityProof proof = *tree->Prove("citizen-9");
    const std::string text = LiabilityProofToJson(proof, tree->Commitment()).Write();
    std::string error;
    auto parsed = LiabilityProofFromJson(text, &error);
    ASSERT_TRUE(parsed) << error;
    EXPECT_TRUE(VerifyLiabilityProof(parsed->first, parsed->second, &error)) << error;
    EXPECT_EQ(parsed->second.root, tree->Commitment().root);

    const std::vector<std::string> bad = {
        "", "[]", "{}", "{\"version\":2}", text.substr(0, text.size() / 2),
        std::string(text).replace(text.find("\"balance\":"), 10, "\"balance\":-"),
        std::string(text).replace(text.find("\"salt\":\""), 8, "\"salt\":\"zz"),
        std::string(text).replace(text.find("\"leaf_index\":"), 13, "\"leaf_index\":1e9"),
    };
    for (const std::string& b : bad) {
        EXPECT_FALSE(LiabilityProofFromJson(b, &error)) << b;
        EXPECT_FALSE(error.empty());
    }
}

TEST(Liabilities, AccountsCsvParsesAndNamesBadLines)
{
    std::string error;
    auto ok = ParseLiabilityAccountsCsv("\xEF\xBB\xBF" "account,balance\r\nalice, 1.5\n\nbob,0\ncarol,0.00000001\n", &error);
    ASSERT_TRUE(ok) << error;
    ASSERT_EQ(ok->size(), 3u);
    EXPECT_EQ((*ok)[0].id, "alice");
    EXPECT_EQ((*ok)[0].balance, 150'000'000);
    EXPECT_EQ((*ok)[1].balance, 0);
    EXPECT_EQ((*ok)[2].balance, 1);
    const std::pair<std::string, std::string> bad[] = {
        {"alice,1\nbob,-1\n", "line 2"},
        {"alice,1\nbob,1.000000001\n", "line 2"},
        {"alice,1,2\n", "expected 2 fields"},
        {",5\n", "empty"},
        {std::string(300, 'a') + ",1\n", "longer than 256"},
        {"alice,21000000.00000001\n", "between 0 and 21000000"},
        {"alice,abc\n", "'abc'"},
        {"", "no accounts"},
        {"account,balance\n", "no accounts"},
    };
    for (const auto& [csv, why] : bad) {
        EXPECT_FALSE(ParseLiabilityAccountsCsv(csv, &error)) << csv;
        EXPECT_NE(error.find(why), std::string::npos) << csv << " -> " << error;
    }
}

TEST(Liabilities, CommitmentJsonRoundTrips)
{
    std::array<uint8_t, 32> secret{};
    auto tree = LiabilityTree::Build({{"a", 5}, {"b", 7}}, secret, 4, nullptr);
    ASSERT_TRUE(tree);
    std::string error;
    auto back = LiabilityCommitmentFromJson(LiabilityCommitmentToJson(tree->Commitment()), &error);
    ASSERT_TRUE(back) << error;
    EXPECT_EQ(back->root, tree->Commitment().root);
    EXPECT_EQ(back->height, 4);
    EXPECT_FALSE(LiabilityCommitmentFromJson(JsonValue::Object(), &error));
    EXPECT_NE(error.find("malformed"), std::string::npos);
}
