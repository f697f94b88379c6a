// Stratum v1 server (see pool.h). Every connection's state lives on the one network thread; the shared parts that
// RPC reads (jobs, counters) are guarded by Impl::mutex. Blocks go to ProcessNewBlock without that lock held.
#include "pool/pool.h"

#include "address/destination.h"
#include "node/miner.h"
#include "util/args.h"
#include "util/hex.h"
#include "util/logging.h"

#include <boost/asio.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
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
    args.AddArg("-stratumpayout=<address>", "Address the pool's coinbase pays (required with -stratum)",
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
    o.payout_address = args.GetArg("-stratumpayout", "");
    if (o.payout_address.empty()) {
        *error = "-stratum needs -stratumpayout=<address> (where the coinbase pays)";
        return false;
    }
    std::string derr;
    const Destination dest = DecodeDestination(o.payout_address, node.params->chain, &derr);
    if (!IsValidDestination(dest)) {
        *error = "Invalid -stratumpayout address '" + o.payout_address + "'" + (derr.empty() ? "" : ": " + derr);
        return false;
    }
    o.payout_script = GetScriptForDestination(dest);
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
    return true;
}

struct Connection;

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
    std::map<std::string, std::unordered_set<std::string>> seen;  // job id -> share hashes (network thread only)
    uint32_t next_extranonce1{0};
    uint64_t next_job{1};

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
};

struct Connection : std::enable_shared_from_this<Connection> {
    Connection(StratumPool::Impl& p, tcp::socket s) : pool(p), socket(std::move(s)), buffer(16 * 1024) {}
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
    void SendDifficulty();
    void SendJob(const Job& job, bool clean);
    JsonValue Submit(const JsonValue& params, int& code, std::string& message);
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
        std::string line(asio::buffers_begin(self->buffer.data()), asio::buffers_begin(self->buffer.data()) + n);
        self->buffer.consume(n);
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
        if (!line.empty()) self->Handle(line);
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

JsonValue Connection::Submit(const JsonValue& params, int& code, std::string& message)
{
    auto reject = [&](int c, const char* m) {
        code = c;
        message = m;
        return JsonValue();
    };
    if (!params.IsArray() || params.size() < 5 || params.size() > 6) return reject(REJECT_OTHER, "Malformed submission");
    for (size_t i = 0; i < params.size(); ++i) {
        if (!params[i].IsStr()) return reject(REJECT_OTHER, "Malformed submission");
    }
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
    Submission sub;
    sub.extranonce1 = extranonce1;
    auto en2 = TryParseHex(params[2].GetValStr());
    auto ntime = ParseHex32(params[3].GetValStr());
    auto nonce = ParseHex32(params[4].GetValStr());
    if (!en2 || en2->size() != EXTRANONCE2_SIZE) return count_reject(REJECT_OTHER, "Invalid extranonce2 size");
    if (!ntime || !nonce) return count_reject(REJECT_OTHER, "Malformed submission");
    sub.extranonce2 = std::move(*en2);
    sub.ntime = *ntime;
    sub.nonce = *nonce;
    if (params.size() == 6) {
        auto bits = ParseHex32(params[5].GetValStr());
        if (!bits) return count_reject(REJECT_OTHER, "Malformed submission");
        // BIP310: only bits inside the negotiated mask may change.
        if (!version_rolling || (*bits & ~version_mask) != 0) return count_reject(REJECT_OTHER, "Invalid version bits");
        sub.version_bits = *bits;
        sub.has_version_bits = true;
    }
    auto job = pool.FindJob(params[1].GetValStr());
    if (!job) return count_reject(REJECT_STALE, "Job not found (stale)");
    // ntime may roll forward (at most the two hours a block may be ahead), never below the template's.
    if (sub.ntime < job->block.header.time || sub.ntime > job->block.header.time + 7000) {
        return count_reject(REJECT_OTHER, "ntime out of range");
    }
    const double diff = std::min(difficulty, prev_difficulty > 0 ? prev_difficulty : difficulty);
    const ShareResult r = CheckShare(*job, sub, TargetFromDifficulty(diff));
    auto& seen = pool.seen[job->id];
    const std::string key = r.hash.GetHex();
    if (seen.count(key)) return count_reject(REJECT_DUPLICATE, "Duplicate share");
    if (!r.meets_share && !r.meets_network) return count_reject(REJECT_LOW_DIFFICULTY, "Low difficulty share");
    seen.insert(key);
    // Credit the difficulty the connection is at (the one the miner was asked for).
    if (!pool.store->AddAccepted(worker, site, diff, now)) {
        return count_reject(REJECT_OTHER, "Share could not be recorded");
    }
    {
        std::lock_guard lock(pool.mutex);
        ++pool.accepted;
    }
    if (r.meets_network) pool.SubmitBlock(*job, sub, r, worker);
    Vardiff(true);
    return JsonValue(true);
}

void Connection::Handle(const std::string& line)
{
    auto msg = JsonValue::Parse(line);
    if (!msg || !msg->IsObject() || !(*msg)["method"].IsStr()) {
        JsonValue err = JsonValue::Array();
        err.PushBack(REJECT_OTHER);
        err.PushBack("Malformed request");
        err.PushBack(JsonValue());
        JsonValue r = JsonValue::Object();
        r.PushKV("id", msg && msg->IsObject() ? (*msg)["id"] : JsonValue());
        r.PushKV("result", JsonValue());
        r.PushKV("error", std::move(err));
        Send(r);
        return;
    }
    const JsonValue& id = (*msg)["id"];
    const std::string& method = (*msg)["method"].GetValStr();
    const JsonValue& params = (*msg)["params"];
    auto error = [&](int code, const std::string& text) {
        JsonValue err = JsonValue::Array();
        err.PushBack(code);
        err.PushBack(text);
        err.PushBack(JsonValue());
        JsonValue r = JsonValue::Object();
        r.PushKV("id", id);
        r.PushKV("result", JsonValue());
        r.PushKV("error", std::move(err));
        Send(r);
    };
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
                    std::string padded = m.GetValStr();
                    if (padded.size() < 8) padded.insert(0, 8 - padded.size(), '0');
                    auto v = ParseHex32(padded);
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
        bool ok = params.IsArray() && params.size() >= 1 && params[0].IsNum();
        double d = ok ? ParseDouble(params[0].GetValStr(), &ok) : 0;
        if (!ok || !(d > 0)) return error(REJECT_OTHER, "Malformed request");
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
        JsonValue result = Submit(params, code, text);
        if (code) return error(code, text);
        Reply(id, std::move(result));
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
    auto tmpl = CreateNewBlockFromMempool(cm, node.mempool.get(), opts.payout_script, &error);
    std::optional<Job> job;
    if (tmpl) {
        char id[17];
        std::snprintf(id, sizeof(id), "%llx", static_cast<unsigned long long>(next_job++));
        job = MakeJob(id, tmpl->block, tmpl->height, opts.coinbase_tag, &error);
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
    store->AddBlock(FoundBlock{share.hash.GetHex(), job.height, worker, UnixNow(), ok});
}

std::unique_ptr<StratumPool> StratumPool::Start(NodeContext& node, const PoolOptions& options, std::string* error)
{
    std::unique_ptr<StratumPool> pool(new StratumPool());
    pool->m_impl = std::make_unique<Impl>(node, options);
    Impl& impl = *pool->m_impl;
    impl.store = ShareStore::Open(options.db_file, error, std::max<int64_t>(options.pplns_window * 10, 100000));
    if (!impl.store) return nullptr;
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
    LogPrintf("Stratum pool listening on %s:%u, paying %s\n", options.bind.c_str(), pool->m_port,
              options.payout_address.c_str());
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
    }
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

}  // namespace pool
