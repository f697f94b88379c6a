// Merkle-sum tree for proof of liabilities; see liabilities.h and docs/liabilities.md.
#include "reserves/liabilities.h"

#include "crypto/hash.h"
#include "crypto/sha256.h"
#include "json/json_value.h"
#include "util/csv.h"
#include "util/hex.h"
#include "util/strencodings.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <numeric>

/** HMAC-SHA256 (RFC 2104) under a fixed 32-byte key, with the padded key's midstates computed once: salting ten
 *  million ids then costs two compression rounds each instead of a full HMAC set-up. */
class HmacKey
{
public:
    explicit HmacKey(const std::array<uint8_t, 32>& key)
    {
        uint8_t pad[64];
        for (size_t i = 0; i < 64; ++i) pad[i] = static_cast<uint8_t>((i < 32 ? key[i] : 0) ^ 0x36);
        m_inner.Write(pad, 64);
        for (size_t i = 0; i < 64; ++i) pad[i] = static_cast<uint8_t>((i < 32 ? key[i] : 0) ^ 0x5c);
        m_outer.Write(pad, 64);
    }
    void Mac(std::span<const uint8_t> msg, uint8_t out[32]) const
    {
        uint8_t inner[32];
        Sha256 s = m_inner;
        s.Write(msg).Finalize(inner);
        Sha256 o = m_outer;
        o.Write(inner, 32).Finalize(out);
    }
    uint256 Salt(const std::string& account_id) const
    {
        // Domain-separated from the padding MACs by the "salt\0" prefix.
        uint8_t buf[256];
        uint256 salt;
        if (account_id.size() + 5 <= sizeof(buf)) {
            std::memcpy(buf, "salt", 5);
            std::memcpy(buf + 5, account_id.data(), account_id.size());
            Mac(std::span<const uint8_t>(buf, account_id.size() + 5), salt.data());
        } else {
            Bytes msg{'s', 'a', 'l', 't', 0};
            msg.insert(msg.end(), account_id.begin(), account_id.end());
            Mac(msg, salt.data());
        }
        return salt;
    }

private:
    Sha256 m_inner, m_outer;
};

namespace {
/** SHA256(tag) || SHA256(tag) already absorbed (BIP340-style tagged hash), copied for every node. */
Sha256 TaggedMidstate(std::string_view tag)
{
    uint8_t tag_hash[32];
    Sha256().Write(reinterpret_cast<const uint8_t*>(tag.data()), tag.size()).Finalize(tag_hash);
    Sha256 s;
    s.Write(tag_hash, 32).Write(tag_hash, 32);
    return s;
}

const Sha256& LeafMidstate()
{
    static const Sha256 s = TaggedMidstate("Sovereign/liabilities/leaf");
    return s;
}
const Sha256& NodeMidstate()
{
    static const Sha256 s = TaggedMidstate("Sovereign/liabilities/node");
    return s;
}
const Sha256& PadMidstate()
{
    static const Sha256 s = TaggedMidstate("Sovereign/liabilities/pad");
    return s;
}

void PutLE64(uint8_t* out, uint64_t v)
{
    for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
}

/** A zero-sum node standing in for a missing subtree at (level, index): its hash is derived from the master
 *  secret, so it cannot be told apart from a real subtree holding zero-balance accounts. */
SumNode PadNode(const HmacKey& secret, int level, uint64_t index)
{
    uint8_t msg[13] = {'p', 'a', 'd', 0};
    msg[3] = static_cast<uint8_t>(level);
    PutLE64(msg + 4, index);
    msg[12] = 0;
    uint8_t mac[32];
    secret.Mac(msg, mac);
    Sha256 s = PadMidstate();
    s.Write(mac, 32);
    SumNode node;
    s.Finalize(node.hash.data());
    return node;
}

bool ParseHash(const JsonValue& v, uint256& out)
{
    if (!v.IsStr()) return false;
    auto bytes = TryParseHex(v.GetValStr());
    if (!bytes || bytes->size() != 32) return false;
    std::copy(bytes->begin(), bytes->end(), out.begin());
    return true;
}

/** A non-negative integer of at most max, written as a JSON number without fraction or exponent. */
bool ParseAmount(const JsonValue& v, uint64_t max, uint64_t& out)
{
    if (!v.IsNum()) return false;
    const std::string& s = v.GetValStr();
    if (s.empty() || s.size() > 20 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return false;
    }
    if (s.size() > 1 && s[0] == '0') return false;
    unsigned __int128 n = 0;
    for (char c : s) n = n * 10 + static_cast<unsigned>(c - '0');
    if (n > max) return false;
    out = static_cast<uint64_t>(n);
    return true;
}
}  // namespace

uint256 LiabilitySalt(const std::array<uint8_t, 32>& master_secret, const std::string& account_id)
{
    return HmacKey(master_secret).Salt(account_id);
}

SumNode LiabilityLeaf(const uint256& salt, const std::string& account_id, Amount balance)
{
    // The id is length-prefixed so (id, balance) pairs cannot be re-split differently.
    uint8_t buf[8];
    Sha256 s = LeafMidstate();
    s.Write(salt.data(), 32);
    PutLE64(buf, account_id.size());
    s.Write(buf, 8);
    s.Write(reinterpret_cast<const uint8_t*>(account_id.data()), account_id.size());
    PutLE64(buf, static_cast<uint64_t>(balance));
    s.Write(buf, 8);
    SumNode node;
    s.Finalize(node.hash.data());
    node.sum = static_cast<uint64_t>(balance);
    return node;
}

std::optional<SumNode> LiabilityParent(const SumNode& left, const SumNode& right)
{
    // Each operand is at most MAX_MONEY (< 2^51), so the addition cannot wrap before the check.
    if (left.sum > static_cast<uint64_t>(MAX_MONEY) || right.sum > static_cast<uint64_t>(MAX_MONEY)) return std::nullopt;
    const uint64_t sum = left.sum + right.sum;
    if (sum > static_cast<uint64_t>(MAX_MONEY)) return std::nullopt;
    uint8_t buf[80];
    std::copy(left.hash.begin(), left.hash.end(), buf);
    PutLE64(buf + 32, left.sum);
    std::copy(right.hash.begin(), right.hash.end(), buf + 40);
    PutLE64(buf + 72, right.sum);
    Sha256 s = NodeMidstate();
    s.Write(buf, sizeof(buf));
    SumNode node;
    s.Finalize(node.hash.data());
    node.sum = sum;
    return node;
}

std::optional<LiabilityTree> LiabilityTree::Build(const std::vector<LiabilityAccount>& accounts,
                                                  const std::array<uint8_t, 32>& master_secret, int height,
                                                  std::string* error)
{
    auto fail = [&](std::string why) -> std::optional<LiabilityTree> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    if (height < 1 || height > MAX_LIABILITY_TREE_HEIGHT) {
        return fail("tree height must be between 1 and " + std::to_string(MAX_LIABILITY_TREE_HEIGHT));
    }
    if (accounts.empty()) return fail("no accounts");
    if (accounts.size() > (uint64_t{1} << height)) {
        return fail(std::to_string(accounts.size()) + " accounts do not fit a tree of height " + std::to_string(height));
    }
    uint64_t total = 0;
    for (const LiabilityAccount& a : accounts) {
        if (a.balance < 0) return fail("account " + a.id + " has a negative balance");
        if (a.balance > MAX_MONEY) return fail("account " + a.id + " has a balance above 21 million BTC");
        total += static_cast<uint64_t>(a.balance);
        if (total > static_cast<uint64_t>(MAX_MONEY)) return fail("total liabilities exceed 21 million BTC");
    }

    LiabilityTree tree;
    tree.m_height = height;
    tree.m_secret = std::make_shared<const HmacKey>(master_secret);
    const HmacKey& key = *tree.m_secret;
    std::vector<SumNode> leaves(accounts.size());
    for (size_t i = 0; i < accounts.size(); ++i) {
        leaves[i] = LiabilityLeaf(key.Salt(accounts[i].id), accounts[i].id, accounts[i].balance);
    }
    // Order by leaf hash: positions reveal nothing about when an account was opened.
    std::vector<uint32_t> order(accounts.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        return std::memcmp(leaves[a].hash.data(), leaves[b].hash.data(), 32) < 0;
    });
    tree.m_levels.emplace_back();
    tree.m_levels[0].reserve(accounts.size() + 1);
    tree.m_ids.reserve(accounts.size());
    tree.m_balances.reserve(accounts.size());
    tree.m_position.reserve(accounts.size());
    for (uint32_t i : order) {
        tree.m_levels[0].push_back(leaves[i]);
        tree.m_ids.push_back(accounts[i].id);
        tree.m_balances.push_back(accounts[i].balance);
        if (!tree.m_position.emplace(accounts[i].id, tree.m_ids.size() - 1).second) {
            return fail("duplicate account id " + accounts[i].id);
        }
    }
    leaves.clear();
    leaves.shrink_to_fit();

    for (int level = 0; level < height; ++level) {
        std::vector<SumNode>& nodes = tree.m_levels[level];
        if (nodes.size() % 2) nodes.push_back(PadNode(key, level, nodes.size()));
        std::vector<SumNode> parents(nodes.size() / 2);
        for (size_t i = 0; i < parents.size(); ++i) {
            auto parent = LiabilityParent(nodes[2 * i], nodes[2 * i + 1]);
            if (!parent) return fail("sum overflow");  // unreachable after the total check above
            parents[i] = *parent;
        }
        tree.m_levels.push_back(std::move(parents));
    }
    return tree;
}

std::optional<LiabilityProof> LiabilityTree::Prove(const std::string& account_id) const
{
    auto it = m_position.find(account_id);
    if (it == m_position.end()) return std::nullopt;
    return ProveLeaf(it->second);
}

LiabilityProof LiabilityTree::ProveLeaf(size_t leaf) const
{
    LiabilityProof proof;
    proof.account_id = m_ids[leaf];
    proof.salt = m_secret->Salt(proof.account_id);
    proof.balance = m_balances[leaf];
    proof.leaf_index = leaf;
    proof.siblings.reserve(m_height);
    uint64_t index = leaf;
    for (int level = 0; level < m_height; ++level) {
        proof.siblings.push_back(m_levels[level][index ^ 1]);
        index >>= 1;
    }
    return proof;
}

size_t LiabilityTree::MemoryUsage() const
{
    size_t bytes = 0;
    for (const auto& level : m_levels) bytes += level.capacity() * sizeof(SumNode);
    for (const auto& id : m_ids) bytes += sizeof(std::string) + (id.size() > 15 ? id.capacity() : 0);
    bytes += m_balances.capacity() * sizeof(Amount);
    bytes += m_position.size() * (sizeof(std::string) + sizeof(size_t) + 2 * sizeof(void*)) +
             m_position.bucket_count() * sizeof(void*);
    return bytes;
}

bool VerifyLiabilityProof(const LiabilityProof& proof, const LiabilityCommitment& commitment, std::string* error)
{
    auto fail = [&](std::string why) {
        if (error) *error = std::move(why);
        return false;
    };
    if (commitment.height < 1 || commitment.height > MAX_LIABILITY_TREE_HEIGHT) return fail("invalid tree height");
    if (proof.siblings.size() != static_cast<size_t>(commitment.height)) {
        return fail("proof has " + std::to_string(proof.siblings.size()) + " levels, the commitment's tree has " +
                    std::to_string(commitment.height));
    }
    if (commitment.height < 64 && proof.leaf_index >> commitment.height) return fail("leaf index outside the tree");
    if (proof.balance < 0 || proof.balance > MAX_MONEY) return fail("balance out of range");
    SumNode node = LiabilityLeaf(proof.salt, proof.account_id, proof.balance);
    for (size_t level = 0; level < proof.siblings.size(); ++level) {
        const SumNode& sibling = proof.siblings[level];
        const bool right = (proof.leaf_index >> level) & 1;
        auto parent = right ? LiabilityParent(sibling, node) : LiabilityParent(node, sibling);
        if (!parent) return fail("sum out of range at level " + std::to_string(level));
        node = *parent;
    }
    if (node.hash != commitment.root.hash) return fail("root hash mismatch: the proof does not lead to the published root");
    if (node.sum != commitment.root.sum) return fail("root sum mismatch");
    return true;
}

JsonValue LiabilityCommitmentToJson(const LiabilityCommitment& commitment)
{
    JsonValue c = JsonValue::Object();
    c.PushKV("root_hash", HexStr(commitment.root.hash));
    c.PushKV("total", commitment.root.sum);
    c.PushKV("height", commitment.height);
    return c;
}

JsonValue LiabilityProofToJson(const LiabilityProof& proof, const LiabilityCommitment& commitment)
{
    JsonValue out = JsonValue::Object();
    out.PushKV("version", 1);
    out.PushKV("account", proof.account_id);
    out.PushKV("salt", HexStr(proof.salt));
    out.PushKV("balance", static_cast<int64_t>(proof.balance));
    out.PushKV("leaf_index", proof.leaf_index);
    JsonValue path = JsonValue::Array();
    for (const SumNode& s : proof.siblings) {
        JsonValue n = JsonValue::Object();
        n.PushKV("hash", HexStr(s.hash));
        n.PushKV("sum", s.sum);
        path.PushBack(std::move(n));
    }
    out.PushKV("path", std::move(path));
    out.PushKV("commitment", LiabilityCommitmentToJson(commitment));
    return out;
}

std::optional<std::pair<LiabilityProof, LiabilityCommitment>> LiabilityProofFromJson(std::string_view text,
                                                                                     std::string* error)
{
    auto fail = [&](std::string why) -> std::optional<std::pair<LiabilityProof, LiabilityCommitment>> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    auto doc = JsonValue::Parse(text);
    if (!doc || !doc->IsObject()) return fail("not a JSON object");
    const JsonValue& v = *doc;
    uint64_t version = 0;
    if (!ParseAmount(v["version"], 1000, version) || version != 1) return fail("unsupported or missing version");
    LiabilityProof proof;
    if (!v["account"].IsStr()) return fail("account must be a string");
    proof.account_id = v["account"].GetValStr();
    if (!ParseHash(v["salt"], proof.salt)) return fail("salt must be 64 hex characters");
    uint64_t n = 0;
    if (!ParseAmount(v["balance"], static_cast<uint64_t>(MAX_MONEY), n)) {
        return fail("balance must be an integer number of satoshis between 0 and 21 million BTC");
    }
    proof.balance = static_cast<Amount>(n);
    if (!ParseAmount(v["leaf_index"], (uint64_t{1} << MAX_LIABILITY_TREE_HEIGHT) - 1, proof.leaf_index)) {
        return fail("leaf_index out of range");
    }
    const JsonValue& path = v["path"];
    if (!path.IsArray() || path.size() > MAX_LIABILITY_TREE_HEIGHT) return fail("path must be an array of at most " +
                                                                                 std::to_string(MAX_LIABILITY_TREE_HEIGHT) + " nodes");
    for (size_t i = 0; i < path.size(); ++i) {
        SumNode s;
        if (!path[i].IsObject() || !ParseHash(path[i]["hash"], s.hash) ||
            !ParseAmount(path[i]["sum"], static_cast<uint64_t>(MAX_MONEY), s.sum)) {
            return fail("path node " + std::to_string(i) + " is malformed");
        }
        proof.siblings.push_back(s);
    }
    auto commitment = LiabilityCommitmentFromJson(v["commitment"], error);
    if (!commitment) return std::nullopt;
    return std::make_pair(std::move(proof), *commitment);
}

std::optional<LiabilityCommitment> LiabilityCommitmentFromJson(const JsonValue& c, std::string* error)
{
    LiabilityCommitment commitment;
    uint64_t height = 0;
    if (!c.IsObject() || !ParseHash(c["root_hash"], commitment.root.hash) ||
        !ParseAmount(c["total"], static_cast<uint64_t>(MAX_MONEY), commitment.root.sum) ||
        !ParseAmount(c["height"], MAX_LIABILITY_TREE_HEIGHT, height) || height == 0) {
        if (error) *error = "commitment is malformed (expected root_hash, total in satoshis and tree height)";
        return std::nullopt;
    }
    commitment.height = static_cast<int>(height);
    return commitment;
}

std::optional<std::vector<LiabilityAccount>> ParseLiabilityAccountsCsv(std::string_view csv, std::string* error)
{
    std::string why;
    if (csv.size() > MAX_LIABILITY_CSV_BYTES) why = "the accounts file is larger than 2 GiB";
    std::vector<LiabilityAccount> accounts;
    const bool ok = why.empty() && ForEachCsvRow(csv, [&](size_t line_no, const std::vector<std::string>& f) {
        auto at = [&](std::string what) {
            why = "line " + std::to_string(line_no) + ": " + what;
            return false;
        };
        if (accounts.empty() && f.size() == 2 && (f[0] == "account" || f[0] == "Account" || f[0] == "ACCOUNT")) return true;
        if (f.size() != 2) return at("expected 2 fields (account,balance), found " + std::to_string(f.size()));
        if (f[0].empty()) return at("the account identifier is empty");
        if (f[0].size() > MAX_LIABILITY_ACCOUNT_ID) {
            return at("the account identifier is longer than " + std::to_string(MAX_LIABILITY_ACCOUNT_ID) + " bytes");
        }
        auto sats = ParseFixedPoint(f[1], 8);
        if (!sats || *sats < 0 || *sats > MAX_MONEY) {
            return at("'" + f[1].substr(0, 40) + "' is not a balance in BTC between 0 and 21000000 (up to 8 decimals)");
        }
        accounts.push_back({f[0], *sats});
        return true;
    });
    if (!ok) {
        if (error) *error = why;
        return std::nullopt;
    }
    if (accounts.empty()) {
        if (error) *error = "the accounts file has no accounts";
        return std::nullopt;
    }
    return accounts;
}
