// Stratum v1 server (see pool.h). Every connection's state lives on the one network thread; the shared parts that
// RPC reads (jobs, counters) are guarded by Impl::mutex. Blocks go to ProcessNewBlock without that lock held.
#include "pool/pool.h"

#include "pool/stratum_message.h"
#include "address/destination.h"
#include "node/miner.h"
#include "node/validation.h"
#include "planner/planner.h"
#include "util/args.h"
#include "util/hex.h"
#include "util/logging.h"

#include <boost/asio.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <set>
#include <thread>
#include <unordered_set>

namespace asio = boost::asio;
using asio::ip::tcp;

namespace pool {

void RegisterPoolArgs(ArgsManager& args)
{
    using A = ArgsManager;
    const auto C = OptionsCategory::CONNECTION;
    args.AddArg("-stratum", "Run the Stratum v1 mining pool (default: 0)", A::ALLOW_ANY, C);
    args.AddArg("-stratumbind=<addr>", "Bind the Stratum pool to this address (default: 0.0.0.0)", A::ALLOW_ANY, C);
    args.AddArg("-stratumport=<port>", "Listen for Stratum miners on <port> (default: 3333)", A::ALLOW_ANY, C);
    args.AddArg("-stratumpayout=<address|descriptor>",
                "Address or output descriptor the pool's coinbase pays (required with -stratum). A ranged descriptor "
                "(.../*) pays a fresh child address in every block the pool finds",
                A::ALLOW_ANY, C);
    args.AddArg("-stratumcoinbasetag=<text>", "Text placed in the coinbase scriptSig (default: /Sovereign/)",
                A::ALLOW_ANY, C);
    args.AddArg("-stratumdifficulty=<n>",
                "Starting share difficulty of a connection (default: 1024; regtest: 0.0001)", A::ALLOW_ANY, C);
    args.AddArg("-stratummindifficulty=<n>", "Lowest share difficulty (default: 1; regtest: 1e-12)", A::ALLOW_ANY, C);
    args.AddArg("-stratumsharetarget=<seconds>", "Vardiff aims at one share per <seconds> per connection (default: 10)",
                A::ALLOW_ANY, C);
    args.AddArg("-stratumjobinterval=<seconds>", "Refresh the job from the mempool every <seconds> (default: 30)",
                A::ALLOW_ANY, C);
    args.AddArg("-stratumpplnswindow=<n>", "Shares in the PPLNS window (default: 10000)", A::ALLOW_ANY, C);
    args.AddArg("-stratumplanmegawatts=<MW>",
                "Power of the planned mining sites: the dashboard compares the pool with this plan (default: none)",
                A::ALLOW_ANY, C);
    args.AddArg("-stratumplanefficiency=<J/TH>", "Machine efficiency of the plan (required with -stratumplanmegawatts)",
                A::ALLOW_ANY, C);
    args.AddArg("-stratumplanmachineth=<TH/s>", "Hashrate of one planned machine (default: 200)", A::ALLOW_ANY, C);
}

namespace {
double ParseDouble(const std::string& s, bool* ok)
{
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    *ok = !s.empty() && end == s.c_str() + s.size() && std::isfinite(v);
    return v;
}

JsonValue Real(double v)
{
    if (!std::isfinite(v)) return JsonValue();
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.16g", v);
    return JsonValue::Number(buf);
}

int64_t UnixNow() { return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count(); }

/** "site.machine" with letters, digits, '_', '-' and '.'; the site is what comes before the first dot. */
bool ParseWorker(const std::string& name, std::string& site)
{
    if (name.empty() || name.size() > 128) return false;
    for (char c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
    }
    const size_t dot = name.find('.');
    site = name.substr(0, dot);
    return !site.empty();
}
}  // namespace

bool PoolOptionsFromArgs(const ArgsManager& args, const NodeContext& node, PoolOptions& o, std::string* error)
{
    const bool regtest = node.params->chain == Chain::REGTEST;
    o.bind = args.GetArg("-stratumbind", "0.0.0.0");
    const int64_t port = args.GetIntArg("-stratumport", DEFAULT_STRATUM_PORT);
    if (port < 0 || port > 65535) {
        *error = "Invalid -stratumport: " + std::to_string(port);
        return false;
    }
    o.port = static_cast<uint16_t>(port);
    const std::string payout = args.GetArg("-stratumpayout", "");
    if (payout.empty()) {
        *error = "-stratum needs -stratumpayout=<address or descriptor> (where the coinbase pays)";
        return false;
    }
    if (!SetPoolPayout(payout, node.params->chain, o, error)) return false;
    o.coinbase_tag = args.GetArg("-stratumcoinbasetag", "/Sovereign/");
    bool ok = true;
    o.start_difficulty = regtest ? 0.0001 : 1024;
    o.min_difficulty = regtest ? 1e-12 : 1;
    if (auto v = args.GetArg("-stratumdifficulty")) o.start_difficulty = ParseDouble(*v, &ok);
    if (ok) {
        if (auto v = args.GetArg("-stratummindifficulty")) o.min_difficulty = ParseDouble(*v, &ok);
    }
    if (ok) {
        if (auto v = args.GetArg("-stratumsharetarget")) o.target_share_seconds = ParseDouble(*v, &ok);
    }
    if (!ok || !(o.start_difficulty > 0) || !(o.min_difficulty > 0) || !(o.target_share_seconds > 0)) {
        *error = "Invalid -stratumdifficulty, -stratummindifficulty or -stratumsharetarget (positive numbers)";
        return false;
    }
    o.start_difficulty = std::max(o.start_difficulty, o.min_difficulty);
    o.job_refresh_seconds = static_cast<int>(std::clamp<int64_t>(args.GetIntArg("-stratumjobinterval", 30), 1, 3600));
    o.pplns_window = std::max<int64_t>(args.GetIntArg("-stratumpplnswindow", 10000), 1);
    o.db_file = node.data_dir / "pool.sqlite";
    if (auto v = args.GetArg("-stratumplanmegawatts")) {
        o.plan_megawatts = ParseDouble(*v, &ok);
        if (ok) o.plan_efficiency_j_per_th = ParseDouble(args.GetArg("-stratumplanefficiency", ""), &ok);
        if (ok) {
            if (auto th = args.GetArg("-stratumplanmachineth")) o.plan_machine_th = ParseDouble(*th, &ok);
        }
        if (!ok || !(o.plan_megawatts > 0) || !(o.plan_efficiency_j_per_th > 0) || !(o.plan_machine_th > 0)) {
            *error = "-stratumplanmegawatts needs positive -stratumplanefficiency (and -stratumplanmachineth)";
            return false;
        }
    }
    return true;
}

bool DerivePayout(const Descriptor& desc, int64_t index, Chain chain, Script& script, std::string& address)
{
    // BIP32: unhardened children are 0 .. 2^31 - 1.
    if (index < 0 || index > 0x7fffffff) return false;
    FlatSigningProvider provider;
    std::vector<Script> scripts;
    if (!desc.Expand(static_cast<int>(index), scripts, provider) || scripts.size() != 1) return false;
    Destination dest;
    script = scripts[0];
    address = ExtractDestination(script, dest) ? EncodeDestination(dest, chain) : "";
    return true;
}

bool SetPoolPayout(const std::string& text, Chain chain, PoolOptions& o, std::string* error)
{
    o.payout_address = text;
    o.payout_descriptor.reset();
    o.payout_descriptor_key.clear();
    if (text.find('(') == std::string::npos) {
        std::string derr;
        const Destination dest = DecodeDestination(text, chain, &derr);
        if (!IsValidDestination(dest)) {
            *error = "Invalid -stratumpayout address '" + text + "'" + (derr.empty() ? "" : ": " + derr);
            return false;
        }
        o.payout_script = GetScriptForDestination(dest);
        return true;
    }
    std::string derr;
    auto descs = ParseDescriptor(text, chain, derr);
    if (descs.empty()) {
        *error = "Invalid -stratumpayout descriptor: " + derr;
        return false;
    }
    // combo() expands to several scripts: a coinbase pays one.
    if (!descs[0]->IsSingleType()) {
        *error = "Invalid -stratumpayout descriptor: combo() has no single output script";
        return false;
    }
    std::shared_ptr<const Descriptor> desc(std::move(descs[0]));
    std::string address;
    if (!DerivePayout(*desc, 0, chain, o.payout_script, address)) {
        *error = "Invalid -stratumpayout descriptor: cannot derive its scripts (hardened steps need private keys)";
        return false;
    }
    if (desc->IsRange()) {
        o.payout_descriptor = std::move(desc);
        o.payout_descriptor_key = o.payout_descriptor->ToString();
    }
    return true;
}

struct Connection;

/** Shares remembered per job for duplicate detection. A job that reaches it is replaced (its shares are then
 *  stale), so the sets stay bounded: at most this many 8-byte keys for each of the 8 jobs kept. */
inline constexpr size_t MAX_SHARES_PER_JOB = 32768;

/** An accepted share waiting for the group commit; the miner hears "true" only after it. */
struct PendingShare {
    std::shared_ptr<Connection> conn;
    JsonValue id;
    std::string worker;
    std::string site;
    double difficulty{0};
    int64_t time{0};
};

struct StratumPool::Impl {
    Impl(NodeContext& n, const PoolOptions& o) : node(n), opts(o) {}
    NodeContext& node;
    PoolOptions opts;
    asio::io_context io;
    tcp::acceptor acceptor{io};
    asio::steady_timer timer{io};
    std::thread thread;
    std::unique_ptr<ShareStore> store;
    std::set<std::shared_ptr<Connection>> conns;  // network thread only
    // job id -> low 64 bits of each accepted share's hash (network thread only); bounded by MAX_SHARES_PER_JOB.
    std::map<std::string, std::unordered_set<uint64_t>> seen;
    std::vector<PendingShare> pending;  // network thread only
    uint32_t next_extranonce1{0};
    uint64_t next_job{1};
    int64_t payout_index{-1};  // descriptor payouts: the next unused child (network thread only)

    mutable std::mutex mutex;  // guards everything below
    std::map<std::string, std::shared_ptr<const Job>> jobs;
    std::deque<std::string> job_order;
    std::string current_job;
    std::string last_job_error;
    size_t connections{0};
    int64_t accepted{0}, rejected{0}, blocks{0}, blocks_rejected{0};
    std::map<std::string, int> connected_workers;

    void Accept();
    void Tick();
    /** New job from the node's template; clean drops every older job (a new tip). */
    void RefreshJob(bool clean);
    std::shared_ptr<const Job> CurrentJob() const
    {
        std::lock_guard lock(mutex);
        auto it = jobs.find(current_job);
        return it == jobs.end() ? nullptr : it->second;
    }
    std::shared_ptr<const Job> FindJob(const std::string& id) const
    {
        std::lock_guard lock(mutex);
        auto it = jobs.find(id);
        return it == jobs.end() ? nullptr : it->second;
    }
    void SubmitBlock(const Job& job, const Submission& sub, const ShareResult& share, const std::string& worker);
    /** Queues an accepted share; the first one schedules CommitPending behind the reads already waiting. */
    void QueueAccepted(PendingShare share);
    /** Group commit: every queued share in one fsynced transaction, then the replies. */
    void CommitPending();
};

struct Connection : std::enable_shared_from_this<Connection> {
    Connection(StratumPool::Impl& p, tcp::socket s) : pool(p), socket(std::move(s)), buffer(MAX_STRATUM_LINE) {}
    StratumPool::Impl& pool;
    tcp::socket socket;
    asio::streambuf buffer;
    std::deque<std::string> out;
    bool closed{false};
    bool subscribed{false};
    std::vector<uint8_t> extranonce1;
    std::set<std::string> workers;  // authorized on this connection
    bool version_rolling{false};
    uint32_t version_mask{0};
    double difficulty{0};
    double prev_difficulty{0};  // shares for jobs sent before the last set_difficulty still count at this one
    // Vardiff state.
    std::chrono::steady_clock::time_point retarget_start{std::chrono::steady_clock::now()};
    int shares_since{0};

    void Read();
    void Send(const JsonValue& msg);
    void Flush();
    void Close();
    void Handle(const std::string& line);
    void Reply(const JsonValue& id, JsonValue result);
    void ReplyError(const JsonValue& id, int code, const std::string& text);
    void SendDifficulty();
    void SendJob(const Job& job, bool clean);
    /** True when the share was accepted and queued (answered after the commit); else code and message say why. */
    bool Submit(const JsonValue& params, const JsonValue& id, int& code, std::string& message);
    void Vardiff(bool share);
    void Retarget(double next)
    {
        next = std::clamp(next, pool.opts.min_difficulty, pool.opts.max_difficulty);
        if (next == difficulty) return;
        prev_difficulty = std::min(prev_difficulty, difficulty);
        difficulty = next;
        SendDifficulty();
    }
};

void Connection::Read()
{
    auto self = shared_from_this();
    asio::async_read_until(socket, buffer, '\n', [self](const boost::system::error_code& ec, size_t n) {
        if (ec) {  // closed, error, or a line longer than the buffer's limit
            self->Close();
            return;
        }
        // Every complete line already received, not only the first: pipelined submissions then share one group
        // commit.
        while (!self->closed && n > 0) {
            std::string line(asio::buffers_begin(self->buffer.data()), asio::buffers_begin(self->buffer.data()) + n);
            self->buffer.consume(n);
            while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
            if (!line.empty()) self->Handle(line);
            const auto data = self->buffer.data();
            const auto end = asio::buffers_end(data);
            const auto nl = std::find(asio::buffers_begin(data), end, '\n');
            n = nl == end ? 0 : static_cast<size_t>(nl - asio::buffers_begin(data)) + 1;
        }
        if (!self->closed) self->Read();
    });
}

void Connection::Send(const JsonValue& msg)
{
    if (closed) return;
    out.push_back(msg.Write() + "\n");
    if (out.size() == 1) Flush();
}

void Connection::Flush()
{
    auto self = shared_from_this();
    asio::async_write(socket, asio::buffer(out.front()), [self](const boost::system::error_code& ec, size_t) {
        if (ec) {
            self->Close();
            return;
        }
        self->out.pop_front();
        if (!self->out.empty()) self->Flush();
    });
}

void Connection::Close()
{
    if (closed) return;
    closed = true;
    boost::system::error_code ec;
    socket.close(ec);
    {
        std::lock_guard lock(pool.mutex);
        --pool.connections;
        for (const std::string& w : workers) {
            if (--pool.connected_workers[w] <= 0) pool.connected_workers.erase(w);
        }
    }
    pool.conns.erase(shared_from_this());
}

void Connection::Reply(const JsonValue& id, JsonValue result)
{
    JsonValue r = JsonValue::Object();
    r.PushKV("id", id);
    r.PushKV("result", std::move(result));
    r.PushKV("error", JsonValue());
    Send(r);
}

void Connection::ReplyError(const JsonValue& id, int code, const std::string& text)
{
    JsonValue err = JsonValue::Array();
    err.PushBack(code);
    err.PushBack(text);
    err.PushBack(JsonValue());
    JsonValue r = JsonValue::Object();
    r.PushKV("id", id);
    r.PushKV("result", JsonValue());
    r.PushKV("error", std::move(err));
    Send(r);
}

void Connection::SendDifficulty()
{
    JsonValue params = JsonValue::Array();
    params.PushBack(Real(difficulty));
    JsonValue n = JsonValue::Object();
    n.PushKV("id", JsonValue());
    n.PushKV("method", "mining.set_difficulty");
    n.PushKV("params", std::move(params));
    Send(n);
}

void Connection::SendJob(const Job& job, bool clean)
{
    JsonValue branch = JsonValue::Array();
    for (const uint256& h : job.branch) branch.PushBack(HexStr(h));
    JsonValue params = JsonValue::Array();
    params.PushBack(job.id);
    params.PushBack(StratumPrevHash(job.block.header.prev_block));
    params.PushBack(HexStr(job.coinb1));
    params.PushBack(HexStr(job.coinb2));
    params.PushBack(std::move(branch));
    params.PushBack(Hex32(static_cast<uint32_t>(job.block.header.version)));
    params.PushBack(Hex32(job.block.header.bits));
    params.PushBack(Hex32(job.block.header.time));
    params.PushBack(clean);
    JsonValue n = JsonValue::Object();
    n.PushKV("id", JsonValue());
    n.PushKV("method", "mining.notify");
    n.PushKV("params", std::move(params));
    Send(n);
    prev_difficulty = difficulty;  // from now on only the current difficulty counts
}

void Connection::Vardiff(bool share)
{
    using namespace std::chrono;
    if (share) ++shares_since;
    const double elapsed = duration<double>(steady_clock::now() - retarget_start).count();
    const double target = pool.opts.target_share_seconds;
    // Retarget after enough shares to measure the rate, or after a long quiet spell (lower the difficulty).
    const bool enough = shares_since >= 8 && elapsed > 0;
    const bool quiet = !share && shares_since == 0 && elapsed >= 4 * target;
    if (!enough && !quiet) return;
    // Seconds per share below the target means too fast: raise the difficulty by target / actual (at most 4x);
    // a quiet connection halves it.
    const double factor = quiet ? 0.5 : std::clamp(target / (elapsed / shares_since), 0.25, 4.0);
    retarget_start = steady_clock::now();
    shares_since = 0;
    if (factor > 0.7 && factor < 1.4) return;
    Retarget(difficulty * factor);
}

bool Connection::Submit(const JsonValue& params, const JsonValue& id, int& code, std::string& message)
{
    auto reject = [&](int c, const char* m) {
        code = c;
        message = m;
        return false;
    };
    if (!IsSubmitShape(params)) return reject(REJECT_OTHER, "Malformed submission");
    if (!subscribed) return reject(REJECT_NOT_SUBSCRIBED, "Not subscribed");
    const std::string worker = params[0].GetValStr();
    std::string site;
    ParseWorker(worker, site);
    const int64_t now = UnixNow();
    auto count_reject = [&](int c, const char* m) {
        {
            std::lock_guard lock(pool.mutex);
            ++pool.rejected;
        }
        if (workers.count(worker)) pool.store->AddRejected(worker, site, now);
        return reject(c, m);
    };
    if (!workers.count(worker)) return count_reject(REJECT_UNAUTHORIZED, "Unauthorized worker");
    SubmitParams p;
    switch (ParseSubmitParams(params, EXTRANONCE2_SIZE, p)) {
    case SubmitParse::OK: break;
    case SubmitParse::BAD_EXTRANONCE2: return count_reject(REJECT_OTHER, "Invalid extranonce2 size");
    case SubmitParse::MALFORMED: return count_reject(REJECT_OTHER, "Malformed submission");
    }
    Submission sub;
    sub.extranonce1 = extranonce1;
    sub.extranonce2 = std::move(p.extranonce2);
    sub.ntime = p.ntime;
    sub.nonce = p.nonce;
    if (p.has_version_bits) {
        // BIP310: only bits inside the negotiated mask may change.
        if (!version_rolling || (p.version_bits & ~version_mask) != 0) {
            return count_reject(REJECT_OTHER, "Invalid version bits");
        }
        sub.version_bits = p.version_bits;
        sub.has_version_bits = true;
    }
    auto job = pool.FindJob(p.job_id);
    if (!job) return count_reject(REJECT_STALE, "Job not found (stale)");
    // ntime may roll forward (at most the two hours a block may be ahead), never below the template's.
    if (sub.ntime < job->block.header.time || sub.ntime > job->block.header.time + 7000) {
        return count_reject(REJECT_OTHER, "ntime out of range");
    }
    const double diff = std::min(difficulty, prev_difficulty > 0 ? prev_difficulty : difficulty);
    const ShareResult r = CheckShare(*job, sub, TargetFromDifficulty(diff));
    auto& seen = pool.seen[job->id];
    // The low bytes of the hash (the high ones are the zeros every share has): a 64-bit key per share.
    uint64_t key = 0;
    std::memcpy(&key, r.hash.data(), sizeof(key));
    if (seen.count(key)) return count_reject(REJECT_DUPLICATE, "Duplicate share");
    if (!r.meets_share && !r.meets_network) return count_reject(REJECT_LOW_DIFFICULTY, "Low difficulty share");
    if (seen.size() >= MAX_SHARES_PER_JOB && !r.meets_network) {
        // The job has had its share of shares: hand out a fresh one (a block still counts, whatever the job).
        if (auto current = pool.CurrentJob(); current && current->id == job->id) pool.RefreshJob(false);
        return count_reject(REJECT_STALE, "Job full (stale)");
    }
    seen.insert(key);
    // Credit the difficulty the connection is at (the one the miner was asked for).
    pool.QueueAccepted(PendingShare{shared_from_this(), id, worker, site, diff, now});
    if (r.meets_network) pool.SubmitBlock(*job, sub, r, worker);
    Vardiff(true);
    return true;
}

void Connection::Handle(const std::string& line)
{
    JsonValue bad_id;
    auto msg = ParseStratumRequest(line, &bad_id);
    if (!msg) return ReplyError(bad_id, REJECT_OTHER, "Malformed request");
    const JsonValue& id = msg->id;
    const std::string& method = msg->method;
    const JsonValue& params = msg->params;
    auto error = [&](int code, const std::string& text) { ReplyError(id, code, text); };
    if (method == "mining.subscribe") {
        const std::string en1 = HexStr(extranonce1);
        JsonValue subs = JsonValue::Array();
        for (const char* m : {"mining.set_difficulty", "mining.notify"}) {
            JsonValue s = JsonValue::Array();
            s.PushBack(m);
            s.PushBack(en1);
            subs.PushBack(std::move(s));
        }
        JsonValue result = JsonValue::Array();
        result.PushBack(std::move(subs));
        result.PushBack(en1);
        result.PushBack(static_cast<int>(EXTRANONCE2_SIZE));
        Reply(id, std::move(result));
        subscribed = true;
        SendDifficulty();
        if (auto job = pool.CurrentJob()) SendJob(*job, true);
    } else if (method == "mining.authorize") {
        if (!params.IsArray() || params.size() < 1 || !params[0].IsStr()) return error(REJECT_OTHER, "Malformed request");
        const std::string worker = params[0].GetValStr();
        std::string site;
        if (!ParseWorker(worker, site)) return error(REJECT_UNAUTHORIZED, "Unauthorized worker");
        if (workers.insert(worker).second) {
            std::lock_guard lock(pool.mutex);
            ++pool.connected_workers[worker];
        }
        Reply(id, true);
    } else if (method == "mining.configure") {
        // BIP310: [[extensions], {parameters}]; we support version-rolling and answer false to the rest.
        if (!params.IsArray() || params.size() < 1 || !params[0].IsArray()) return error(REJECT_OTHER, "Malformed request");
        const JsonValue& opts = params.size() > 1 ? params[1] : JsonValue();
        JsonValue result = JsonValue::Object();
        for (size_t i = 0; i < params[0].size(); ++i) {
            if (!params[0][i].IsStr()) continue;
            const std::string& ext = params[0][i].GetValStr();
            if (ext == "version-rolling") {
                uint32_t requested = 0xffffffff;
                const JsonValue& m = opts["version-rolling.mask"];
                if (m.IsStr()) {
                    auto v = ParseVersionMask(m);
                    if (!v) return error(REJECT_OTHER, "Malformed request");
                    requested = *v;
                }
                version_mask = requested & VERSION_ROLLING_MASK;
                version_rolling = true;
                result.PushKV("version-rolling", true);
                result.PushKV("version-rolling.mask", Hex32(version_mask));
            } else {
                result.PushKV(ext, false);
            }
        }
        Reply(id, std::move(result));
    } else if (method == "mining.suggest_difficulty") {
        const auto suggested = ParseSuggestedDifficulty(params);
        if (!suggested) return error(REJECT_OTHER, "Malformed request");
        const double d = *suggested;
        prev_difficulty = 0;
        difficulty = 0;  // force a set_difficulty even when unchanged
        Retarget(d);
        prev_difficulty = difficulty;  // the old difficulty no longer counts: the miner asked for this one
        retarget_start = std::chrono::steady_clock::now();
        shares_since = 0;
        Reply(id, true);
    } else if (method == "mining.extranonce.subscribe") {
        Reply(id, true);
    } else if (method == "mining.submit") {
        int code = 0;
        std::string text;
        if (Submit(params, id, code, text)) return;  // answered after the group commit
        error(code, text);
    } else {
        error(REJECT_OTHER, "Unknown method");
    }
}

void StratumPool::Impl::Accept()
{
    acceptor.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
        if (ec) {
            if (ec == asio::error::operation_aborted) return;
            Accept();
            return;
        }
        auto c = std::make_shared<Connection>(*this, std::move(socket));
        // Unique per connection: a counter mixed so neighbouring connections differ in every byte.
        const uint32_t en1 = (next_extranonce1++) * 0x9e3779b1u;
        c->extranonce1 = {uint8_t(en1 >> 24), uint8_t(en1 >> 16), uint8_t(en1 >> 8), uint8_t(en1)};
        c->difficulty = c->prev_difficulty = opts.start_difficulty;
        conns.insert(c);
        {
            std::lock_guard lock(mutex);
            ++connections;
        }
        c->Read();
        Accept();
    });
}

void StratumPool::Impl::RefreshJob(bool clean)
{
    ChainstateManager& cm = *node.chainman;
    std::string error;
    Script payout = opts.payout_script;
    std::string payout_address = opts.payout_address;
    bool derived = true;
    if (opts.payout_descriptor) {
        // Pays the next child no found block has used; it advances when a block pays it (SubmitBlock), so the
        // addresses stay gap-free for the wallet that watches the descriptor.
        derived = DerivePayout(*opts.payout_descriptor, payout_index, node.params->chain, payout, payout_address);
        if (!derived) error = "cannot derive payout index " + std::to_string(payout_index) + " of the descriptor";
    }
    auto tmpl = derived ? CreateNewBlockFromMempool(cm, node.mempool.get(), payout, &error) : std::nullopt;
    std::optional<Job> job;
    if (tmpl) {
        char id[17];
        std::snprintf(id, sizeof(id), "%llx", static_cast<unsigned long long>(next_job++));
        job = MakeJob(id, tmpl->block, tmpl->height, opts.coinbase_tag, &error);
    }
    if (job) {
        job->payout_index = opts.payout_descriptor ? payout_index : -1;
        job->payout_address = payout_address;
    }
    if (!job) {
        std::lock_guard lock(mutex);
        last_job_error = error;
        LogPrintf("pool: cannot build a job: %s\n", error.c_str());
        return;
    }
    auto shared = std::make_shared<const Job>(std::move(*job));
    {
        std::lock_guard lock(mutex);
        if (!clean && !current_job.empty()) {
            auto it = jobs.find(current_job);
            // Same tip: keep older jobs valid (a few), a new tip: every older job is stale.
            if (it != jobs.end() && it->second->block.header.prev_block != shared->block.header.prev_block) clean = true;
        }
        if (clean) {
            jobs.clear();
            job_order.clear();
        }
        jobs[shared->id] = shared;
        job_order.push_back(shared->id);
        while (job_order.size() > 8) {
            jobs.erase(job_order.front());
            job_order.pop_front();
        }
        current_job = shared->id;
        last_job_error.clear();
    }
    for (auto it = seen.begin(); it != seen.end();) {
        if (!FindJob(it->first)) {
            it = seen.erase(it);
        } else {
            ++it;
        }
    }
    for (const auto& c : std::set<std::shared_ptr<Connection>>(conns)) {
        if (c->subscribed) c->SendJob(*shared, clean);
    }
}

void StratumPool::Impl::Tick()
{
    timer.expires_after(std::chrono::seconds(opts.job_refresh_seconds));
    timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        for (const auto& c : std::set<std::shared_ptr<Connection>>(conns)) {
            if (c->subscribed) c->Vardiff(false);
        }
        RefreshJob(false);
        Tick();
    });
}

void StratumPool::Impl::SubmitBlock(const Job& job, const Submission& sub, const ShareResult& share,
                                    const std::string& worker)
{
    auto block = std::make_shared<const Block>(AssembleBlock(job, sub, share.header));
    if (job.payout_index >= 0) {
        // Record the child as used before the block can reach anyone: a restart must never pay it again.
        if (!store->UsePayoutIndex(opts.payout_descriptor_key, job.payout_index)) {
            LogPrintf("pool: could not record payout index %lld as used\n", static_cast<long long>(job.payout_index));
        }
        payout_index = std::max(payout_index, job.payout_index + 1);
    }
    BlockValidationState state;
    bool new_block = false;
    const bool ok = node.chainman->ProcessNewBlock(block, true, true, &new_block, &state);
    std::string error;
    if (ok) node.chainman->MakeBlocksDurable(&error);
    LogPrintf("pool: block %s at height %d from %s %s%s\n", share.hash.GetHex().c_str(), job.height, worker.c_str(),
              ok ? "accepted" : "rejected: ", ok ? "" : state.ToString().c_str());
    {
        std::lock_guard lock(mutex);
        ++(ok ? blocks : blocks_rejected);
    }
    std::string site;
    ParseWorker(worker, site);
    store->AddBlock(FoundBlock{share.hash.GetHex(), job.height, worker, UnixNow(), ok, site});
}

void StratumPool::Impl::QueueAccepted(PendingShare share)
{
    if (pending.empty()) asio::post(io, [this] { CommitPending(); });
    pending.push_back(std::move(share));
}

void StratumPool::Impl::CommitPending()
{
    std::vector<PendingShare> batch;
    batch.swap(pending);
    if (batch.empty()) return;
    std::vector<AcceptedShare> records;
    records.reserve(batch.size());
    for (const PendingShare& p : batch) records.push_back(AcceptedShare{p.worker, p.site, p.difficulty, p.time});
    const bool ok = store->AddAcceptedBatch(records);
    {
        std::lock_guard lock(mutex);
        (ok ? accepted : rejected) += static_cast<int64_t>(batch.size());
    }
    for (const PendingShare& p : batch) {
        if (ok) {
            p.conn->Reply(p.id, true);
        } else {
            store->AddRejected(p.worker, p.site, p.time);
            p.conn->ReplyError(p.id, REJECT_OTHER, "Share could not be recorded");
        }
    }
}

std::unique_ptr<StratumPool> StratumPool::Start(NodeContext& node, const PoolOptions& options, std::string* error)
{
    std::unique_ptr<StratumPool> pool(new StratumPool());
    pool->m_impl = std::make_unique<Impl>(node, options);
    Impl& impl = *pool->m_impl;
    impl.store = ShareStore::Open(options.db_file, error, std::max<int64_t>(options.pplns_window * 10, 100000));
    if (!impl.store) return nullptr;
    if (options.payout_descriptor) {
        auto next = impl.store->NextPayoutIndex(options.payout_descriptor_key);
        if (!next) {
            *error = "cannot read the payout index from the pool database";
            return nullptr;
        }
        impl.payout_index = *next;
    }
    try {
        tcp::endpoint ep(asio::ip::make_address(options.bind), options.port);
        impl.acceptor.open(ep.protocol());
        impl.acceptor.set_option(asio::socket_base::reuse_address(true));
        impl.acceptor.bind(ep);
        impl.acceptor.listen();
        pool->m_port = impl.acceptor.local_endpoint().port();
    } catch (const std::exception& e) {
        *error = "Cannot listen for Stratum on " + options.bind + ":" + std::to_string(options.port) + ": " + e.what();
        return nullptr;
    }
    impl.RefreshJob(true);
    impl.Accept();
    impl.Tick();
    impl.thread = std::thread([&impl] {
        // A handler that throws must not take the node down: log it and keep serving.
        while (true) {
            try {
                impl.io.run();
                return;
            } catch (const std::exception& e) {
                LogPrintf("pool: network thread error: %s\n", e.what());
            }
        }
    });
    node.notifications->Register(pool.get());
    LogPrintf("Stratum pool listening on %s:%u, paying %s%s\n", options.bind.c_str(), pool->m_port,
              options.payout_address.c_str(),
              options.payout_descriptor ? (" from index " + std::to_string(impl.payout_index)).c_str() : "");
    return pool;
}

void StratumPool::Stop()
{
    if (!m_impl || !m_impl->thread.joinable()) return;
    m_impl->node.notifications->Unregister(this);
    Impl& impl = *m_impl;
    asio::post(impl.io, [&impl] {
        boost::system::error_code ec;
        impl.acceptor.close(ec);
        impl.timer.cancel();
        for (const auto& c : std::set<std::shared_ptr<Connection>>(impl.conns)) c->Close();
    });
    impl.thread.join();
}

StratumPool::~StratumPool() { Stop(); }

void StratumPool::UpdatedBlockTip(const BlockIndex&, const BlockIndex*, bool)
{
    // Called with the chainstate lock held (maybe from our own network thread): build the job later, on it.
    Impl* impl = m_impl.get();
    asio::post(impl->io, [impl] { impl->RefreshJob(true); });
}

JsonValue StratumPool::Info() const
{
    const Impl& impl = *m_impl;
    JsonValue r = JsonValue::Object();
    std::lock_guard lock(impl.mutex);
    r.PushKV("port", static_cast<int>(m_port));
    r.PushKV("bind", impl.opts.bind);
    r.PushKV("payout_address", impl.opts.payout_address);
    r.PushKV("coinbase_tag", impl.opts.coinbase_tag);
    r.PushKV("connections", static_cast<uint64_t>(impl.connections));
    r.PushKV("workers_connected", static_cast<uint64_t>(impl.connected_workers.size()));
    auto it = impl.jobs.find(impl.current_job);
    if (it != impl.jobs.end()) {
        r.PushKV("job", it->first);
        r.PushKV("height", it->second->height);
        r.PushKV("network_difficulty", Real(DifficultyFromTarget(it->second->network_target)));
        r.PushKV("transactions", static_cast<uint64_t>(it->second->block.vtx.size() - 1));
        r.PushKV("job_payout_address", it->second->payout_address);
        if (it->second->payout_index >= 0) r.PushKV("job_payout_index", it->second->payout_index);
    }
    if (impl.opts.payout_descriptor) r.PushKV("payout_descriptor", impl.opts.payout_descriptor_key);
    if (!impl.last_job_error.empty()) r.PushKV("job_error", impl.last_job_error);
    r.PushKV("start_difficulty", Real(impl.opts.start_difficulty));
    r.PushKV("min_difficulty", Real(impl.opts.min_difficulty));
    r.PushKV("share_target_seconds", Real(impl.opts.target_share_seconds));
    r.PushKV("session_accepted", impl.accepted);
    r.PushKV("session_rejected", impl.rejected);
    r.PushKV("session_blocks", impl.blocks);
    r.PushKV("session_blocks_rejected", impl.blocks_rejected);
    // Lifetime totals and per-site sums from the database.
    int64_t accepted = 0, rejected = 0, blocks = 0;
    double hashrate = 0;
    std::map<std::string, WorkerStats> sites;
    for (const WorkerStats& w : impl.store->Workers(UnixNow(), impl.opts.hashrate_window_seconds)) {
        accepted += w.accepted;
        rejected += w.rejected;
        blocks += w.blocks;
        hashrate += w.hashrate;
        WorkerStats& s = sites[w.site];
        s.accepted += w.accepted;
        s.rejected += w.rejected;
        s.blocks += w.blocks;
        s.hashrate += w.hashrate;
        s.accepted_work += w.accepted_work;
    }
    r.PushKV("accepted", accepted);
    r.PushKV("rejected", rejected);
    r.PushKV("blocks", blocks);
    r.PushKV("hashrate", Real(hashrate));
    JsonValue sj = JsonValue::Object();
    for (const auto& [name, s] : sites) {
        JsonValue o = JsonValue::Object();
        o.PushKV("accepted", s.accepted);
        o.PushKV("rejected", s.rejected);
        o.PushKV("accepted_work", Real(s.accepted_work));
        o.PushKV("hashrate", Real(s.hashrate));
        o.PushKV("blocks", s.blocks);
        sj.PushKV(name, std::move(o));
    }
    r.PushKV("sites", std::move(sj));
    return r;
}

JsonValue StratumPool::Workers() const
{
    const Impl& impl = *m_impl;
    std::map<std::string, int> connected;
    {
        std::lock_guard lock(impl.mutex);
        connected = impl.connected_workers;
    }
    JsonValue arr = JsonValue::Array();
    for (const WorkerStats& w : impl.store->Workers(UnixNow(), impl.opts.hashrate_window_seconds)) {
        JsonValue o = JsonValue::Object();
        o.PushKV("worker", w.worker);
        o.PushKV("site", w.site);
        o.PushKV("machine", w.worker.size() > w.site.size() ? w.worker.substr(w.site.size() + 1) : "");
        o.PushKV("connected", connected.count(w.worker) > 0);
        o.PushKV("accepted", w.accepted);
        o.PushKV("rejected", w.rejected);
        o.PushKV("accepted_work", Real(w.accepted_work));
        o.PushKV("hashrate", Real(w.hashrate));
        o.PushKV("blocks", w.blocks);
        o.PushKV("last_share_time", w.last_share_time);
        arr.PushBack(std::move(o));
    }
    return arr;
}

JsonValue StratumPool::Shares(int64_t count) const
{
    const Impl& impl = *m_impl;
    if (count <= 0) count = impl.opts.pplns_window;
    const auto window = impl.store->Window(count);
    double total = 0;
    int64_t shares = 0;
    for (const WindowEntry& e : window) {
        total += e.difficulty;
        shares += e.shares;
    }
    JsonValue r = JsonValue::Object();
    r.PushKV("window", count);
    r.PushKV("shares", shares);
    r.PushKV("total_difficulty", Real(total));
    JsonValue workers = JsonValue::Object();
    for (const WindowEntry& e : window) {
        JsonValue o = JsonValue::Object();
        o.PushKV("shares", e.shares);
        o.PushKV("difficulty", Real(e.difficulty));
        o.PushKV("fraction", Real(total > 0 ? e.difficulty / total : 0));
        workers.PushKV(e.worker, std::move(o));
    }
    r.PushKV("workers", std::move(workers));
    JsonValue blocks = JsonValue::Array();
    for (const FoundBlock& b : impl.store->Blocks()) {
        JsonValue o = JsonValue::Object();
        o.PushKV("hash", b.hash);
        o.PushKV("height", b.height);
        o.PushKV("worker", b.worker);
        o.PushKV("time", b.time);
        o.PushKV("accepted", b.accepted);
        blocks.PushBack(std::move(o));
    }
    r.PushKV("blocks", std::move(blocks));
    return r;
}

JsonValue StratumPool::Panel() const
{
    const Impl& impl = *m_impl;
    const int64_t now = UnixNow();
    std::map<std::string, int> connected;
    JsonValue r = JsonValue::Object();
    double network_difficulty = 0;
    int height = 0;
    {
        std::lock_guard lock(impl.mutex);
        connected = impl.connected_workers;
        auto it = impl.jobs.find(impl.current_job);
        if (it != impl.jobs.end()) {
            network_difficulty = DifficultyFromTarget(it->second->network_target);
            height = it->second->height;
        }
        r.PushKV("connections", static_cast<uint64_t>(impl.connections));
        r.PushKV("workers_connected", static_cast<uint64_t>(impl.connected_workers.size()));
    }
    struct Site {
        int workers{0}, connected{0};
        int64_t accepted{0}, rejected{0}, blocks{0};
        double hashrate{0};
    };
    std::map<std::string, Site> sites;
    int64_t accepted = 0, rejected = 0, blocks = 0;
    double hashrate = 0;
    for (const WorkerStats& w : impl.store->Workers(now, impl.opts.hashrate_window_seconds)) {
        Site& s = sites[w.site];
        ++s.workers;
        s.connected += connected.count(w.worker) > 0;
        s.accepted += w.accepted;
        s.rejected += w.rejected;
        s.blocks += w.blocks;
        s.hashrate += w.hashrate;
        accepted += w.accepted;
        rejected += w.rejected;
        blocks += w.blocks;
        hashrate += w.hashrate;
    }
    r.PushKV("hashrate", Real(hashrate));
    r.PushKV("accepted", accepted);
    r.PushKV("rejected", rejected);
    r.PushKV("blocks", blocks);
    r.PushKV("height", height);
    r.PushKV("network_difficulty", Real(network_difficulty));
    JsonValue sj = JsonValue::Object();
    for (const auto& [name, s] : sites) {
        JsonValue o = JsonValue::Object();
        o.PushKV("workers", s.workers);
        o.PushKV("connected", s.connected);
        o.PushKV("hashrate", Real(s.hashrate));
        o.PushKV("accepted", s.accepted);
        o.PushKV("rejected", s.rejected);
        o.PushKV("blocks", s.blocks);
        sj.PushKV(name, std::move(o));
    }
    r.PushKV("sites", std::move(sj));
    if (impl.opts.plan_megawatts <= 0 || network_difficulty <= 0) {
        r.PushKV("plan", JsonValue());
        return r;
    }
    planner::SiteInputs site;
    site.megawatts = impl.opts.plan_megawatts;
    site.efficiency_j_per_th = impl.opts.plan_efficiency_j_per_th;
    site.machine_th = impl.opts.plan_machine_th;
    planner::ChainInputs chain;
    chain.difficulty = network_difficulty;
    chain.height = height;
    chain.target_spacing_s = static_cast<double>(impl.node.params->consensus.pow_target_spacing);
    const ConsensusParams& params = impl.node.params->consensus;
    chain.subsidy_at = [&params](int h) { return GetBlockSubsidy(h, params); };
    const planner::PlanResult plan = planner::MakePlan(site, chain, planner::ScenarioInputs{});
    if (!plan.plan) {
        r.PushKV("plan", JsonValue());
        r.PushKV("plan_error", plan.error);
        return r;
    }
    int64_t last_day = 0;
    for (const FoundBlock& b : impl.store->Blocks()) last_day += b.accepted && b.time >= now - 86400;
    const double expected = plan.plan->summary.hashrate_ths * 1e12;
    JsonValue pj = JsonValue::Object();
    pj.PushKV("megawatts", Real(site.megawatts));
    pj.PushKV("efficiency_j_per_th", Real(site.efficiency_j_per_th));
    pj.PushKV("machines", plan.plan->summary.machine_count);
    pj.PushKV("expected_hashrate", Real(expected));
    pj.PushKV("measured_hashrate", Real(hashrate));
    pj.PushKV("hashrate_ratio", expected > 0 ? Real(hashrate / expected) : JsonValue());
    pj.PushKV("expected_blocks_per_day", Real(plan.plan->summary.blocks_per_day));
    pj.PushKV("measured_blocks_last_day", last_day);
    r.PushKV("plan", std::move(pj));
    return r;
}

}  // namespace pool
