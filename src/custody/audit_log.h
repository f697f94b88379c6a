// The custody audit log: every policy change, proposal, approval, signature, broadcast and key unlock, appended
// to a hash chain. Each entry commits to the previous entry's hash, so rewriting, removing or reordering any
// entry breaks every later hash; the head hash can be anchored on chain (OP_RETURN) so that even a rewrite of the
// whole file is detected against the anchor.
#pragma once

#include "primitives/script.h"
#include "util/uint256.h"

#include <optional>
#include <string>
#include <vector>

namespace sql {
class Database;
}

struct AuditEntry {
    int64_t seq{0};  // 1, 2, 3, ...
    int64_t time{0};
    std::string actor;   // official, operator or "system"
    std::string action;  // e.g. "policy.change", "proposal.create", "proposal.approve", "key.unlock"
    std::string details; // JSON text
    uint256 prev_hash;   // all zero for the first entry
    uint256 hash;
};

struct AuditVerification {
    bool ok{false};
    int64_t entries{0};
    std::optional<int64_t> first_bad_seq;  // the first entry that does not match
    std::string reason;
    uint256 head;  // hash of the last good entry
};

/** The hash of an entry: tagged SHA-256 over the previous hash and the length-prefixed fields. */
uint256 AuditEntryHash(const AuditEntry& entry);

/** A 40-byte OP_RETURN output script committing to a log head: "SOVA", seq (4 bytes LE), the hash. */
Script AuditAnchorScript(int64_t seq, const uint256& head);
/** Parses an anchor script back into (seq, head). */
std::optional<std::pair<int64_t, uint256>> ParseAuditAnchor(const Script& script);

class AuditLog
{
public:
    /** Uses (and creates the table in) db; the caller owns db and wraps Append in its own transaction when the
     *  audited change must commit together with its entry. */
    explicit AuditLog(sql::Database& db);
    bool Init(std::string* error);

    /** Appends an entry; nullopt and *error when it could not be written. */
    std::optional<AuditEntry> Append(int64_t time, const std::string& actor, const std::string& action,
                                     const std::string& details, std::string* error);
    std::vector<AuditEntry> Entries(int64_t from_seq = 1, int64_t limit = -1) const;
    std::optional<AuditEntry> Head() const;
    /** Recomputes the whole chain and reports the first entry that was altered, removed or reordered. */
    AuditVerification Verify() const;
    /** Also checks that entry seq has the anchored hash (an anchor read from the chain). */
    AuditVerification VerifyAgainstAnchor(int64_t seq, const uint256& anchored) const;

private:
    sql::Database& m_db;
};
