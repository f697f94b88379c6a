// The custody policy of a reserve wallet and the spend-proposal engine that enforces it: who the officials are,
// how many must approve, limits per spend and per period, allow-listed destinations, a delay before large spends,
// and the acquisition/spend freeze. Every decision is written to the audit log in the same database transaction
// as the change it records.
#pragma once

#include "custody/audit_log.h"
#include "primitives/transaction.h"

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

class JsonValue;
namespace sql {
class Database;
}

struct CustodySigner {
    std::string name;  // e.g. "Minister of Finance"
    std::string key;   // the official's xpub / descriptor key expression
};

struct CustodyPolicy {
    std::vector<CustodySigner> signers;
    int threshold{1};         // approvals a spend needs
    int change_quorum{1};     // approvals a policy change needs (counted among the current signers)
    Amount max_per_spend{0};  // 0: no limit
    Amount max_per_period{0};
    int64_t period_seconds{86400};
    std::vector<std::string> allowlist;  // destination addresses; empty: any
    Amount large_spend{0};               // spends of at least this wait large_spend_delay (0: never)
    int64_t large_spend_delay{0};
    bool freeze_spending{false};
    bool freeze_acquisitions{false};
    std::string freeze_reason;
    int64_t proposal_lifetime{7 * 86400};

    bool IsSigner(const std::string& name) const;
    /** Empty when consistent, else what is wrong (threshold above the number of signers, duplicates, ...). */
    std::string Check() const;
};

JsonValue CustodyPolicyToJson(const CustodyPolicy& policy);
std::optional<CustodyPolicy> CustodyPolicyFromJson(const JsonValue& json, std::string* error);

struct SpendOutput {
    std::string address;
    Amount amount{0};
};

enum class ProposalState { PENDING, APPROVED, BROADCAST, VETOED, EXPIRED };
std::string ProposalStateName(ProposalState state);

struct SpendProposal {
    int64_t id{0};
    int64_t created{0};
    std::string requester;
    std::string purpose;
    std::vector<SpendOutput> outputs;
    Amount total{0};
    std::string psbt;  // base64, updated as signatures arrive
    bool psbt_complete{false};
    std::set<std::string> approvals;
    std::string vetoed_by;
    int64_t not_before{0};  // large spends: earliest broadcast time
    int64_t expires{0};
    int64_t broadcast_time{0};
    ProposalState state{ProposalState::PENDING};
    std::string txid;
};

JsonValue SpendProposalToJson(const SpendProposal& proposal);

class CustodyEngine
{
public:
    /** Opens or creates the custody store. A new store needs an initial policy (set at wallet creation). */
    static std::unique_ptr<CustodyEngine> Open(const std::filesystem::path& path, std::string* error);
    ~CustodyEngine();

    std::optional<CustodyPolicy> Policy() const;
    /** The first policy; refused once one exists (changes go through ProposePolicyChange). */
    bool InitPolicy(const CustodyPolicy& policy, const std::string& actor, int64_t now, std::string* error);
    /** A signer proposes a new policy; applied once change_quorum current signers approved (the proposer counts). */
    std::optional<int64_t> ProposePolicyChange(const CustodyPolicy& policy, const std::string& signer, int64_t now,
                                               std::string* error);
    /** Returns true when this approval applied the change. */
    std::optional<bool> ApprovePolicyChange(int64_t change_id, const std::string& signer, int64_t now,
                                            std::string* error);

    /** Checks a spend against the policy (freeze, allow-list, limits) and records it; id or the refusal. */
    std::optional<int64_t> Propose(const std::string& requester, const std::string& purpose,
                                   const std::vector<SpendOutput>& outputs, const std::string& psbt, int64_t now,
                                   std::string* error);
    bool Approve(int64_t id, const std::string& signer, int64_t now, std::string* error);
    bool Veto(int64_t id, const std::string& signer, const std::string& reason, int64_t now, std::string* error);
    /** Stores a PSBT with more signatures (combined by the wallet); complete when it can be finalized. */
    bool UpdatePsbt(int64_t id, const std::string& psbt, bool complete, const std::string& actor, int64_t now,
                    std::string* error);
    /** Empty when the proposal may be broadcast now, else the reason it may not. */
    std::string BroadcastBlocker(int64_t id, int64_t now) const;
    bool MarkBroadcast(int64_t id, const std::string& txid, const std::string& actor, int64_t now, std::string* error);
    /** Records an event that is not a proposal step (e.g. "key.unlock", "anchor"). */
    bool Record(const std::string& actor, const std::string& action, const std::string& details, int64_t now,
                std::string* error);

    std::optional<SpendProposal> Proposal(int64_t id, int64_t now) const;
    std::vector<SpendProposal> Proposals(int64_t now) const;
    const AuditLog& Audit() const { return *m_audit; }

private:
    CustodyEngine() = default;
    Amount SpentInPeriod(const CustodyPolicy& policy, int64_t now, int64_t exclude_id) const;
    bool SaveProposal(const SpendProposal& p, std::string* error);
    std::unique_ptr<sql::Database> m_db;
    std::unique_ptr<AuditLog> m_audit;
};
