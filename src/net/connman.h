// The connection manager (Core's CConnman) on Boost.Asio: one network thread that listens (-bind/-port), opens
// outbound connections (-connect, -addnode, addnode onetry), frames messages through a Transport, keeps a per-peer
// send queue with a byte cap, and runs the periodic checks (handshake and ping timeouts) through PeerMan.
//
// Threading: every Peer and all of PeerMan's per-peer state live on the network thread. Other threads (RPC,
// validation notifications) reach them through Connman::Call (waits) or Connman::Post (does not).
#pragma once

#include "net/banman.h"
#include "net/eviction.h"
#include "net/protocol.h"

#include <utility>  // boost/asio/awaitable.hpp needs std::exchange under C++20
#include <boost/asio.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <list>
#include <map>
#include <optional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

class AddrMan;
class BlockIndex;
class PeerMan;

/** How a connection came about (getpeerinfo connection_type). */
enum class ConnectionType { INBOUND, OUTBOUND_FULL_RELAY, MANUAL, FEELER, BLOCK_RELAY, ADDR_FETCH };
std::string ConnectionTypeAsString(ConnectionType type);

/** Microseconds on the steady clock (timeouts, ping times). */
int64_t SteadyMicros();

/** One connection and the protocol state PeerMan keeps for it (Core's CNode plus net_processing's Peer). */
struct Peer {
    int64_t id{0};
    ConnectionType conn_type{ConnectionType::INBOUND};
    Service addr;            // remote end
    std::string addr_name;   // as given (-connect text) or the remote address
    Service addr_bind;       // our end
    std::unique_ptr<Transport> transport;
    std::shared_ptr<boost::asio::ip::tcp::socket> socket;

    // I/O state (network thread).
    std::deque<std::vector<uint8_t>> send_queue;
    size_t send_queue_bytes{0};
    bool writing{false};
    bool reading{false};
    bool disconnect{false};
    std::vector<uint8_t> recv_buffer = std::vector<uint8_t>(64 * 1024);
    std::vector<NetMessage> received;  // complete messages waiting to be processed

    // Statistics.
    int64_t conn_time{0};  // unix seconds
    int64_t conn_time_us{0};
    int64_t last_send{0};
    int64_t last_recv{0};
    int64_t last_block_time{0};
    int64_t last_tx_time{0};
    uint64_t bytes_sent{0};
    uint64_t bytes_recv{0};
    std::map<std::string, uint64_t> sent_per_msg;
    std::map<std::string, uint64_t> recv_per_msg;

    // Handshake (PeerMan).
    int version{0};
    int send_version{0};  // 0 until the version is known
    uint64_t services{NODE_NONE};
    std::string user_agent;
    int32_t starting_height{0};
    bool relay_txs{false};
    bool successfully_connected{false};
    bool wtxid_relay{false};
    bool wants_addrv2{false};
    bool prefers_headers{false};
    bool sent_sendcmpct{false};
    int64_t time_offset{0};
    uint64_t local_nonce{0};

    // Ping (microseconds).
    uint64_t ping_nonce_sent{0};
    int64_t ping_start_us{0};
    int64_t last_ping_us{-1};
    int64_t min_ping_us{-1};
    bool ping_queued{false};
    int64_t next_ping_us{0};

    // Headers and block sync.
    const BlockIndex* best_known_block{nullptr};
    uint256 last_unknown_block;
    const BlockIndex* best_header_sent{nullptr};
    const BlockIndex* last_common_block{nullptr};
    bool sync_started{false};
    int unconnecting_headers{0};
    std::list<std::pair<uint256, int64_t>> blocks_in_flight;  // hash, request time (us)
    std::vector<const BlockIndex*> blocks_to_announce;
    std::deque<Inv> getdata_queue;  // requests served as the send queue drains

    // BIP152 compact blocks.
    bool provides_cmpct{false};  // sent sendcmpct version 2
    bool cmpct_hb_from{false};   // asked us to push cmpctblock unsolicited
    bool cmpct_hb_to{false};     // we asked it to
    struct PartialBlock {
        uint256 hash;
        BlockHeader header;
        std::vector<TransactionRef> txs;  // null where still missing
        std::vector<uint16_t> missing;
    };
    std::optional<PartialBlock> partial_block;

    // Transaction relay.
    std::set<uint256> known_txs;         // wtxids (and txids for non-wtxid peers) the peer has or was sent
    std::set<uint256> tx_to_announce;    // wtxids queued for the next trickle
    int64_t next_inv_send_us{0};
    int64_t fee_filter_received{0};      // sat/kvB
    uint64_t addr_processed{0};

    // Misbehaviour.
    bool should_discourage{false};

    // Permissions (-whitelist, -whitebind: NetPermissionFlags) and eviction preference (accepted though
    // discouraged).
    uint32_t permissions{PF_NONE};
    bool prefer_evict{false};

    bool IsInbound() const { return conn_type == ConnectionType::INBOUND; }
    bool IsManual() const { return conn_type == ConnectionType::MANUAL; }
    bool PauseSend(size_t cap) const { return send_queue_bytes > cap; }
};
using PeerRef = std::shared_ptr<Peer>;

struct ConnmanOptions {
    std::array<uint8_t, 4> magic{};
    bool listen{true};
    std::vector<Service> binds;  // empty: all interfaces at port
    uint16_t port{8333};          // -port: where we listen
    uint16_t default_port{8333};  // the chain's port, for -connect/-addnode targets without one
    std::vector<std::string> connect;   // -connect: only these, no other outbound
    std::vector<std::string> addnodes;  // -addnode
    std::vector<std::string> seednodes;
    int max_connections{125};
    size_t max_send_buffer{1000 * 1000};     // -maxsendbuffer (Core: 1000 KB)
    size_t max_receive_buffer{5000 * 1000};  // -maxreceivebuffer (Core: 5000 KB)
    int64_t handshake_timeout_s{60};
    int64_t inactivity_timeout_s{20 * 60};
    int64_t tick_ms{100};
    int64_t reconnect_interval_s{2};
    // Automatic outbound connections from addrman (off with -connect), as Core: 8 full-relay, 2 block-relay-only,
    // a feeler every 2 minutes on average once those are full, and DNS seeds (mainnet) when addrman is short.
    bool automatic_outbound{true};
    int max_outbound_full_relay{8};
    int max_block_relay{2};
    int64_t feeler_interval_s{120};
    std::vector<std::string> dns_seeds;
    // -whitelist / -whitebind permissions; implicit ones resolve with -whitelistrelay / -whitelistforcerelay.
    std::vector<WhitelistEntry> whitelist;
    std::vector<WhitebindEntry> whitebinds;
    bool whitelist_relay{true};
    bool whitelist_forcerelay{false};
};

/** Counts by direction. */
struct ConnectionCounts {
    int in{0};
    int out{0};
};

struct AddedNodeInfo {
    std::string added_node;
    bool connected{false};
    std::string resolved;  // the connected peer's address
    bool inbound{false};
};

class Connman
{
public:
    Connman(ConnmanOptions opts, BanMan& banman, std::function<int64_t()> now);
    ~Connman();
    Connman(const Connman&) = delete;
    Connman& operator=(const Connman&) = delete;

    void SetPeerMan(PeerMan* peerman) { m_peerman = peerman; }
    /** The address manager automatic outbound connections choose from (connman_outbound.cpp). */
    void SetAddrMan(AddrMan* addrman) { m_addrman = addrman; }
    /** Binds the listeners and starts the network thread. False (error set) when an explicit -bind fails. */
    bool Start(std::string& error, std::vector<std::string>* warnings = nullptr);
    void Stop();
    const ConnmanOptions& Options() const { return m_opts; }
    std::vector<uint16_t> BoundPorts() const { return m_bound_ports; }

    // ---- any thread ----
    /** Runs f on the network thread and waits for its result (runs inline when already there). */
    template <typename F>
    auto Call(F f) -> decltype(f())
    {
        if (std::this_thread::get_id() == m_thread_id || !m_running) return f();
        std::packaged_task<decltype(f())()> task(std::move(f));
        auto fut = task.get_future();
        boost::asio::post(m_io, [&task] { task(); });
        return fut.get();
    }
    /** Queues f on the network thread. */
    void Post(std::function<void()> f) { boost::asio::post(m_io, std::move(f)); }

    bool AddNode(const std::string& node);
    bool RemoveAddedNode(const std::string& node);
    std::vector<AddedNodeInfo> GetAddedNodeInfo();
    /** addnode onetry: one manual connection attempt. */
    void OpenManualConnection(const std::string& node);
    bool DisconnectNode(const std::string& address);
    bool DisconnectNode(int64_t id);
    /** Disconnects every peer in subnet (setban). */
    void DisconnectSubnet(const SubNet& subnet);
    void SetNetworkActive(bool active);
    bool GetNetworkActive() const { return m_network_active; }
    ConnectionCounts GetCounts();
    uint64_t TotalBytesRecv() const { return m_total_recv; }
    uint64_t TotalBytesSent() const { return m_total_sent; }
    bool IsListening() const { return !m_acceptors.empty(); }

    // ---- network thread ----
    void PushMessage(Peer& peer, const std::string& command, std::span<const uint8_t> payload);
    void Disconnect(Peer& peer, const std::string& reason);
    template <typename F>
    void ForEachPeer(F f)
    {
        for (auto& [id, peer] : m_peers) {
            if (!peer->disconnect) f(*peer);
        }
    }
    Peer* FindPeer(int64_t id);
    size_t PeerCount() const { return m_peers.size(); }
    /** Nonces of our outbound version messages (self-connection detection). */
    bool IsOwnNonce(uint64_t nonce) const;

private:
    void StartAccept(boost::asio::ip::tcp::acceptor& acceptor);
    void OnTick();
    void MaintainOutbound();
    void ConnectTo(const std::string& target, ConnectionType type);
    PeerRef AddPeer(std::shared_ptr<boost::asio::ip::tcp::socket> socket, ConnectionType type, const std::string& name);
    void StartRead(const PeerRef& peer);
    void StartWrite(const PeerRef& peer);
    void ProcessReceived(const PeerRef& peer);
    void RemovePeer(int64_t id);
    void CheckTimeouts(Peer& peer, int64_t now_us);
    // connman_outbound.cpp: addrman-driven connections, -seednode, DNS seeds.
    void MaintainAutomaticOutbound();
    void StartSeeding();
    void StopSeeding();
    void DnsSeedThread();
    /** Permissions of an inbound connection: the listening socket's (-whitebind) and matching -whitelist ones. */
    uint32_t InboundPermissions(const boost::asio::ip::tcp::acceptor& acceptor, const Service& addr) const;
    /** Core's AttemptToEvictConnection: disconnects the inbound peer SelectNodeToEvict picks; false if none. */
    bool AttemptToEvictConnection();

    ConnmanOptions m_opts;
    BanMan& m_banman;
    std::function<int64_t()> m_now;
    PeerMan* m_peerman{nullptr};

    boost::asio::io_context m_io;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> m_work;
    std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> m_acceptors;
    std::vector<uint16_t> m_bound_ports;
    boost::asio::steady_timer m_timer{m_io};
    std::thread m_thread;
    std::thread::id m_thread_id;
    std::atomic<bool> m_running{false};
    std::atomic<bool> m_network_active{true};

    std::map<int64_t, PeerRef> m_peers;  // network thread
    int64_t m_next_id{0};
    std::atomic<uint64_t> m_total_recv{0};
    std::atomic<uint64_t> m_total_sent{0};

    std::mutex m_added_mutex;
    std::vector<std::string> m_added_nodes;
    // Outbound targets being dialled or connected, by their text (network thread).
    std::map<std::string, int64_t> m_last_attempt_us;
    std::set<std::string> m_pending;
    // Automatic outbound state (network thread, except the seeding thread's flag and thread).
    AddrMan* m_addrman{nullptr};
    std::map<std::string, ConnectionType> m_auto_pending;  // target text -> type, while in m_pending
    int64_t m_next_auto_us{0};
    int64_t m_next_feeler_us{0};
    std::thread m_dns_thread;
    std::mutex m_seed_mutex;
    std::condition_variable m_seed_cv;
    bool m_seed_stop{false};
    std::map<const boost::asio::ip::tcp::acceptor*, uint32_t> m_acceptor_permissions;  // -whitebind listeners
    uint64_t m_netgroup_k0{0}, m_netgroup_k1{0};  // keys of the netgroup hash eviction protects by
};
