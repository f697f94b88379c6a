// The Stratum v1 mining pool inside sovereignd: a Boost.Asio TCP server that cuts jobs from the node's block
// template, checks shares (vardiff per connection, BIP310 version rolling), submits blocks to the chainstate at once,
// and keeps share accounting per site and worker in SQLite.
#pragma once

#include "descriptor/descriptor.h"
#include "json/json_value.h"
#include "node/context.h"
#include "pool/share_store.h"
#include "pool/stratum_job.h"
#include "primitives/script.h"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

class ArgsManager;

namespace pool {

/** Stratum's reject codes (as most pools and miners use them). */
enum RejectCode : int {
    REJECT_OTHER = 20,
    REJECT_STALE = 21,
    REJECT_DUPLICATE = 22,
    REJECT_LOW_DIFFICULTY = 23,
    REJECT_UNAUTHORIZED = 24,
    REJECT_NOT_SUBSCRIBED = 25,
};

inline constexpr uint16_t DEFAULT_STRATUM_PORT = 3333;

struct PoolOptions {
    std::string bind{"0.0.0.0"};
    uint16_t port{DEFAULT_STRATUM_PORT};  // 0: any free port (tests)
    Script payout_script;          // a fixed payout (-stratumpayout=<address> or an unranged descriptor)
    std::string payout_address;    // as given: an address or a descriptor
    /** -stratumpayout=<ranged descriptor>: every block the pool finds pays the next unused child address; the
     *  index is kept in the share database (see ShareStore::UsePayoutIndex). */
    std::shared_ptr<const Descriptor> payout_descriptor;
    std::string payout_descriptor_key;  // canonical text with checksum: the database key
    std::string coinbase_tag{"/Sovereign/"};
    double start_difficulty{1024};
    double min_difficulty{1};
    double max_difficulty{1e15};
    double target_share_seconds{10};  // vardiff aims at one share per this many seconds per connection
    int job_refresh_seconds{30};
    int64_t pplns_window{10000};      // shares
    int64_t hashrate_window_seconds{600};
    std::filesystem::path db_file;
    /** The energy plan the pool is measured against (-stratumplanmegawatts, -stratumplanefficiency); 0: none. */
    double plan_megawatts{0};
    double plan_efficiency_j_per_th{0};
    double plan_machine_th{200};
};

/** Registers -stratum* options. */
void RegisterPoolArgs(ArgsManager& args);
/** Reads -stratum* options (payout address decoded for the node's chain); false and *error on bad values. */
bool PoolOptionsFromArgs(const ArgsManager& args, const NodeContext& node, PoolOptions& options, std::string* error);
/** Sets options.payout_* from an address or an output descriptor (ranged or not; a multipath descriptor uses its
 *  first path); false and *error when it is neither or a child cannot be derived without private keys. */
bool SetPoolPayout(const std::string& text, Chain chain, PoolOptions& options, std::string* error);
/** The payout script and address of a ranged descriptor's child index; false when it cannot be derived. */
bool DerivePayout(const Descriptor& desc, int64_t index, Chain chain, Script& script, std::string& address);

class StratumPool : public ValidationNotifications
{
public:
    /** Opens the share database, builds the first job, binds, and starts the network thread. */
    static std::unique_ptr<StratumPool> Start(NodeContext& node, const PoolOptions& options, std::string* error);
    ~StratumPool() override;
    /** Closes every connection and joins the network thread (idempotent). */
    void Stop();

    uint16_t Port() const { return m_port; }
    /** getpoolinfo, listpoolworkers, getpoolshares results. */
    JsonValue Info() const;
    JsonValue Workers() const;
    JsonValue Shares(int64_t count) const;
    /** The dashboard's pool panel: totals, per-site workers and counters, and the plan's expected hashrate and
     *  blocks per day against the measured ones (null "plan" without -stratumplanmegawatts). */
    JsonValue Panel() const;

    void UpdatedBlockTip(const BlockIndex& tip, const BlockIndex* fork, bool initial_download) override;

    struct Impl;

private:
    StratumPool() = default;
    std::unique_ptr<Impl> m_impl;
    uint16_t m_port{0};
};

}  // namespace pool
