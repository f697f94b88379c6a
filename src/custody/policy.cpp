// Custody policy and spend proposals; see policy.h.
#include "custody/policy.h"

#include "json/json_value.h"
#include "sqlite/sqlite.h"
#include "util/strencodings.h"

#include <algorithm>

namespace {
const char* SCHEMA = R"(
CREATE TABLE IF NOT EXISTS policy (id INTEGER PRIMARY KEY AUTOINCREMENT, json TEXT NOT NULL, time INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS policy_changes (id INTEGER PRIMARY KEY AUTOINCREMENT, json TEXT NOT NULL,
    proposer TEXT NOT NULL, approvals TEXT NOT NULL, applied INTEGER NOT NULL, time INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS proposals (id INTEGER PRIMARY KEY AUTOINCREMENT, json TEXT NOT NULL);
)";

std::optional<int64_t> JsonInt(const JsonValue& v)
{
    if (!v.IsNum()) return std::nullopt;
    return ParseInt64(v.GetValStr());
}

bool Fail(std::string* error, std::string why)
{
    if (error) *error = std::move(why);
    return false;
}

JsonValue StringArray(const std::set<std::string>& s)
{
    JsonValue a = JsonValue::Array();
    for (const auto& x : s) a.PushBack(x);
    return a;
}

std::set<std::string> ParseStringSet(const JsonValue& v)
{
    std::set<std::string> out;
    if (!v.IsArray()) return out;
    for (const auto& x : v.values()) {
        if (x.IsStr()) out.insert(x.GetValStr());
    }
    return out;
}

std::optional<SpendProposal> ProposalFromJson(int64_t id, const std::string& text)
{
    auto j = JsonValue::Parse(text);
    if (!j || !j->IsObject()) return std::nullopt;
    const JsonValue& v = *j;
    SpendProposal p;
    p.id = id;
    p.created = JsonInt(v["created"]).value_or(0);
    p.requester = v["requester"].GetValStr();
    p.purpose = v["purpose"].GetValStr();
    for (const auto& o : v["outputs"].values()) p.outputs.push_back({o["address"].GetValStr(), JsonInt(o["amount_sat"]).value_or(0)});
    p.total = JsonInt(v["total_sat"]).value_or(0);
    p.psbt = v["psbt"].GetValStr();
    p.psbt_complete = v["psbt_complete"].GetBool();
    p.approvals = ParseStringSet(v["approvals"]);
    p.vetoed_by = v["vetoed_by"].GetValStr();
    p.not_before = JsonInt(v["not_before"]).value_or(0);
    p.expires = JsonInt(v["expires"]).value_or(0);
    p.broadcast_time = JsonInt(v["broadcast_time"]).value_or(0);
    const std::string state = v["state"].GetValStr();
    for (ProposalState s : {ProposalState::PENDING, ProposalState::APPROVED, ProposalState::BROADCAST,
                            ProposalState::VETOED, ProposalState::EXPIRED}) {
        if (ProposalStateName(s) == state) p.state = s;
    }
    p.txid = v["txid"].GetValStr();
    return p;
}

/** Expiry is a function of time, applied when a proposal is read. */
void ApplyExpiry(SpendProposal& p, int64_t now)
{
    if ((p.state == ProposalState::PENDING || p.state == ProposalState::APPROVED) && now >= p.expires) {
        p.state = ProposalState::EXPIRED;
    }
}

std::string SpendLimitProblem(const CustodyPolicy& policy, const std::vector<SpendOutput>& outputs, Amount total)
{
    if (policy.freeze_spending) {
        return "spending is frozen by policy" + (policy.freeze_reason.empty() ? "" : " (" + policy.freeze_reason + ")");
    }
    if (policy.max_per_spend && total > policy.max_per_spend) {
        return "spend of " + FormatMoney(total) + " BTC is above the policy limit of " + FormatMoney(policy.max_per_spend) +
               " BTC per spend";
    }
    if (!policy.allowlist.empty()) {
        for (const SpendOutput& o : outputs) {
            if (std::find(policy.allowlist.begin(), policy.allowlist.end(), o.address) == policy.allowlist.end()) {
                return "destination " + o.address + " is not on the policy's allow-list";
            }
        }
    }
    return "";
}
}  // namespace

bool CustodyPolicy::IsSigner(const std::string& name) const
{
    return std::any_of(signers.begin(), signers.end(), [&](const CustodySigner& s) { return s.name == name; });
}

std::string CustodyPolicy::Check() const
{
    if (signers.empty()) return "a policy needs at least one signer";
    std::set<std::string> names;
    for (const auto& s : signers) {
        if (s.name.empty() || s.name.size() > 100) return "signer names must be 1 to 100 characters";
        if (!names.insert(s.name).second) return "signer " + s.name + " is listed twice";
    }
    const int n = static_cast<int>(signers.size());
    if (threshold < 1 || threshold > n) return "threshold must be between 1 and the number of signers (" + std::to_string(n) + ")";
    if (change_quorum < 1 || change_quorum > n) return "change quorum must be between 1 and the number of signers";
    if (max_per_spend < 0 || max_per_period < 0 || large_spend < 0 || max_per_spend > MAX_MONEY ||
        max_per_period > MAX_MONEY || large_spend > MAX_MONEY) {
        return "limits must be between 0 (none) and 21 million BTC";
    }
    if (period_seconds <= 0 || large_spend_delay < 0 || proposal_lifetime <= 0) return "periods and delays must be positive";
    return "";
}

JsonValue CustodyPolicyToJson(const CustodyPolicy& p)
{
    JsonValue j = JsonValue::Object();
    JsonValue signers = JsonValue::Array();
    for (const auto& s : p.signers) {
        JsonValue o = JsonValue::Object();
        o.PushKV("name", s.name);
        o.PushKV("key", s.key);
        signers.PushBack(std::move(o));
    }
    j.PushKV("signers", std::move(signers));
    j.PushKV("threshold", p.threshold);
    j.PushKV("change_quorum", p.change_quorum);
    j.PushKV("max_per_spend_sat", p.max_per_spend);
    j.PushKV("max_per_period_sat", p.max_per_period);
    j.PushKV("period_seconds", p.period_seconds);
    JsonValue allow = JsonValue::Array();
    for (const auto& a : p.allowlist) allow.PushBack(a);
    j.PushKV("allowlist", std::move(allow));
    j.PushKV("large_spend_sat", p.large_spend);
    j.PushKV("large_spend_delay", p.large_spend_delay);
    j.PushKV("freeze_spending", p.freeze_spending);
    j.PushKV("freeze_acquisitions", p.freeze_acquisitions);
    j.PushKV("freeze_reason", p.freeze_reason);
    j.PushKV("proposal_lifetime", p.proposal_lifetime);
    return j;
}

std::optional<CustodyPolicy> CustodyPolicyFromJson(const JsonValue& j, std::string* error)
{
    auto fail = [&](std::string why) -> std::optional<CustodyPolicy> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    if (!j.IsObject()) return fail("policy must be a JSON object");
    CustodyPolicy p;
    if (!j["signers"].IsArray()) return fail("signers must be an array of {name, key}");
    for (const auto& s : j["signers"].values()) {
        if (!s["name"].IsStr() || !s["key"].IsStr()) return fail("each signer needs a name and a key");
        p.signers.push_back({s["name"].GetValStr(), s["key"].GetValStr()});
    }
    auto num = [&](const char* key, int64_t& out) {
        if (!j.Exists(key)) return true;
        auto v = JsonInt(j[key]);
        if (!v) return false;
        out = *v;
        return true;
    };
    int64_t threshold = 1, quorum = -1;
    if (!num("threshold", threshold) || !num("change_quorum", quorum) || !num("max_per_spend_sat", p.max_per_spend) ||
        !num("max_per_period_sat", p.max_per_period) || !num("period_seconds", p.period_seconds) ||
        !num("large_spend_sat", p.large_spend) || !num("large_spend_delay", p.large_spend_delay) ||
        !num("proposal_lifetime", p.proposal_lifetime)) {
        return fail("numbers in the policy must be integers");
    }
    if (threshold < 0 || threshold > 1000 || quorum > 1000) return fail("threshold out of range");
    p.threshold = static_cast<int>(threshold);
    p.change_quorum = quorum < 0 ? p.threshold : static_cast<int>(quorum);
    for (const auto& a : j["allowlist"].values()) {
        if (!a.IsStr()) return fail("allowlist must hold address strings");
        p.allowlist.push_back(a.GetValStr());
    }
    p.freeze_spending = j["freeze_spending"].GetBool();
    p.freeze_acquisitions = j["freeze_acquisitions"].GetBool();
    p.freeze_reason = j["freeze_reason"].GetValStr();
    if (std::string why = p.Check(); !why.empty()) return fail(why);
    return p;
}

std::string ProposalStateName(ProposalState state)
{
    switch (state) {
    case ProposalState::PENDING: return "pending";
    case ProposalState::APPROVED: return "approved";
    case ProposalState::BROADCAST: return "broadcast";
    case ProposalState::VETOED: return "vetoed";
    case ProposalState::EXPIRED: return "expired";
    }
    return "unknown";
}

JsonValue SpendProposalToJson(const SpendProposal& p)
{
    JsonValue j = JsonValue::Object();
    j.PushKV("id", p.id);
    j.PushKV("state", ProposalStateName(p.state));
    j.PushKV("created", p.created);
    j.PushKV("requester", p.requester);
    j.PushKV("purpose", p.purpose);
    JsonValue outs = JsonValue::Array();
    for (const auto& o : p.outputs) {
        JsonValue x = JsonValue::Object();
        x.PushKV("address", o.address);
        x.PushKV("amount_sat", o.amount);
        outs.PushBack(std::move(x));
    }
    j.PushKV("outputs", std::move(outs));
    j.PushKV("total_sat", p.total);
    j.PushKV("psbt", p.psbt);
    j.PushKV("psbt_complete", p.psbt_complete);
    j.PushKV("approvals", StringArray(p.approvals));
    j.PushKV("vetoed_by", p.vetoed_by);
    j.PushKV("not_before", p.not_before);
    j.PushKV("expires", p.expires);
    j.PushKV("broadcast_time", p.broadcast_time);
    j.PushKV("txid", p.txid);
    return j;
}

CustodyEngine::~CustodyEngine() = default;

std::unique_ptr<CustodyEngine> CustodyEngine::Open(const std::filesystem::path& path, std::string* error)
{
    std::unique_ptr<CustodyEngine> e(new CustodyEngine());
    e->m_db = sql::Database::Open(path, true, error);
    if (!e->m_db) return nullptr;
    std::string why;
    if (!e->m_db->Exec(SCHEMA, &why)) {
        if (error) *error = "cannot create the custody schema: " + why;
        return nullptr;
    }
    e->m_audit = std::make_unique<AuditLog>(*e->m_db);
    if (!e->m_audit->Init(error)) return nullptr;
    return e;
}

std::optional<CustodyPolicy> CustodyEngine::Policy() const
{
    auto s = m_db->Prepare("SELECT json FROM policy ORDER BY id DESC LIMIT 1;");
    if (!s.Step()) return std::nullopt;
    auto j = JsonValue::Parse(s.Text(0));
    if (!j) return std::nullopt;
    return CustodyPolicyFromJson(*j, nullptr);
}

bool CustodyEngine::InitPolicy(const CustodyPolicy& policy, const std::string& actor, int64_t now, std::string* error)
{
    if (std::string why = policy.Check(); !why.empty()) return Fail(error, why);
    sql::Transaction tx(*m_db);
    if (Policy()) return Fail(error, "a policy is already set; changes need a quorum of signers (ProposePolicyChange)");
    const std::string json = CustodyPolicyToJson(policy).Write();
    auto s = m_db->Prepare("INSERT INTO policy (json, time) VALUES (?, ?);");
    if (!s.Bind(1, std::string_view(json)).Bind(2, now).Run()) return Fail(error, m_db->LastError());
    if (!m_audit->Append(now, actor, "policy.init", json, error)) return false;
    return tx.Commit(error);
}

std::optional<int64_t> CustodyEngine::ProposePolicyChange(const CustodyPolicy& policy, const std::string& signer,
                                                          int64_t now, std::string* error)
{
    if (std::string why = policy.Check(); !why.empty()) return Fail(error, why), std::nullopt;
    sql::Transaction tx(*m_db);
    const auto current = Policy();
    if (!current) return Fail(error, "no policy is set yet"), std::nullopt;
    if (!current->IsSigner(signer)) return Fail(error, signer + " is not a signer of the current policy"), std::nullopt;
    const std::string json = CustodyPolicyToJson(policy).Write();
    auto s = m_db->Prepare("INSERT INTO policy_changes (json, proposer, approvals, applied, time) VALUES (?, ?, ?, 0, ?);");
    const std::string approvals = StringArray({signer}).Write();
    if (!s.Bind(1, std::string_view(json)).Bind(2, std::string_view(signer)).Bind(3, std::string_view(approvals)).Bind(4, now).Run()) {
        return Fail(error, m_db->LastError()), std::nullopt;
    }
    const int64_t id = m_db->LastInsertRowId();
    JsonValue details = JsonValue::Object();
    details.PushKV("change", id);
    details.PushKV("policy", *JsonValue::Parse(json));
    if (!m_audit->Append(now, signer, "policy.propose", details.Write(), error)) return std::nullopt;
    if (!tx.Commit(error)) return std::nullopt;
    // The proposer's approval may already be enough.
    if (current->change_quorum <= 1) {
        if (!ApprovePolicyChange(id, signer, now, error)) return std::nullopt;
    }
    return id;
}

std::optional<bool> CustodyEngine::ApprovePolicyChange(int64_t change_id, const std::string& signer, int64_t now,
                                                       std::string* error)
{
    sql::Transaction tx(*m_db);
    const auto current = Policy();
    if (!current || !current->IsSigner(signer)) return Fail(error, signer + " is not a signer of the current policy"), std::nullopt;
    auto s = m_db->Prepare("SELECT json, approvals, applied FROM policy_changes WHERE id = ?;");
    s.Bind(1, change_id);
    if (!s.Step()) return Fail(error, "no policy change " + std::to_string(change_id)), std::nullopt;
    const std::string json = s.Text(0);
    std::set<std::string> approvals = ParseStringSet(JsonValue::Parse(s.Text(1)).value_or(JsonValue()));
    if (s.Int(2)) return Fail(error, "policy change " + std::to_string(change_id) + " was already applied"), std::nullopt;
    approvals.insert(signer);
    // Only approvals by signers of the policy in force count (a signer removed meanwhile no longer does).
    int valid = 0;
    for (const auto& a : approvals) valid += current->IsSigner(a);
    const bool apply = valid >= current->change_quorum;
    auto u = m_db->Prepare("UPDATE policy_changes SET approvals = ?, applied = ? WHERE id = ?;");
    const std::string approvals_json = StringArray(approvals).Write();
    if (!u.Bind(1, std::string_view(approvals_json)).Bind(2, int64_t{apply}).Bind(3, change_id).Run()) {
        return Fail(error, m_db->LastError()), std::nullopt;
    }
    if (!m_audit->Append(now, signer, "policy.approve", "{\"change\":" + std::to_string(change_id) + "}", error)) return std::nullopt;
    if (apply) {
        auto p = m_db->Prepare("INSERT INTO policy (json, time) VALUES (?, ?);");
        if (!p.Bind(1, std::string_view(json)).Bind(2, now).Run()) return Fail(error, m_db->LastError()), std::nullopt;
        if (!m_audit->Append(now, "system", "policy.change", json, error)) return std::nullopt;
    }
    if (!tx.Commit(error)) return std::nullopt;
    return apply;
}

Amount CustodyEngine::SpentInPeriod(const CustodyPolicy& policy, int64_t now, int64_t exclude_id) const
{
    // Broadcast spends inside the window, plus open proposals (so a large spend cannot be split into many
    // concurrent ones).
    Amount sum = 0;
    for (const SpendProposal& p : Proposals(now)) {
        if (p.id == exclude_id) continue;
        if (p.state == ProposalState::BROADCAST && p.broadcast_time > now - policy.period_seconds) sum += p.total;
        if (p.state == ProposalState::PENDING || p.state == ProposalState::APPROVED) sum += p.total;
    }
    return sum;
}

bool CustodyEngine::SaveProposal(const SpendProposal& p, std::string* error)
{
    auto s = m_db->Prepare("UPDATE proposals SET json = ? WHERE id = ?;");
    const std::string json = SpendProposalToJson(p).Write();
    if (!s.Bind(1, std::string_view(json)).Bind(2, p.id).Run()) return Fail(error, m_db->LastError());
    return true;
}

std::optional<int64_t> CustodyEngine::Propose(const std::string& requester, const std::string& purpose,
                                              const std::vector<SpendOutput>& outputs, const std::string& psbt,
                                              int64_t now, std::string* error)
{
    sql::Transaction tx(*m_db);
    const auto policy = Policy();
    if (!policy) return Fail(error, "no custody policy is set"), std::nullopt;
    if (outputs.empty()) return Fail(error, "a spend needs at least one output"), std::nullopt;
    SpendProposal p;
    for (const SpendOutput& o : outputs) {
        if (o.amount <= 0 || o.amount > MAX_MONEY) return Fail(error, "output amounts must be positive"), std::nullopt;
        p.total += o.amount;
        if (p.total > MAX_MONEY) return Fail(error, "total is above 21 million BTC"), std::nullopt;
    }
    if (std::string why = SpendLimitProblem(*policy, outputs, p.total); !why.empty()) {
        m_audit->Append(now, requester, "proposal.refused", "{\"reason\":" + JsonValue(why).Write() + "}", nullptr);
        tx.Commit(nullptr);  // refusals are audited too
        return Fail(error, why), std::nullopt;
    }
    if (policy->max_per_period && SpentInPeriod(*policy, now, 0) + p.total > policy->max_per_period) {
        const std::string why = "spend would exceed the policy limit of " + FormatMoney(policy->max_per_period) +
                                " BTC per " + std::to_string(policy->period_seconds) + " seconds";
        m_audit->Append(now, requester, "proposal.refused", "{\"reason\":" + JsonValue(why).Write() + "}", nullptr);
        tx.Commit(nullptr);
        return Fail(error, why), std::nullopt;
    }
    p.created = now;
    p.requester = requester;
    p.purpose = purpose;
    p.outputs = outputs;
    p.psbt = psbt;
    p.expires = now + policy->proposal_lifetime;
    p.not_before = policy->large_spend && p.total >= policy->large_spend ? now + policy->large_spend_delay : now;
    auto s = m_db->Prepare("INSERT INTO proposals (json) VALUES ('{}');");
    if (!s.Run()) return Fail(error, m_db->LastError()), std::nullopt;
    p.id = m_db->LastInsertRowId();
    if (!SaveProposal(p, error)) return std::nullopt;
    JsonValue details = SpendProposalToJson(p);
    if (!m_audit->Append(now, requester, "proposal.create", details.Write(), error)) return std::nullopt;
    if (!tx.Commit(error)) return std::nullopt;
    return p.id;
}

std::optional<SpendProposal> CustodyEngine::Proposal(int64_t id, int64_t now) const
{
    auto s = m_db->Prepare("SELECT json FROM proposals WHERE id = ?;");
    s.Bind(1, id);
    if (!s.Step()) return std::nullopt;
    auto p = ProposalFromJson(id, s.Text(0));
    if (p) ApplyExpiry(*p, now);
    return p;
}

std::vector<SpendProposal> CustodyEngine::Proposals(int64_t now) const
{
    std::vector<SpendProposal> out;
    auto s = m_db->Prepare("SELECT id, json FROM proposals ORDER BY id;");
    while (s.Step()) {
        if (auto p = ProposalFromJson(s.Int(0), s.Text(1))) {
            ApplyExpiry(*p, now);
            out.push_back(std::move(*p));
        }
    }
    return out;
}

bool CustodyEngine::Approve(int64_t id, const std::string& signer, int64_t now, std::string* error)
{
    sql::Transaction tx(*m_db);
    const auto policy = Policy();
    auto p = Proposal(id, now);
    if (!p) return Fail(error, "no proposal " + std::to_string(id));
    if (!policy || !policy->IsSigner(signer)) return Fail(error, signer + " is not a signer of this reserve");
    if (p->state != ProposalState::PENDING && p->state != ProposalState::APPROVED) {
        return Fail(error, "proposal " + std::to_string(id) + " is " + ProposalStateName(p->state));
    }
    if (!p->approvals.insert(signer).second) return Fail(error, signer + " already approved proposal " + std::to_string(id));
    if (static_cast<int>(p->approvals.size()) >= policy->threshold) p->state = ProposalState::APPROVED;
    if (!SaveProposal(*p, error)) return false;
    if (!m_audit->Append(now, signer, "proposal.approve", "{\"proposal\":" + std::to_string(id) + "}", error)) return false;
    return tx.Commit(error);
}

bool CustodyEngine::Veto(int64_t id, const std::string& signer, const std::string& reason, int64_t now, std::string* error)
{
    sql::Transaction tx(*m_db);
    const auto policy = Policy();
    auto p = Proposal(id, now);
    if (!p) return Fail(error, "no proposal " + std::to_string(id));
    if (!policy || !policy->IsSigner(signer)) return Fail(error, signer + " is not a signer of this reserve");
    if (p->state != ProposalState::PENDING && p->state != ProposalState::APPROVED) {
        return Fail(error, "proposal " + std::to_string(id) + " is " + ProposalStateName(p->state));
    }
    p->state = ProposalState::VETOED;
    p->vetoed_by = signer;
    if (!SaveProposal(*p, error)) return false;
    JsonValue d = JsonValue::Object();
    d.PushKV("proposal", id);
    d.PushKV("reason", reason);
    if (!m_audit->Append(now, signer, "proposal.veto", d.Write(), error)) return false;
    return tx.Commit(error);
}

bool CustodyEngine::UpdatePsbt(int64_t id, const std::string& psbt, bool complete, const std::string& actor,
                               int64_t now, std::string* error)
{
    sql::Transaction tx(*m_db);
    auto p = Proposal(id, now);
    if (!p) return Fail(error, "no proposal " + std::to_string(id));
    if (p->state != ProposalState::PENDING && p->state != ProposalState::APPROVED) {
        return Fail(error, "proposal " + std::to_string(id) + " is " + ProposalStateName(p->state));
    }
    p->psbt = psbt;
    p->psbt_complete = complete;
    if (!SaveProposal(*p, error)) return false;
    JsonValue d = JsonValue::Object();
    d.PushKV("proposal", id);
    d.PushKV("complete", complete);
    if (!m_audit->Append(now, actor, "proposal.sign", d.Write(), error)) return false;
    return tx.Commit(error);
}

std::string CustodyEngine::BroadcastBlocker(int64_t id, int64_t now) const
{
    const auto policy = Policy();
    const auto p = Proposal(id, now);
    if (!p) return "no proposal " + std::to_string(id);
    if (!policy) return "no custody policy is set";
    if (p->state == ProposalState::VETOED) return "proposal was vetoed by " + p->vetoed_by;
    if (p->state == ProposalState::EXPIRED) return "proposal expired";
    if (p->state == ProposalState::BROADCAST) return "proposal was already broadcast";
    int valid = 0;
    for (const auto& a : p->approvals) valid += policy->IsSigner(a);
    if (valid < policy->threshold) {
        return "proposal has " + std::to_string(valid) + " of the " + std::to_string(policy->threshold) +
               " approvals the policy requires";
    }
    if (now < p->not_before) {
        return "large spend: the policy delay ends in " + std::to_string(p->not_before - now) + " seconds";
    }
    // The policy may have changed (a freeze, a lower limit) since the proposal was made.
    if (std::string why = SpendLimitProblem(*policy, p->outputs, p->total); !why.empty()) return why;
    if (!p->psbt_complete) return "the transaction is not fully signed yet";
    return "";
}

bool CustodyEngine::MarkBroadcast(int64_t id, const std::string& txid, const std::string& actor, int64_t now,
                                  std::string* error)
{
    sql::Transaction tx(*m_db);
    if (std::string why = BroadcastBlocker(id, now); !why.empty()) return Fail(error, why);
    auto p = Proposal(id, now);
    p->state = ProposalState::BROADCAST;
    p->txid = txid;
    p->broadcast_time = now;
    if (!SaveProposal(*p, error)) return false;
    JsonValue d = JsonValue::Object();
    d.PushKV("proposal", id);
    d.PushKV("txid", txid);
    if (!m_audit->Append(now, actor, "proposal.broadcast", d.Write(), error)) return false;
    return tx.Commit(error);
}

bool CustodyEngine::Record(const std::string& actor, const std::string& action, const std::string& details,
                           int64_t now, std::string* error)
{
    sql::Transaction tx(*m_db);
    if (!m_audit->Append(now, actor, action, details, error)) return false;
    return tx.Commit(error);
}
