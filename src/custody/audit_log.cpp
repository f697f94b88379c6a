// Hash-chained audit log; see audit_log.h.
#include "custody/audit_log.h"

#include "crypto/hash.h"
#include "sqlite/sqlite.h"

namespace {
constexpr uint8_t ANCHOR_MAGIC[4] = {'S', 'O', 'V', 'A'};

void WriteField(HashWriter& w, std::string_view s)
{
    uint8_t len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(static_cast<uint64_t>(s.size()) >> (8 * i));
    w.write(len);
    w.write(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

void WriteInt(HashWriter& w, int64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * i));
    w.write(b);
}

uint256 FromBlob(const std::vector<uint8_t>& b)
{
    uint256 h;
    if (b.size() == 32) std::copy(b.begin(), b.end(), h.begin());
    return h;
}

std::vector<uint8_t> ToBlob(const uint256& h) { return std::vector<uint8_t>(h.begin(), h.end()); }

AuditEntry Row(const sql::Statement& s)
{
    AuditEntry e;
    e.seq = s.Int(0);
    e.time = s.Int(1);
    e.actor = s.Text(2);
    e.action = s.Text(3);
    e.details = s.Text(4);
    e.prev_hash = FromBlob(s.Blob(5));
    e.hash = FromBlob(s.Blob(6));
    return e;
}
}  // namespace

uint256 AuditEntryHash(const AuditEntry& e)
{
    HashWriter w = TaggedHashWriter("Sovereign/audit");
    w.write(std::span<const uint8_t>(e.prev_hash.begin(), e.prev_hash.size()));
    WriteInt(w, e.seq);
    WriteInt(w, e.time);
    WriteField(w, e.actor);
    WriteField(w, e.action);
    WriteField(w, e.details);
    return w.GetSha256();
}

Script AuditAnchorScript(int64_t seq, const uint256& head)
{
    std::vector<uint8_t> data(ANCHOR_MAGIC, ANCHOR_MAGIC + 4);
    for (int i = 0; i < 4; ++i) data.push_back(static_cast<uint8_t>(static_cast<uint64_t>(seq) >> (8 * i)));
    data.insert(data.end(), head.begin(), head.end());
    return Script() << OP_RETURN << data;
}

std::optional<std::pair<int64_t, uint256>> ParseAuditAnchor(const Script& script)
{
    // OP_RETURN, a 40-byte push (0x28), then the payload: 42 bytes in all.
    if (script.size() != 42 || script[0] != OP_RETURN || script[1] != 40) return std::nullopt;
    if (!std::equal(ANCHOR_MAGIC, ANCHOR_MAGIC + 4, script.begin() + 2)) return std::nullopt;
    int64_t seq = 0;
    for (int i = 0; i < 4; ++i) seq |= static_cast<int64_t>(script[6 + i]) << (8 * i);
    uint256 head;
    std::copy(script.begin() + 10, script.end(), head.begin());
    return std::make_pair(seq, head);
}

AuditLog::AuditLog(sql::Database& db) : m_db(db) {}

bool AuditLog::Init(std::string* error)
{
    return m_db.Exec("CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, "
                     "actor TEXT NOT NULL, action TEXT NOT NULL, details TEXT NOT NULL, prev_hash BLOB NOT NULL, "
                     "hash BLOB NOT NULL);",
                     error);
}

std::optional<AuditEntry> AuditLog::Head() const
{
    auto s = m_db.Prepare("SELECT seq, time, actor, action, details, prev_hash, hash FROM audit ORDER BY seq DESC LIMIT 1;");
    if (!s.Step()) return std::nullopt;
    return Row(s);
}

std::optional<AuditEntry> AuditLog::Append(int64_t time, const std::string& actor, const std::string& action,
                                           const std::string& details, std::string* error)
{
    AuditEntry e;
    const auto head = Head();
    e.seq = head ? head->seq + 1 : 1;
    e.prev_hash = head ? head->hash : uint256();
    e.time = time;
    e.actor = actor;
    e.action = action;
    e.details = details;
    e.hash = AuditEntryHash(e);
    auto s = m_db.Prepare("INSERT INTO audit (seq, time, actor, action, details, prev_hash, hash) VALUES (?,?,?,?,?,?,?);");
    s.Bind(1, e.seq).Bind(2, e.time).Bind(3, std::string_view(e.actor)).Bind(4, std::string_view(e.action));
    s.Bind(5, std::string_view(e.details)).Bind(6, ToBlob(e.prev_hash)).Bind(7, ToBlob(e.hash));
    if (!s.Run()) {
        if (error) *error = "cannot append to the audit log: " + m_db.LastError();
        return std::nullopt;
    }
    return e;
}

std::vector<AuditEntry> AuditLog::Entries(int64_t from_seq, int64_t limit) const
{
    std::vector<AuditEntry> out;
    auto s = m_db.Prepare("SELECT seq, time, actor, action, details, prev_hash, hash FROM audit WHERE seq >= ? "
                          "ORDER BY seq LIMIT ?;");
    s.Bind(1, from_seq).Bind(2, limit);
    while (s.Step()) out.push_back(Row(s));
    return out;
}

AuditVerification AuditLog::Verify() const
{
    AuditVerification v;
    auto s = m_db.Prepare("SELECT seq, time, actor, action, details, prev_hash, hash FROM audit ORDER BY seq;");
    uint256 prev;
    int64_t expected_seq = 1;
    while (s.Step()) {
        const AuditEntry e = Row(s);
        auto bad = [&](std::string why) {
            v.first_bad_seq = e.seq;
            v.reason = "entry " + std::to_string(e.seq) + ": " + why;
            return v;
        };
        if (e.seq != expected_seq) {
            v.first_bad_seq = expected_seq;
            v.reason = "entry " + std::to_string(expected_seq) + " is missing";
            return v;
        }
        if (e.prev_hash != prev) return bad("does not link to the previous entry (an entry before it was changed or removed)");
        if (AuditEntryHash(e) != e.hash) return bad("its contents do not match its hash (the entry was altered)");
        prev = e.hash;
        v.head = e.hash;
        ++v.entries;
        ++expected_seq;
    }
    if (s.Failed()) {
        v.reason = "cannot read the audit log: " + m_db.LastError();
        return v;
    }
    v.ok = true;
    return v;
}

AuditVerification AuditLog::VerifyAgainstAnchor(int64_t seq, const uint256& anchored) const
{
    AuditVerification v = Verify();
    if (!v.ok) return v;
    const auto entries = Entries(seq, 1);
    if (entries.empty()) {
        v.ok = false;
        v.first_bad_seq = seq;
        v.reason = "entry " + std::to_string(seq) + " named by the on-chain anchor is missing (the log was truncated)";
    } else if (entries[0].hash != anchored) {
        v.ok = false;
        v.first_bad_seq = seq;
        v.reason = "entry " + std::to_string(seq) + " differs from the on-chain anchor (the log was rewritten)";
    }
    return v;
}
