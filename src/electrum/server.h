// The Electrum protocol 1.4 server: JSON-RPC 2.0 over TCP and TLS (newline-delimited) and WebSocket (one message
// per frame) with Boost.Asio/Beast, answering from the
// node (headers, mempool, fee estimates, broadcast) and the scripthash index, with push notifications for new
// tips and changed scripthash statuses.
#pragma once

#include "index/scripthash_index.h"
#include "json/json_value.h"
#include "node/context.h"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

class ArgsManager;

inline constexpr const char* ELECTRUM_PROTOCOL_VERSION = "1.4";
inline constexpr const char* ELECTRUM_SERVER_VERSION = "Sovereign 0.1.0";
/** blockchain.block.headers returns at most this many headers (one retarget period, as ElectrumX). */
inline constexpr int ELECTRUM_MAX_HEADERS = 2016;

/** JSON-RPC 2.0 error codes, and the two server-side codes ElectrumX uses. */
enum ElectrumError : int {
    JSONRPC_PARSE_ERROR = -32700,
    JSONRPC_INVALID_REQUEST = -32600,
    JSONRPC_METHOD_NOT_FOUND = -32601,
    JSONRPC_INVALID_PARAMS = -32602,
    JSONRPC_INTERNAL_ERROR = -32603,
    ELECTRUM_BAD_REQUEST = 1,
    ELECTRUM_DAEMON_ERROR = 2,
};

/** The self-signed pair made in the data directory when TLS is on without -electrumcert/-electrumkey. */
inline constexpr const char* ELECTRUM_CERT_FILENAME = "electrum_cert.pem";
inline constexpr const char* ELECTRUM_KEY_FILENAME = "electrum_key.pem";

/** What a listening port speaks. */
enum class ElectrumListener { TCP, TLS, WS };

struct ElectrumOptions {
    std::vector<std::string> bind{"127.0.0.1"};
    uint16_t port{50001};
    uint16_t ssl_port{0};  // 0: no TLS listener (-electrumsslport)
    uint16_t ws_port{0};   // 0: no WebSocket listener (-electrumwsport)
    std::string cert_file;  // PEM certificate chain (-electrumcert); empty: the self-signed pair in data_dir
    std::string key_file;   // PEM private key (-electrumkey)
    std::filesystem::path data_dir;  // where the self-signed pair is kept
    size_t max_connections{500};
    size_t max_subscriptions{10000};     // per connection
    size_t max_request_bytes{1'000'000}; // one line (one request or one batch)
    double max_requests_per_second{500};  // per connection; a burst of the same size is allowed
    size_t max_history{100'000};          // rows a history/unspent answer may have (-electrummaxhistory)
    std::string banner{"Welcome to Sovereign's Electrum server"};
    std::string donation_address;
    unsigned int threads{2};
};

/** Adds the -electrum* options to a daemon's argument manager. */
void RegisterElectrumArgs(ArgsManager& args);
/** Reads them; default_port is the chain's (50001 main, 60001 test, 60401 regtest, 60601 signet). */
bool ElectrumOptionsFromArgs(const ArgsManager& args, uint16_t default_port, ElectrumOptions& out, std::string& error);
uint16_t ElectrumDefaultPort(Chain chain);

/** The self-signed certificate and key in dir (ELECTRUM_CERT_FILENAME, ELECTRUM_KEY_FILENAME): made with OpenSSL
 *  when neither exists (key file mode 0600), reused when both do; sets the two paths. */
bool EnsureElectrumCertificate(const std::filesystem::path& dir, std::string& cert_file, std::string& key_file,
                               std::string& error);

/** Status of a history (Electrum protocol): hex SHA-256 of the concatenated "txid:height:" entries; nullopt
 *  for an empty history. */
std::optional<std::string> ElectrumStatusHash(const std::vector<std::pair<uint256, int>>& history);
/** Appends {"tx_hash":..,"height":..[,"fee":..]} to out, written directly (long histories: no JSON tree). */
void AppendHistoryJson(std::string& out, const uint256& txid, int height, std::optional<Amount> fee);
/** Merkle branch (hashes bottom-up) of leaf index under Bitcoin's merkle construction. */
std::vector<uint256> MerkleBranch(std::vector<uint256> leaves, size_t index, uint256* root = nullptr);

class ElectrumSession;

/** What the protocol remembers per connection. */
struct ElectrumSessionState {
    bool version_negotiated{false};
    bool headers_subscribed{false};
    std::map<ElectrumScripthash, std::optional<std::string>> subs;  // last status sent
};

class ElectrumServer : public ValidationNotifications
{
public:
    ElectrumServer(NodeContext& node, ScripthashIndex& index, ElectrumOptions options);
    ~ElectrumServer() override;
    ElectrumServer(const ElectrumServer&) = delete;
    ElectrumServer& operator=(const ElectrumServer&) = delete;

    /** Binds, registers for node events and starts the network and notifier threads. */
    bool Start(std::string& error);
    void Stop();
    /** The ports bound for one kind of listener (for tests started with port numbers they chose). */
    std::vector<uint16_t> BoundPorts(ElectrumListener kind = ElectrumListener::TCP) const;

    /** Answers one request line or WebSocket message (a JSON-RPC 2.0 request or a batch): the answer text, ""
     *  when nothing is to be sent (notifications only). `admit` is asked before each request; when it refuses
     *  (rate limit) the answer is error 1 and `close` is set. Never throws. */
    std::string HandleMessage(ElectrumSessionState& session, std::string_view message, const std::function<bool()>& admit,
                              bool& close);
    /** Answers one parsed request object (no id handling); throws ElectrumRpcError. */
    JsonValue Dispatch(ElectrumSessionState& session, const std::string& method, const JsonValue& params);
    /** Drops a finished connection's subscriptions. */
    void EndSession(ElectrumSessionState& session);

    void UpdatedBlockTip(const BlockIndex& tip, const BlockIndex* fork, bool initial_download) override;
    void TransactionAddedToMempool(const TransactionRef& tx) override;
    void BlockConnected(const Block& block, const BlockIndex& index) override;
    void BlockDisconnected(const Block& block, const BlockIndex& index) override;

    const ElectrumOptions& Options() const { return m_opts; }
    size_t SessionCount() const;
    void AddSession(const std::shared_ptr<ElectrumSession>& session);
    void RemoveSession(ElectrumSession* session);
    /** Global subscriber counts per scripthash, so the notifier only computes statuses someone waits for. */
    void AddSubscriber(const ElectrumScripthash& sh);
    void RemoveSubscriber(const ElectrumScripthash& sh);

    /** Status of a scripthash now (confirmed from the index, then the mempool); throws when over the limit. */
    std::optional<std::string> StatusOf(const ElectrumScripthash& sh);
    /** {hex, height} of the tip. */
    JsonValue TipHeaderJson();

    struct Impl;

private:
    struct MempoolTx {
        std::vector<std::pair<ElectrumScripthash, std::pair<uint32_t, Amount>>> outputs;  // sh, (vout, value)
        std::vector<std::pair<ElectrumScripthash, std::pair<OutPoint, Amount>>> inputs;   // sh of the spent coin
        std::set<ElectrumScripthash> touched;
        Amount fee{0};
        bool unconfirmed_parents{false};
    };
    struct MempoolRow {
        uint256 txid;
        int height{0};
        Amount fee{0};
    };
    /** Brings the mempool view up to date; adds the scripthashes of added, removed and changed entries. */
    void SyncMempool(std::set<ElectrumScripthash>& changed);
    /** SyncMempool, handing what changed to the notifier. */
    void RefreshMempool();
    std::vector<MempoolRow> MempoolHistory(const ElectrumScripthash& sh);
    void NotifierThread();
    std::string HandleRequest(ElectrumSessionState& session, const JsonValue& req, const std::function<bool()>& admit,
                              bool& close);
    void WakeNotifier();
    std::vector<HistoryRow> ConfirmedHistory(const ElectrumScripthash& sh);
    JsonValue HeaderProof(int height, int cp_height);

    NodeContext& m_node;
    ScripthashIndex& m_index;
    const ElectrumOptions m_opts;
    std::unique_ptr<Impl> m_impl;

    mutable std::mutex m_sessions_mutex;
    std::map<ElectrumSession*, std::weak_ptr<ElectrumSession>> m_sessions;
    std::map<ElectrumScripthash, size_t> m_subscribers;

    // The mempool as Electrum sees it, kept by SyncMempool. Guarded by m_mempool_mutex.
    std::mutex m_mempool_mutex;
    std::map<uint256, MempoolTx> m_mempool;
    std::map<ElectrumScripthash, std::set<uint256>> m_mempool_by_sh;
    std::map<OutPoint, uint256> m_mempool_spends;
    std::optional<std::pair<uint64_t, uint256>> m_mempool_seen;  // (pool update counter, tip) at the last pass

    // Notifier state. Guarded by m_notify_mutex.
    std::mutex m_notify_mutex;
    std::condition_variable m_notify_cv;
    std::set<ElectrumScripthash> m_changed;
    bool m_new_tip{false};
    bool m_mempool_dirty{true};
    bool m_stop{false};
    std::thread m_notifier;
    bool m_registered{false};
};

/** An error answer: code and message of the JSON-RPC error object. */
struct ElectrumRpcError : std::runtime_error {
    int code;
    ElectrumRpcError(int c, const std::string& msg) : std::runtime_error(msg), code(c) {}
};
