// Transparency dashboard; see dashboard.h.
#include "web/dashboard.h"

#include "custody/policy.h"
#include "json/json_value.h"
#include "ledger/ledger_json.h"
#include "util/hex.h"
#include "util/strencodings.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

namespace {
constexpr size_t MAX_FAILED_LOGINS_PER_MINUTE = 5;

std::string RandomHex(size_t bytes)
{
    std::vector<uint8_t> b(bytes);
    RAND_bytes(b.data(), static_cast<int>(b.size()));
    return HexStr(b);
}

bool ConstantTimeEqual(const std::string& a, const std::string& b)
{
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

JsonValue OptionalNumber(const std::optional<int64_t>& v) { return v ? JsonValue(*v) : JsonValue(); }

WebResponse Asset(std::string_view name)
{
    const auto* a = FindWebAsset(name);
    if (!a) return WebResponse::Error(404, "not found");
    WebResponse r;
    r.content_type = std::string(a->first);
    r.body = std::string(a->second);
    r.headers.emplace_back("Cache-Control", "no-cache");
    return r;
}
}  // namespace

Dashboard::Dashboard(DashboardOptions options, DashboardSources sources)
    : m_opts(std::move(options)), m_src(std::move(sources))
{
}

WebResponse Dashboard::Handle(const WebRequest& req)
{
    if (req.method != "GET" && req.method != "POST") return WebResponse::Error(405, "method not allowed");
    if (req.method == "GET") {
        if (req.path == "/" || req.path == "/index.html") return Asset("index.html");
        if (req.path == "/operator") return Asset("operator.html");
        if (req.path.rfind("/assets/", 0) == 0) return Asset(std::string_view(req.path).substr(8));
        if (req.path == "/api/public") return PublicJson();
        if (req.path == "/api/pool") return PoolJson();
        if (req.path.rfind("/proofs/", 0) == 0 && m_src.proofs) {
            const auto all = m_src.proofs();
            auto it = all.find(req.path.substr(8));
            if (it == all.end()) return WebResponse::Error(404, "no such proof");
            WebResponse r = WebResponse::Json(it->second);
            r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + it->first + ".json\"");
            return r;
        }
        if (req.path.rfind("/api/operator/", 0) == 0) return Operator(req);
        return WebResponse::Error(404, "not found");
    }
    if (req.path == "/api/login") return Login(req);
    if (req.path == "/api/verify") return VerifyProof(req);
    if (req.path == "/api/logout") {
        if (!Authenticate(req, true)) return WebResponse::Error(403, "not signed in");
        std::lock_guard lock(m_mutex);
        m_sessions.erase(req.Cookie("sov_session"));
        WebResponse r = WebResponse::Json("{}");
        r.headers.emplace_back("Set-Cookie", "sov_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
        return r;
    }
    if (req.path.rfind("/api/operator/", 0) == 0) return Operator(req);
    return WebResponse::Error(404, "not found");
}

void Dashboard::SetPoolSource(std::function<JsonValue()> source)
{
    std::lock_guard lock(m_mutex);
    m_pool = std::move(source);
}

WebResponse Dashboard::PoolJson()
{
    std::function<JsonValue()> source;
    {
        std::lock_guard lock(m_mutex);
        source = m_pool;
    }
    if (!source) return WebResponse::Error(404, "the mining pool is not running (-stratum)");
    return WebResponse::Json(source().Write());
}

WebResponse Dashboard::PublicJson()
{
    JsonValue j = JsonValue::Object();
    j.PushKV("institution", m_opts.institution);
    j.PushKV("currency", m_opts.currency);
    j.PushKV("chain", m_src.chain ? m_src.chain() : JsonValue::Object());
    const std::string today = DateOf(m_src.now());
    j.PushKV("holdings", m_src.ledger ? PnlReportToJson(m_src.ledger->Report(m_opts.cost_method, today, m_opts.currency))
                                      : PnlReportToJson(PnlReport{}));
    JsonValue series = JsonValue::Array();
    if (m_src.ledger) {
        for (const HoldingPoint& p : m_src.ledger->HoldingsOverTime(m_opts.cost_method, m_opts.currency)) {
            JsonValue x = PnlReportToJson(p.report);
            x.PushKV("date", p.date);
            x.PushKV("time", *ParseDate(p.date));
            series.PushBack(std::move(x));
        }
    }
    j.PushKV("series", std::move(series));
    JsonValue descs = JsonValue::Array();
    for (const auto& d : m_opts.descriptors) descs.PushBack(d);
    j.PushKV("descriptors", std::move(descs));
    JsonValue proofs = JsonValue::Array();
    if (m_src.proofs) {
        for (const auto& [name, text] : m_src.proofs()) {
            auto doc = JsonValue::Parse(text);
            if (!doc || !doc->IsObject()) continue;
            JsonValue p = JsonValue::Object();
            p.PushKV("name", name);
            p.PushKV("institution", (*doc)["institution"].GetValStr());
            p.PushKV("date", (*doc)["date"].GetValStr());
            p.PushKV("height", (*doc)["height"]);
            p.PushKV("claimed_sat", (*doc)["claimed_sat"]);
            if ((*doc)["liabilities"].IsObject()) p.PushKV("liabilities_sat", (*doc)["liabilities"]["total"]);
            proofs.PushBack(std::move(p));
        }
    }
    j.PushKV("proofs", std::move(proofs));
    return WebResponse::Json(j.Write());
}

WebResponse Dashboard::VerifyProof(const WebRequest& req)
{
    if (!m_src.proofs || !m_src.verify_proof) return WebResponse::Error(404, "proof verification is not available");
    const int64_t now = m_src.now();
    {
        // Verification checks every signature: bound what the public can ask for.
        std::lock_guard lock(m_mutex);
        std::erase_if(m_verifications, [&](int64_t t) { return t < now - 60; });
        if (m_verifications.size() >= 30) return WebResponse::Error(429, "too many verifications; try again in a minute");
        m_verifications.push_back(now);
    }
    auto body = JsonValue::Parse(req.body);
    if (!body || !body->IsObject() || !(*body)["name"].IsStr()) return WebResponse::Error(400, "expected {\"name\": ...}");
    const auto all = m_src.proofs();
    auto it = all.find((*body)["name"].GetValStr());
    if (it == all.end()) return WebResponse::Error(404, "no such proof");
    try {
        return WebResponse::Json(m_src.verify_proof(it->second).Write());
    } catch (const std::exception& e) {
        return WebResponse::Error(422, e.what());
    }
}

WebResponse Dashboard::Login(const WebRequest& req)
{
    if (m_opts.operator_password.empty()) return WebResponse::Error(403, "the operator view is disabled on this node");
    const int64_t now = m_src.now();
    {
        std::lock_guard lock(m_mutex);
        std::erase_if(m_failed_logins, [&](int64_t t) { return t < now - 60; });
        if (m_failed_logins.size() >= MAX_FAILED_LOGINS_PER_MINUTE) {
            return WebResponse::Error(429, "too many failed sign-ins; wait a minute");
        }
    }
    auto body = JsonValue::Parse(req.body);
    if (!body || !body->IsObject() || !(*body)["password"].IsStr()) return WebResponse::Error(400, "expected {\"password\": ...}");
    if (!ConstantTimeEqual((*body)["password"].GetValStr(), m_opts.operator_password)) {
        std::lock_guard lock(m_mutex);
        m_failed_logins.push_back(now);
        return WebResponse::Error(401, "wrong password");
    }
    const std::string token = RandomHex(32);
    Session s{RandomHex(32), now + m_opts.session_seconds};
    {
        std::lock_guard lock(m_mutex);
        std::erase_if(m_sessions, [&](const auto& kv) { return kv.second.expires <= now; });
        m_sessions[token] = s;
    }
    WebResponse r = WebResponse::Json("{\"csrf\":\"" + s.csrf + "\"}");
    r.headers.emplace_back("Set-Cookie", "sov_session=" + token + "; Path=/; Max-Age=" +
                                             std::to_string(m_opts.session_seconds) + "; HttpOnly; SameSite=Strict");
    return r;
}

const Dashboard::Session* Dashboard::Authenticate(const WebRequest& req, bool state_changing)
{
    const std::string token = req.Cookie("sov_session");
    if (token.empty()) return nullptr;
    std::lock_guard lock(m_mutex);
    auto it = m_sessions.find(token);
    if (it == m_sessions.end() || it->second.expires <= m_src.now()) return nullptr;
    // Double protection against cross-site requests: SameSite cookies, and a token only our own page knows.
    if (state_changing && !ConstantTimeEqual(req.Header("x-csrf-token"), it->second.csrf)) return nullptr;
    return &it->second;
}

WebResponse Dashboard::Operator(const WebRequest& req)
{
    const bool post = req.method == "POST";
    if (!Authenticate(req, post)) {
        return WebResponse::Error(post && !req.Cookie("sov_session").empty() ? 403 : 401,
                                  post ? "not signed in, or the request lacks the page's CSRF token" : "not signed in");
    }
    const int64_t now = m_src.now();
    if (!post && req.path == "/api/operator/overview") {
        JsonValue j = JsonValue::Object();
        JsonValue proposals = JsonValue::Array();
        JsonValue audit = JsonValue::Array();
        if (m_src.custody) {
            auto policy = m_src.custody->Policy();
            j.PushKV("policy", policy ? CustodyPolicyToJson(*policy) : JsonValue());
            for (const SpendProposal& p : m_src.custody->Proposals(now)) {
                JsonValue x = SpendProposalToJson(p);
                x.PushKV("blocked_by", m_src.custody->BroadcastBlocker(p.id, now));
                proposals.PushBack(std::move(x));
            }
            for (const AuditEntry& e : m_src.custody->Audit().Entries()) {
                JsonValue x = JsonValue::Object();
                x.PushKV("seq", e.seq);
                x.PushKV("time", e.time);
                x.PushKV("actor", e.actor);
                x.PushKV("action", e.action);
                x.PushKV("details", e.details);
                x.PushKV("hash", HexStr(e.hash));
                audit.PushBack(std::move(x));
            }
        } else {
            j.PushKV("policy", JsonValue());
        }
        j.PushKV("proposals", std::move(proposals));
        j.PushKV("audit", std::move(audit));
        JsonValue ledger = JsonValue::Array();
        JsonValue recon = JsonValue::Array();
        if (m_src.ledger) {
            const auto entries = m_src.ledger->Entries();
            for (const LedgerEntry& e : entries) ledger.PushBack(LedgerEntryToJson(e));
            for (const Discrepancy& d : Reconcile(entries, m_src.movements ? m_src.movements() : std::vector<ChainMovement>{})) {
                recon.PushBack(DiscrepancyToJson(d));
            }
        }
        j.PushKV("ledger", std::move(ledger));
        j.PushKV("reconciliation", std::move(recon));
        return WebResponse::Json(j.Write());
    }
    if (!post && req.path == "/api/operator/export") {
        if (!m_src.ledger) return WebResponse::Error(404, "no ledger on this node");
        auto q = [&](const char* key) {
            auto it = req.query.find(key);
            return it == req.query.end() ? std::string() : it->second;
        };
        std::string error;
        auto file = ExportLedger(*m_src.ledger, q("format"), q("month"), m_opts.cost_method, m_opts.currency,
                                 m_opts.institution, &error);
        if (!file) return WebResponse::Error(400, error);
        WebResponse r;
        r.content_type = file->content_type;
        r.body = std::move(file->content);
        r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + file->file_name + "\"");
        return r;
    }
    if (post && req.path == "/api/operator/audit/verify") {
        if (!m_src.custody) return WebResponse::Error(404, "no custody store on this node");
        const AuditVerification v = m_src.custody->Audit().Verify();
        JsonValue j = JsonValue::Object();
        j.PushKV("ok", v.ok);
        j.PushKV("entries", v.entries);
        j.PushKV("first_bad_seq", OptionalNumber(v.first_bad_seq));
        j.PushKV("reason", v.reason);
        j.PushKV("head", HexStr(v.head));
        return WebResponse::Json(j.Write());
    }
    if (post && req.path == "/api/operator/ledger/add") {
        if (!m_src.ledger) return WebResponse::Error(404, "no ledger on this node");
        auto body = JsonValue::Parse(req.body);
        if (!body) return WebResponse::Error(400, "expected a JSON object");
        std::string why;
        auto entry = LedgerEntryFromJson(*body, m_opts.currency, &why);
        if (!entry) return WebResponse::Error(400, why);
        const LedgerEntry& e = *entry;
        std::string error;
        auto id = m_src.ledger->AddEntry(e, &error);
        if (!id) return WebResponse::Error(422, error);
        if (m_src.custody) {
            m_src.custody->Record("operator", "ledger.add", "{\"entry\":" + std::to_string(*id) + "}", now, nullptr);
        }
        return WebResponse::Json("{\"id\":" + std::to_string(*id) + "}");
    }
    return WebResponse::Error(404, "not found");
}
