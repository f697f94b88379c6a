// Address relay (Core's addr handling in net_processing): one getaddr answer per inbound connection from a cached
// sample of addrman, addr/addrv2 intake with the token-bucket rate limit, relay of fresh addresses to one or two
// peers, self-advertisement, and the getaddr we send to outbound peers. Runs on the network thread; PeerMan calls
// it from its message handlers and Connman uses the same AddrMan for outbound connections.
#pragma once

#include "net/addrman.h"
#include "net/banman.h"
#include "net/connman.h"

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <vector>

/** Core's MAX_PCT_ADDR_TO_SEND: a getaddr answer holds at most 23% of addrman. */
constexpr size_t MAX_PCT_ADDR_TO_SEND = 23;
/** Core's MAX_ADDR_RATE_PER_SECOND and MAX_ADDR_PROCESSING_TOKEN_BUCKET. */
constexpr double MAX_ADDR_RATE_PER_SECOND = 0.1;
constexpr double MAX_ADDR_PROCESSING_TOKEN_BUCKET = MAX_ADDR_TO_SEND;
/** Core's AVG_ADDRESS_BROADCAST_INTERVAL (30 s) and AVG_LOCAL_ADDRESS_BROADCAST_INTERVAL (24 h). */
constexpr int64_t AVG_ADDRESS_BROADCAST_INTERVAL_US = 30 * 1'000'000LL;
constexpr int64_t AVG_LOCAL_ADDRESS_BROADCAST_INTERVAL_US = 24 * 60 * 60 * 1'000'000LL;
/** Core's ROTATE_ADDR_RELAY_DEST_INTERVAL: relay targets change daily. */
constexpr int64_t ROTATE_ADDR_RELAY_DEST_INTERVAL = 24 * 60 * 60;

class AddrRelay
{
public:
    /** now: the node clock in seconds (setmocktime moves it); in_ibd: whether we are still syncing (no
     *  self-advertisement then); listening: whether others can connect to us, and on which port. */
    AddrRelay(Connman& connman, AddrMan& addrman, BanMan& banman, std::function<int64_t()> now,
              std::function<bool()> in_ibd);

    /** After our verack went out on a version from this peer: outbound (not block-relay-only) peers get our
     *  address and a getaddr; outbound connections are marked good in addrman; feelers are done. addr_me is how
     *  the peer sees us. */
    void OnVersion(Peer& peer, const Address& addr_me, uint64_t our_services);
    /** An addr/addrv2 of at most MAX_ADDR_TO_SEND entries (the caller punishes larger ones). */
    void OnAddr(Peer& peer, std::vector<Address> addrs);
    void OnGetAddr(Peer& peer);
    /** Sends queued addresses when the peer's timer is due (called from SendMessages). */
    void SendAddrs(Peer& peer, uint64_t our_services);
    void OnDisconnect(Peer& peer);
    /** Total addresses accepted/rate-limited from a peer (getpeerinfo addr_processed / addr_rate_limited). */
    std::pair<uint64_t, uint64_t> Stats(int64_t peer_id) const;
    bool RelayEnabled(int64_t peer_id) const;

private:
    struct State {
        bool relay_enabled{false};
        bool getaddr_sent{false};
        bool getaddr_recvd{false};
        double token_bucket{1.0};
        int64_t token_timestamp_us{0};
        std::vector<Address> to_send;
        std::set<std::vector<uint8_t>> known;  // Core's m_addr_known rolling filter, capped
        int64_t next_addr_send_us{0};
        int64_t next_local_send_us{0};
        std::optional<Service> addr_local;  // how the peer sees us (from its version)
        uint64_t processed{0};
        uint64_t rate_limited{0};
    };
    /** The peer's state, created on first use with the token bucket's clock started (Core starts it when the
     *  peer connects, so the first addr message does not find a full bucket). */
    State& Get(const Peer& peer);
    bool SetupRelay(Peer& peer);
    void PushAddress(State& s, const Address& a, bool wants_v2);
    void RelayAddress(int64_t from, const Address& a);
    std::vector<Address> CachedAddresses(const Peer& peer);
    int64_t NowUs() const { return m_now() * 1'000'000; }

    Connman& m_connman;
    AddrMan& m_addrman;
    BanMan& m_banman;
    std::function<int64_t()> m_now;
    std::function<bool()> m_in_ibd;
    std::map<int64_t, State> m_state;
    uint64_t m_k0{0}, m_k1{0};  // relay target randomizer
    struct Cache {
        std::vector<Address> addrs;
        int64_t expires{0};
    };
    std::map<std::pair<uint8_t, Service>, Cache> m_getaddr_cache;  // by requestor network and our local socket
};
