// Stratum work units (see stratum_job.h).
#include "pool/stratum_job.h"

#include "crypto/hash.h"
#include "crypto/sha256.h"
#include "primitives/script.h"
#include "util/hex.h"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace pool {

arith_uint256 DifficultyOneTarget()
{
    arith_uint256 t;
    t.SetCompact(0x1d00ffff);
    return t;
}

arith_uint256 TargetFromDifficulty(double difficulty)
{
    const arith_uint256 max = ~arith_uint256();
    if (!(difficulty > 0) || !std::isfinite(difficulty)) return max;
    // diff1 = 0xffff * 2^208; the quotient is formed in long double and rebuilt as a 256-bit integer.
    const long double t = 65535.0L * std::ldexp(1.0L, 208) / static_cast<long double>(difficulty);
    if (t >= std::ldexp(1.0L, 256)) return max;
    int exp = 0;
    const long double mant = std::frexp(t, &exp);  // t = mant * 2^exp, mant in [0.5, 1)
    const uint64_t m = static_cast<uint64_t>(std::ldexp(mant, 63));
    const int shift = exp - 63;
    if (shift >= 0) return arith_uint256(m) << static_cast<unsigned>(shift);
    if (-shift >= 64) return arith_uint256(1);
    return arith_uint256(std::max<uint64_t>(m >> static_cast<unsigned>(-shift), 1));
}

double DifficultyFromTarget(const arith_uint256& target)
{
    const double v = target.GetDouble();
    if (v == 0) return INFINITY;
    return DifficultyOneTarget().GetDouble() / v;
}

std::string StratumPrevHash(const uint256& prev)
{
    uint8_t b[32];
    for (int w = 0; w < 8; ++w) {
        for (int i = 0; i < 4; ++i) b[w * 4 + i] = prev.data()[w * 4 + 3 - i];
    }
    return HexStr(std::span<const uint8_t>(b, 32));
}

namespace {
uint256 HashPair(const uint256& a, const uint256& b)
{
    // The 64-byte double-SHA256 fast path (three compressions, no context setup), as the merkle code uses.
    uint8_t buf[64];
    std::memcpy(buf, a.data(), 32);
    std::memcpy(buf + 32, b.data(), 32);
    uint256 out;
    Sha256D64(out.data(), buf, 1);
    return out;
}
}  // namespace

std::vector<uint256> CoinbaseMerkleBranch(const std::vector<uint256>& txids)
{
    // Walk up the tree keeping the sibling of the leftmost node; odd levels pair the last node with itself.
    std::vector<uint256> branch;
    std::vector<uint256> level = txids;
    while (level.size() > 1) {
        branch.push_back(level[1]);
        std::vector<uint256> next;
        for (size_t i = 0; i < level.size(); i += 2) {
            next.push_back(HashPair(level[i], level[i + 1 < level.size() ? i + 1 : i]));
        }
        level = std::move(next);
    }
    return branch;
}

uint256 RootFromBranch(const uint256& coinbase_txid, const std::vector<uint256>& branch)
{
    uint256 h = coinbase_txid;
    for (const uint256& b : branch) h = HashPair(h, b);
    return h;
}

std::optional<Job> MakeJob(std::string id, const Block& tmpl, int height, const std::string& coinbase_tag,
                           std::string* error)
{
    if (tmpl.vtx.empty() || !tmpl.vtx[0]->IsCoinBase()) {
        if (error) *error = "template has no coinbase";
        return std::nullopt;
    }
    MutableTransaction cb(*tmpl.vtx[0]);
    Script sig;
    sig.PushInt(height);
    if (!coinbase_tag.empty()) sig.PushData(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(coinbase_tag.data()), coinbase_tag.size()));
    const size_t prefix = sig.size() + 1;  // through the push opcode of the extranonce
    const std::vector<uint8_t> zero(EXTRANONCE1_SIZE + EXTRANONCE2_SIZE, 0);
    sig.PushData(zero);
    if (sig.size() > 100) {  // bad-cb-length: a coinbase scriptSig is 2..100 bytes
        if (error) *error = "coinbase tag too long (the coinbase scriptSig would exceed 100 bytes)";
        return std::nullopt;
    }
    cb.vin[0].script_sig = sig;
    const std::vector<uint8_t> bytes = EncodeTransaction(cb, false);
    // Non-witness layout: version(4) vin-count(1) prevout(36) scriptSig-length(1) scriptSig...
    const size_t sig_start = 4 + 1 + 36 + 1;
    const size_t split = sig_start + prefix;
    Job job;
    job.id = std::move(id);
    job.coinb1.assign(bytes.begin(), bytes.begin() + split);
    job.coinb2.assign(bytes.begin() + split + zero.size(), bytes.end());
    job.block = tmpl;
    job.block.vtx[0] = MakeTransactionRef(std::move(cb));
    std::vector<uint256> txids;
    txids.reserve(tmpl.vtx.size());
    for (const auto& tx : job.block.vtx) txids.push_back(tx->GetHash());
    job.branch = CoinbaseMerkleBranch(txids);
    job.height = height;
    job.network_target.SetCompact(tmpl.header.bits);
    job.created = tmpl.header.time;
    return job;
}

ShareResult CheckShare(const Job& job, const Submission& sub, const arith_uint256& share_target)
{
    // txid of the coinbase: double SHA-256 of coinb1 || extranonce1 || extranonce2 || coinb2, streamed.
    HashWriter w;
    w.write(job.coinb1);
    w.write(sub.extranonce1);
    w.write(sub.extranonce2);
    w.write(job.coinb2);
    ShareResult r;
    r.header = job.block.header;
    r.header.merkle_root = RootFromBranch(w.GetHash(), job.branch);
    if (sub.has_version_bits) {
        r.header.version = static_cast<int32_t>((static_cast<uint32_t>(r.header.version) & ~VERSION_ROLLING_MASK) |
                                                (sub.version_bits & VERSION_ROLLING_MASK));
    }
    r.header.time = sub.ntime;
    r.header.nonce = sub.nonce;
    r.hash = r.header.GetHash();
    const arith_uint256 value = UintToArith256(r.hash);
    r.meets_share = value <= share_target;
    r.meets_network = value <= job.network_target;
    return r;
}

Block AssembleBlock(const Job& job, const Submission& sub, const BlockHeader& header)
{
    Block block = job.block;
    MutableTransaction cb(*job.block.vtx[0]);
    std::vector<uint8_t>& sig = cb.vin[0].script_sig.bytes();
    const size_t sig_start = 4 + 1 + 36 + 1;
    const size_t off = job.coinb1.size() - sig_start;
    std::memcpy(sig.data() + off, sub.extranonce1.data(), EXTRANONCE1_SIZE);
    std::memcpy(sig.data() + off + EXTRANONCE1_SIZE, sub.extranonce2.data(), EXTRANONCE2_SIZE);
    block.vtx[0] = MakeTransactionRef(std::move(cb));
    block.header = header;
    return block;
}

std::optional<uint32_t> ParseHex32(const std::string& s)
{
    if (s.size() != 8) return std::nullopt;
    uint32_t v = 0;
    for (char c : s) {
        const int d = HexDigit(c);
        if (d < 0) return std::nullopt;
        v = (v << 4) | static_cast<uint32_t>(d);
    }
    return v;
}

std::string Hex32(uint32_t v)
{
    char buf[9];
    std::snprintf(buf, sizeof(buf), "%08x", v);
    return buf;
}

}  // namespace pool
