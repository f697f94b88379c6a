// Fuzz target: Stratum v1 messages as a miner sends them. ParseStratumRequest never crashes and bounds the line;
// submit parameters that parse re-encode to the same values; each share is hashed against a fixed job (the pool's
// hot path) and what meets the network target assembles into a block whose header hash is the share's hash.
#include "fuzz_check.h"
#include "pool/stratum_job.h"
#include "pool/stratum_message.h"
#include "util/hex.h"

#include <string>

namespace {
const pool::Job& FuzzJob()
{
    static const pool::Job job = [] {
        Block b;
        b.header.version = 0x20000000;
        b.header.bits = 0x207fffff;  // regtest: about half of all hashes are blocks
        b.header.time = 1700000000;
        MutableTransaction cb;
        cb.vin.resize(1);
        cb.vin[0].script_sig.PushInt(500);
        cb.vout.emplace_back(50 * COIN, Script(std::vector<uint8_t>(22, 0x14)));
        b.vtx.push_back(MakeTransactionRef(cb));
        MutableTransaction tx;
        tx.vin.resize(1);
        tx.vout.emplace_back(1000, Script(std::vector<uint8_t>(22, 0x14)));
        b.vtx.push_back(MakeTransactionRef(tx));
        std::string error;
        return *pool::MakeJob("1", b, 500, "/fuzz/", &error);
    }();
    return job;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    JsonValue id;
    auto req = pool::ParseStratumRequest(line, &id);
    if (!req) return 0;
    FUZZ_CHECK(size <= pool::MAX_STRATUM_LINE);
    if (req->method == "mining.configure" && req->params.IsArray() && req->params.size() > 1) {
        if (auto mask = pool::ParseVersionMask(req->params[1]["version-rolling.mask"])) {
            FUZZ_CHECK(pool::ParseVersionMask(JsonValue(pool::Hex32(*mask))) == mask);
        }
    }
    if (auto d = pool::ParseSuggestedDifficulty(req->params)) {
        FUZZ_CHECK(*d > 0);
        (void)pool::TargetFromDifficulty(*d);
    }
    pool::SubmitParams p;
    const pool::SubmitParse r = pool::ParseSubmitParams(req->params, pool::EXTRANONCE2_SIZE, p);
    FUZZ_CHECK(r == pool::SubmitParse::MALFORMED || pool::IsSubmitShape(req->params));
    if (r != pool::SubmitParse::OK) return 0;
    FUZZ_CHECK(p.extranonce2.size() == pool::EXTRANONCE2_SIZE);
    // Re-encoded, the parameters parse to the same values.
    JsonValue again = JsonValue::Array();
    again.PushBack(p.worker);
    again.PushBack(p.job_id);
    again.PushBack(HexStr(p.extranonce2));
    again.PushBack(pool::Hex32(p.ntime));
    again.PushBack(pool::Hex32(p.nonce));
    if (p.has_version_bits) again.PushBack(pool::Hex32(p.version_bits));
    pool::SubmitParams q;
    FUZZ_CHECK(pool::ParseSubmitParams(again, pool::EXTRANONCE2_SIZE, q) == pool::SubmitParse::OK);
    FUZZ_CHECK(q.worker == p.worker && q.job_id == p.job_id && q.extranonce2 == p.extranonce2 &&
               q.ntime == p.ntime && q.nonce == p.nonce && q.has_version_bits == p.has_version_bits &&
               q.version_bits == p.version_bits);
    // The share against a fixed job.
    const pool::Job& job = FuzzJob();
    pool::Submission sub;
    sub.extranonce1 = {1, 2, 3, 4};
    sub.extranonce2 = p.extranonce2;
    sub.ntime = p.ntime;
    sub.nonce = p.nonce;
    sub.version_bits = p.version_bits & pool::VERSION_ROLLING_MASK;
    sub.has_version_bits = p.has_version_bits;
    const pool::ShareResult share = pool::CheckShare(job, sub, pool::TargetFromDifficulty(1e-12));
    FUZZ_CHECK(share.header.nonce == p.nonce && share.header.time == p.ntime);
    if (share.meets_network) {
        const Block block = pool::AssembleBlock(job, sub, share.header);
        FUZZ_CHECK(block.header.GetHash() == share.hash);
        FUZZ_CHECK(block.vtx.size() == job.block.vtx.size());
    }
    return 0;
}
