// Message processing: handshake, header and block sync, serving data, relay, misbehaviour (see peerman.h).
#include "net/peerman.h"
#include "net/addr_relay.h"

#include "consensus/merkle.h"
#include "index/blockfilterindex.h"
#include "net/cfilters.h"
#include "util/logging.h"

#include <algorithm>
#include <limits>
#include <random>

namespace {
std::mt19937_64& Rng()
{
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    return rng;
}

long long Id(const Peer& p) { return static_cast<long long>(p.id); }

/** Core's PoissonNextSend: exponentially distributed delays around the mean. */
int64_t PoissonDelayUs(int64_t mean_ms)
{
    std::exponential_distribution<double> d(1.0 / static_cast<double>(mean_ms * 1000));
    return static_cast<int64_t>(d(Rng()));
}
}  // namespace

PeerMan::PeerMan(NodeContext& node, Connman& connman, BanMan& banman, PeerManOptions opts)
    : m_node(node), m_chainman(*node.chainman), m_connman(connman), m_banman(banman), m_opts(std::move(opts)),
      m_stalling_timeout_s(m_opts.stalling_timeout_s)
{
}

PeerMan::~PeerMan() = default;

uint64_t PeerMan::LocalServices() const
{
    // A pruned node serves only recent blocks (BIP159).
    uint64_t services = (m_opts.pruned ? NODE_NETWORK_LIMITED : NODE_NETWORK | NODE_NETWORK_LIMITED) | NODE_WITNESS;
    // BIP157: -peerblockfilters serves the basic filters.
    if (m_opts.peer_block_filters) services |= NODE_COMPACT_FILTERS;
    return services;
}

// ---- peers -------------------------------------------------------------------------------------------------

void PeerMan::InitializePeer(Peer& peer)
{
    peer.next_ping_us = SteadyMicros() + m_opts.ping_interval_s * 1'000'000;
    peer.next_inv_send_us = 0;
    // The initiator speaks first.
    if (!peer.IsInbound()) PushVersion(peer);
}

void PeerMan::FinalizePeer(Peer& peer)
{
    if (m_addr_relay) m_addr_relay->OnDisconnect(peer);
    for (const auto& [hash, t] : peer.blocks_in_flight) m_blocks_in_flight.erase(hash);
    peer.blocks_in_flight.clear();
    std::erase_if(m_tx_requested, [&](const auto& kv) { return kv.second.first == peer.id; });
    std::erase(m_hb_peers, peer.id);
    m_orphanage.EraseForPeer(peer.id);
    if (peer.sync_started) --m_sync_started;
    peer.sync_started = false;
    LogDebug("net", "Cleared nodestate for peer=%lld\n", Id(peer));
}

void PeerMan::PushVersion(Peer& peer)
{
    VersionMessage v;
    v.version = PROTOCOL_VERSION;
    v.services = LocalServices();
    v.time = m_node.Now();
    v.addr_recv.service = peer.addr;
    v.addr_recv.services = NODE_NONE;
    v.addr_from.services = LocalServices();
    v.nonce = Rng()();
    peer.local_nonce = v.nonce;
    v.user_agent = m_opts.user_agent;
    {
        std::lock_guard lock(m_chainman.Mutex());
        v.start_height = m_chainman.Chain().Height();
    }
    v.relay = !m_opts.ignore_incoming_txs && peer.conn_type != ConnectionType::BLOCK_RELAY;
    m_connman.PushMessage(peer, msg::VERSION, SerializeVersion(v));
    LogDebug("net", "send version message: version %d, blocks=%d, peer=%lld\n", PROTOCOL_VERSION, v.start_height,
             Id(peer));
}

void PeerMan::Misbehaving(Peer& peer, const std::string& message)
{
    peer.should_discourage = true;
    LogPrintf("Misbehaving: peer=%lld: %s\n", Id(peer), message.c_str());
    MaybeDiscourageAndDisconnect(peer);
}

void PeerMan::MaybeDiscourageAndDisconnect(Peer& peer)
{
    if (!peer.should_discourage) return;
    peer.should_discourage = false;
    if (HasPermission(peer.permissions, PF_NOBAN)) {
        // noban peers are never disconnected or discouraged for misbehaviour (Core).
        LogPrintf("Warning: not punishing noban peer %lld!\n", Id(peer));
        return;
    }
    if (peer.IsManual()) {
        LogPrintf("Warning: not punishing manually connected peer %lld!\n", Id(peer));
        return;
    }
    if (peer.addr.addr.IsLocal()) {
        // Discouraging loopback would lock out every local client (Core does the same).
        LogPrintf("Warning: disconnecting but not discouraging local peer %lld!\n", Id(peer));
        m_connman.Disconnect(peer, "misbehaving local peer");
        return;
    }
    LogPrintf("Disconnecting and discouraging peer %lld!\n", Id(peer));
    m_banman.Discourage(peer.addr.addr);
    m_connman.Disconnect(peer, "discouraged");
}

PeerSyncStats PeerMan::GetSyncStats(const Peer& peer) const
{
    PeerSyncStats s;
    std::lock_guard lock(m_chainman.Mutex());
    if (peer.best_known_block) s.synced_headers = peer.best_known_block->height;
    if (peer.last_common_block) s.synced_blocks = peer.last_common_block->height;
    for (const auto& [hash, t] : peer.blocks_in_flight) {
        if (const BlockIndex* idx = m_chainman.LookupBlockIndex(hash)) s.inflight.push_back(idx->height);
    }
    return s;
}

// ---- messages ----------------------------------------------------------------------------------------------

void PeerMan::ProcessMessage(Peer& peer, const NetMessage& m)
{
    const std::string& cmd = m.command;
    LogDebug("net", "received: %s (%zu bytes) peer=%lld\n", cmd.c_str(), m.payload.size(), Id(peer));
    const std::span<const uint8_t> payload(m.payload);

    if (cmd == msg::VERSION) {
        if (peer.version != 0) {
            LogDebug("net", "redundant version message from peer=%lld\n", Id(peer));
            return;
        }
        auto v = ParseVersion(payload);
        if (!v) {
            LogDebug("net", "ProcessMessages(version, %zu bytes): Exception '%s' caught, peer=%lld\n", m.payload.size(),
                     v.error.c_str(), Id(peer));
            m_connman.Disconnect(peer, "malformed version");
            return;
        }
        if (!peer.IsInbound() && !peer.IsManual() &&
            !((v->services & NODE_WITNESS) && (v->services & (NODE_NETWORK | NODE_NETWORK_LIMITED)))) {
            LogDebug("net", "peer=%lld does not offer the expected services (%08llx offered), disconnecting\n",
                     Id(peer), static_cast<unsigned long long>(v->services));
            m_connman.Disconnect(peer, "missing services");
            return;
        }
        if (v->version < MIN_PEER_PROTO_VERSION) {
            LogDebug("net", "peer=%lld using obsolete version %i; disconnecting\n", Id(peer), v->version);
            m_connman.Disconnect(peer, "obsolete version");
            return;
        }
        if (peer.IsInbound() && m_connman.IsOwnNonce(v->nonce)) {
            LogPrintf("connected to self at %s, disconnecting\n", peer.addr.ToString().c_str());
            m_connman.Disconnect(peer, "connected to self");
            return;
        }
        if (peer.IsInbound()) PushVersion(peer);
        peer.version = v->version;
        peer.send_version = std::min(v->version, PROTOCOL_VERSION);
        peer.services = v->services;
        peer.user_agent = v->user_agent;
        peer.starting_height = v->start_height;
        peer.relay_txs = v->relay;
        peer.time_offset = v->time - m_node.Now();
        // BIP339 and BIP155 are announced between version and verack.
        if (peer.send_version >= WTXID_RELAY_VERSION) m_connman.PushMessage(peer, msg::WTXIDRELAY, {});
        m_connman.PushMessage(peer, msg::SENDADDRV2, {});
        m_connman.PushMessage(peer, msg::VERACK, {});
        if (m_addr_relay) m_addr_relay->OnVersion(peer, v->addr_recv, LocalServices());
        LogDebug("net", "receive version message: %s: version %d, blocks=%d, peer=%lld\n", v->user_agent.c_str(),
                 v->version, v->start_height, Id(peer));
        return;
    }

    if (peer.version == 0) {
        LogDebug("net", "non-version message before version handshake. Message \"%s\" from peer=%lld\n", cmd.c_str(),
                 Id(peer));
        return;
    }

    if (cmd == msg::VERACK) {
        if (peer.successfully_connected) {
            LogDebug("net", "ignoring redundant verack message from peer=%lld\n", Id(peer));
            return;
        }
        peer.successfully_connected = true;
        LogPrintf("New %s %s peer connected: version: %d, blocks=%d, peer=%lld\n",
                  ConnectionTypeAsString(peer.conn_type).c_str(), peer.transport->ProtocolType().c_str(),
                  peer.version, peer.starting_height, Id(peer));
        // BIP130: ask for headers announcements.
        if (peer.send_version >= SENDHEADERS_VERSION) m_connman.PushMessage(peer, msg::SENDHEADERS, {});
        // BIP152: we understand compact blocks (low bandwidth until we pick the peer).
        if (peer.send_version >= SHORT_IDS_BLOCKS_VERSION) {
            m_connman.PushMessage(peer, msg::SENDCMPCT, SerializeSendCmpct({false, 2}));
        }
        // BIP133: our mempool's minimum relay feerate.
        if (peer.send_version >= FEEFILTER_VERSION && !m_opts.ignore_incoming_txs && m_node.mempool) {
            int64_t fee;
            {
                std::lock_guard lock(m_node.mempool->m_mutex);
                fee = std::max(m_node.mempool->GetMinFee(m_node.Now()).GetFeePerK(),
                               m_node.mempool->Options().min_relay_feerate.GetFeePerK());
            }
            m_connman.PushMessage(peer, msg::FEEFILTER, SerializeU64(static_cast<uint64_t>(fee)));
        }
        // First ping right away (Core pings on connect to measure latency).
        peer.next_ping_us = 0;
        // Start headers sync with every full node (small networks; Core limits this to one peer during IBD).
        if (peer.services & (NODE_NETWORK | NODE_NETWORK_LIMITED)) {
            peer.sync_started = true;
            ++m_sync_started;
            std::lock_guard lock(m_chainman.Mutex());
            const BlockIndex* best = m_chainman.BestHeader() ? m_chainman.BestHeader() : m_chainman.Tip();
            // Start one back so the reply is never empty (Core does the same).
            SendGetHeaders(peer, best->pprev ? best->pprev : best);
        }
        return;
    }

    if (cmd == msg::WTXIDRELAY) {
        if (peer.successfully_connected) {
            LogDebug("net", "wtxidrelay received after verack from peer=%lld; disconnecting\n", Id(peer));
            m_connman.Disconnect(peer, "wtxidrelay after verack");
            return;
        }
        if (peer.send_version >= WTXID_RELAY_VERSION) peer.wtxid_relay = true;
        return;
    }
    if (cmd == msg::SENDADDRV2) {
        if (peer.successfully_connected) {
            LogDebug("net", "sendaddrv2 received after verack from peer=%lld; disconnecting\n", Id(peer));
            m_connman.Disconnect(peer, "sendaddrv2 after verack");
            return;
        }
        peer.wants_addrv2 = true;
        return;
    }
    if (cmd == msg::SENDTXRCNCL) return;  // BIP330 not supported: ignored as Core does without -txreconciliation

    if (!peer.successfully_connected) {
        LogDebug("net", "Unsupported message \"%s\" prior to verack from peer=%lld\n", cmd.c_str(), Id(peer));
        return;
    }

    if (cmd == msg::PING) {
        auto nonce = ParseU64(payload);
        if (!nonce) return;
        m_connman.PushMessage(peer, msg::PONG, SerializeU64(*nonce));
        return;
    }
    if (cmd == msg::PONG) {
        const int64_t now_us = SteadyMicros();
        auto nonce = ParseU64(payload);
        if (!nonce) {
            LogDebug("net", "pong peer=%lld: Short payload\n", Id(peer));
            return;
        }
        if (peer.ping_nonce_sent != 0 && *nonce == peer.ping_nonce_sent) {
            const int64_t rtt = now_us - peer.ping_start_us;
            if (rtt >= 0) {
                peer.last_ping_us = rtt;
                peer.min_ping_us = peer.min_ping_us < 0 ? rtt : std::min(peer.min_ping_us, rtt);
            }
            peer.ping_nonce_sent = 0;
        } else if (*nonce == 0) {
            LogDebug("net", "pong peer=%lld: Nonce zero\n", Id(peer));
            peer.ping_nonce_sent = 0;
        } else {
            LogDebug("net", "pong peer=%lld: Nonce mismatch\n", Id(peer));
        }
        return;
    }
    if (cmd == msg::SENDHEADERS) {
        peer.prefers_headers = true;
        return;
    }
    if (cmd == msg::SENDCMPCT) {
        auto c = ParseSendCmpct(payload);
        if (!c || c->version != 2) return;  // only version 2 (wtxid short ids) is spoken
        peer.provides_cmpct = true;
        peer.cmpct_hb_from = c->high_bandwidth;
        return;
    }
    if (cmd == msg::FEEFILTER) {
        auto fee = ParseU64(payload);
        if (fee && MoneyRange(static_cast<int64_t>(*fee))) peer.fee_filter_received = static_cast<int64_t>(*fee);
        return;
    }
    if (cmd == msg::ADDR || cmd == msg::ADDRV2) {
        auto addrs = ParseAddrMessage(payload, cmd == msg::ADDRV2);
        if (!addrs) return;
        if (addrs->size() > MAX_ADDR_TO_SEND) {
            Misbehaving(peer, cmd + " message size = " + std::to_string(addrs->size()));
            return;
        }
        if (m_addr_relay) m_addr_relay->OnAddr(peer, std::move(*addrs));
        return;
    }
    if (cmd == msg::GETADDR) {
        if (m_addr_relay) m_addr_relay->OnGetAddr(peer);
        return;
    }
    if (cmd == msg::MEMPOOL) {
        // BIP35 is served only with bloom filters enabled (Core), which we do not offer.
        LogDebug("net", "mempool request with bloom filters disabled, disconnect peer=%lld\n", Id(peer));
        m_connman.Disconnect(peer, "mempool request");
        return;
    }
    if (cmd == msg::INV) {
        auto invs = ParseInvVector(payload);
        if (!invs) return;
        if (invs->size() > MAX_INV_SZ) {
            Misbehaving(peer, "inv message size = " + std::to_string(invs->size()));
            return;
        }
        ProcessInv(peer, *invs);
        return;
    }
    if (cmd == msg::GETDATA) {
        auto invs = ParseInvVector(payload);
        if (!invs) return;
        if (invs->size() > MAX_INV_SZ) {
            Misbehaving(peer, "getdata message size = " + std::to_string(invs->size()));
            return;
        }
        peer.getdata_queue.insert(peer.getdata_queue.end(), invs->begin(), invs->end());
        ProcessGetData(peer);
        return;
    }
    if (cmd == msg::NOTFOUND) {
        auto invs = ParseInvVector(payload);
        if (!invs) return;
        for (const Inv& inv : *invs) {
            if (!inv.IsGenTxMsg()) continue;
            auto it = m_tx_requested.find(inv.hash);
            if (it != m_tx_requested.end() && it->second.first == peer.id) m_tx_requested.erase(it);
        }
        return;
    }
    if (cmd == msg::GETHEADERS || cmd == msg::GETBLOCKS) {
        auto req = ParseGetHeaders(payload);
        if (!req) return;
        if (req->locator.size() > MAX_LOCATOR_SZ) {
            LogDebug("net", "%s locator size %zu > %zu, disconnect peer=%lld\n", cmd.c_str(), req->locator.size(),
                     MAX_LOCATOR_SZ, Id(peer));
            m_connman.Disconnect(peer, "locator too large");
            return;
        }
        ProcessGetHeaders(peer, *req, cmd == msg::GETBLOCKS);
        return;
    }
    if (cmd == msg::HEADERS) {
        auto headers = ParseHeaders(payload);
        if (!headers) {
            if (headers.error.rfind("headers message size", 0) == 0) {
                Misbehaving(peer, headers.error);
            } else {
                LogDebug("net", "ProcessMessages(headers): Exception '%s' caught, peer=%lld\n",
                         headers.error.c_str(), Id(peer));
            }
            return;
        }
        ProcessHeaders(peer, *headers);
        return;
    }
    if (cmd == msg::BLOCK) {
        auto block = ParseBlockMessage(payload);
        if (!block) {
            LogDebug("net", "ProcessMessages(block): Exception '%s' caught, peer=%lld\n", block.error.c_str(),
                     Id(peer));
            return;
        }
        ProcessBlock(peer, *block);
        return;
    }
    if (cmd == msg::TX) {
        if (m_opts.ignore_incoming_txs) {
            LogDebug("net", "transaction sent in violation of protocol peer=%lld\n", Id(peer));
            m_connman.Disconnect(peer, "tx in blocksonly mode");
            return;
        }
        auto tx = ParseTxMessage(payload);
        if (!tx) {
            LogDebug("net", "ProcessMessages(tx): Exception '%s' caught, peer=%lld\n", tx.error.c_str(), Id(peer));
            return;
        }
        ProcessTx(peer, *tx);
        return;
    }
    if (cmd == msg::CMPCTBLOCK) {
        auto c = ParseCompactBlock(payload);
        if (!c) {
            LogDebug("net", "ProcessMessages(cmpctblock): Exception '%s' caught, peer=%lld\n", c.error.c_str(), Id(peer));
            return;
        }
        ProcessCompactBlock(peer, *c);
        return;
    }
    if (cmd == msg::GETBLOCKTXN) {
        auto r = ParseBlockTxnRequest(payload);
        if (r) ProcessGetBlockTxn(peer, *r);
        return;
    }
    if (cmd == msg::BLOCKTXN) {
        auto b = ParseBlockTxn(payload);
        if (b) ProcessBlockTxn(peer, *b);
        return;
    }
    // BIP157 compact block filters.
    if (cmd == msg::GETCFILTERS) {
        ProcessGetCFilters(peer, payload);
        return;
    }
    if (cmd == msg::GETCFHEADERS) {
        ProcessGetCFHeaders(peer, payload);
        return;
    }
    if (cmd == msg::GETCFCHECKPT) {
        ProcessGetCFCheckPt(peer, payload);
        return;
    }
    LogDebug("net", "Unknown command \"%s\" from peer=%lld\n", cmd.c_str(), Id(peer));
}

// ---- headers and blocks ------------------------------------------------------------------------------------

void PeerMan::SendGetHeaders(Peer& peer, const BlockIndex* from)
{
    GetHeadersMessage m;
    m.locator = m_chainman.Chain().GetLocator(from);
    m_connman.PushMessage(peer, msg::GETHEADERS, SerializeGetHeaders(m));
    LogDebug("net", "getheaders (%d) sent to peer=%lld\n", from ? from->height : -1, Id(peer));
}

void PeerMan::UpdateBlockAvailability(Peer& peer, const uint256& hash)
{
    ProcessBlockAvailability(peer);
    const BlockIndex* idx = m_chainman.LookupBlockIndex(hash);
    if (idx && idx->chain_work > arith_uint256(0)) {
        if (!peer.best_known_block || idx->chain_work >= peer.best_known_block->chain_work) peer.best_known_block = idx;
    } else {
        peer.last_unknown_block = hash;
    }
}

void PeerMan::ProcessBlockAvailability(Peer& peer)
{
    if (peer.last_unknown_block.IsNull()) return;
    const BlockIndex* idx = m_chainman.LookupBlockIndex(peer.last_unknown_block);
    if (idx && idx->chain_work > arith_uint256(0)) {
        if (!peer.best_known_block || idx->chain_work >= peer.best_known_block->chain_work) peer.best_known_block = idx;
        peer.last_unknown_block.SetNull();
    }
}

bool PeerMan::MaybePunishNodeForBlock(Peer& peer, const BlockValidationState& state, const std::string& message)
{
    switch (state.GetResult()) {
    case BlockValidationResult::BLOCK_RESULT_UNSET: break;
    case BlockValidationResult::BLOCK_CONSENSUS:
    case BlockValidationResult::BLOCK_MUTATED:
    case BlockValidationResult::BLOCK_INVALID_HEADER:
    case BlockValidationResult::BLOCK_INVALID_PREV:
    case BlockValidationResult::BLOCK_MISSING_PREV:
        Misbehaving(peer, message.empty() ? state.ToString() : message);
        return true;
    case BlockValidationResult::BLOCK_CACHED_INVALID:
        // Outbound peers on an invalid chain are useless to us; inbound ones may simply be behind (Core).
        if (!peer.IsInbound()) {
            Misbehaving(peer, message.empty() ? state.ToString() : message);
            return true;
        }
        break;
    default: break;
    }
    if (!message.empty()) LogDebug("net", "peer=%lld: %s\n", Id(peer), message.c_str());
    return false;
}

void PeerMan::ProcessHeaders(Peer& peer, const std::vector<BlockHeader>& headers)
{
    if (headers.empty()) return;
    for (size_t i = 1; i < headers.size(); ++i) {
        if (headers[i].prev_block != headers[i - 1].GetHash()) {
            Misbehaving(peer, "non-continuous headers sequence");
            return;
        }
    }
    std::lock_guard lock(m_chainman.Mutex());
    if (!m_chainman.LookupBlockIndex(headers[0].prev_block)) {
        // Not connecting: ask for what leads up to it (a new tip announced past what we know).
        ++peer.unconnecting_headers;
        UpdateBlockAvailability(peer, headers.back().GetHash());
        const BlockIndex* best = m_chainman.BestHeader() ? m_chainman.BestHeader() : m_chainman.Tip();
        SendGetHeaders(peer, best);
        LogDebug("net", "received header %s: missing prev block %s, sending getheaders (%d) to end (peer=%lld)\n",
                 headers[0].GetHash().GetHex().c_str(), headers[0].prev_block.GetHex().c_str(), best->height,
                 Id(peer));
        return;
    }
    BlockValidationState state;
    const BlockIndex* last = nullptr;
    if (!m_chainman.ProcessNewBlockHeaders(headers, true, state, &last)) {
        if (state.IsInvalid()) {
            MaybePunishNodeForBlock(peer, state, "invalid header received");
            return;
        }
    }
    peer.unconnecting_headers = 0;
    if (last) UpdateBlockAvailability(peer, last->GetBlockHash());
    if (headers.size() == MAX_HEADERS_RESULTS && last) {
        // The peer may have more.
        SendGetHeaders(peer, last);
    }
    RequestBlocks(peer, SteadyMicros());
}

void PeerMan::ProcessBlock(Peer& peer, const std::shared_ptr<const Block>& block)
{
    const uint256 hash = block->GetHash();
    bool requested = false;
    {
        auto it = m_blocks_in_flight.find(hash);
        if (it != m_blocks_in_flight.end() && it->second == peer.id) requested = true;
    }
    RemoveBlockRequest(hash, peer.id);
    bool new_block = false;
    BlockValidationState state;
    const bool ok = m_chainman.ProcessNewBlock(block, requested, true, &new_block, &state);
    if (new_block) peer.last_block_time = m_node.Now();
    if (!ok && state.IsInvalid()) {
        MaybePunishNodeForBlock(peer, state, "");
        return;
    }
    bool became_tip = false;
    {
        std::lock_guard lock(m_chainman.Mutex());
        UpdateBlockAvailability(peer, hash);
        became_tip = new_block && m_chainman.Tip()->GetBlockHash() == hash && !m_chainman.IsInitialBlockDownload();
    }
    if (new_block) m_stalling_timeout_s = std::max(m_opts.stalling_timeout_s, m_stalling_timeout_s * 85 / 100);
    if (became_tip) MaybeSetPeerAsHighBandwidth(peer);
}

void PeerMan::RemoveBlockRequest(const uint256& hash, int64_t from_peer)
{
    auto it = m_blocks_in_flight.find(hash);
    if (it == m_blocks_in_flight.end()) return;
    if (from_peer >= 0 && it->second != from_peer) return;
    if (Peer* owner = m_connman.FindPeer(it->second)) {
        std::erase_if(owner->blocks_in_flight, [&](const auto& e) { return e.first == hash; });
    }
    m_blocks_in_flight.erase(it);
}

void PeerMan::FindNextBlocksToDownload(Peer& peer, int count, std::vector<const BlockIndex*>& out, int64_t* staller)
{
    if (count <= 0) return;
    ProcessBlockAvailability(peer);
    const BlockIndex* best = peer.best_known_block;
    const BlockIndex* tip = m_chainman.Tip();
    if (!best || best->chain_work < tip->chain_work) return;
    // Where our chain and the peer's meet, and the download window from there.
    if (!peer.last_common_block) {
        peer.last_common_block = best->GetAncestor(std::min(best->height, tip->height));
    }
    peer.last_common_block = LastCommonAncestor(peer.last_common_block, best);
    if (peer.last_common_block == best) return;
    const int window_end = peer.last_common_block->height + BLOCK_DOWNLOAD_WINDOW;
    const int max_height = std::min(best->height, window_end + 1);
    std::vector<const BlockIndex*> path;
    for (const BlockIndex* p = best->GetAncestor(max_height); p && p != peer.last_common_block; p = p->pprev) {
        path.push_back(p);
    }
    std::reverse(path.begin(), path.end());
    int64_t waiting_for = -1;
    for (const BlockIndex* p : path) {
        if (!p->IsValid(BLOCK_VALID_TREE)) return;  // an invalid chain is not worth downloading
        if ((p->status & BLOCK_HAVE_DATA) || m_chainman.Chain().Contains(p)) {
            if (p->HaveNumChainTxs()) peer.last_common_block = p;
            continue;
        }
        auto inflight = m_blocks_in_flight.find(p->GetBlockHash());
        if (inflight != m_blocks_in_flight.end()) {
            if (waiting_for < 0) waiting_for = inflight->second;
            continue;
        }
        if (p->height > window_end) {
            // The window is full; whoever holds its first block may be stalling us.
            if (out.empty() && waiting_for != peer.id && staller) *staller = waiting_for;
            return;
        }
        out.push_back(p);
        if (static_cast<int>(out.size()) >= count) return;
    }
}

void PeerMan::RequestBlocks(Peer& peer, int64_t now_us)
{
    if (!peer.successfully_connected || peer.disconnect) return;
    const int room = MAX_BLOCKS_IN_TRANSIT_PER_PEER - static_cast<int>(peer.blocks_in_flight.size());
    if (room <= 0) return;
    std::vector<const BlockIndex*> to_fetch;
    int64_t staller = -1;
    {
        std::lock_guard lock(m_chainman.Mutex());
        FindNextBlocksToDownload(peer, room, to_fetch, &staller);
    }
    if (!to_fetch.empty()) {
        std::vector<Inv> invs;
        for (const BlockIndex* p : to_fetch) {
            invs.push_back(Inv{MSG_WITNESS_BLOCK, p->GetBlockHash()});
            m_blocks_in_flight[p->GetBlockHash()] = peer.id;
            peer.blocks_in_flight.emplace_back(p->GetBlockHash(), now_us);
            LogDebug("net", "Requesting block %s (%d) peer=%lld\n", p->GetBlockHash().GetHex().c_str(), p->height,
                     Id(peer));
        }
        m_connman.PushMessage(peer, msg::GETDATA, SerializeInvVector(invs));
    }
    if (staller >= 0) {
        Peer* s = m_connman.FindPeer(staller);
        if (s && !s->blocks_in_flight.empty() &&
            now_us - s->blocks_in_flight.front().second > m_stalling_timeout_s * 1'000'000) {
            LogPrintf("Peer=%lld is stalling block download, disconnecting\n", Id(*s));
            m_stalling_timeout_s = std::min(m_opts.max_stalling_timeout_s, m_stalling_timeout_s * 2);
            m_connman.Disconnect(*s, "stalling block download");
        }
    }
}

void PeerMan::ProcessGetHeaders(Peer& peer, const GetHeadersMessage& m, bool blocks)
{
    std::lock_guard lock(m_chainman.Mutex());
    const ActiveChain& chain = m_chainman.Chain();
    if (!blocks && m_chainman.IsInitialBlockDownload()) {
        // Our chain may be far behind: do not hand it out as if it were current (Core; no -whitelist yet). Core stays
        // silent here; we answer with no headers, which tells the asker nothing but closes its request: a Core peer
        // otherwise keeps the request open, sends no sendheaders and drops our first block inv after we caught up.
        LogDebug("net", "Ignoring getheaders from peer=%lld because node is in initial block download\n", Id(peer));
        m_connman.PushMessage(peer, msg::HEADERS, SerializeHeaders({}));
        return;
    }
    const BlockIndex* start = nullptr;
    if (m.locator.empty()) {
        // A single header by hash.
        const BlockIndex* idx = m_chainman.LookupBlockIndex(m.hash_stop);
        if (!idx || !idx->IsValid(BLOCK_VALID_TREE)) return;
        if (!blocks) {
            m_connman.PushMessage(peer, msg::HEADERS, SerializeHeaders({idx->GetBlockHeader()}));
        }
        return;
    }
    // The first locator entry on our active chain (Core's FindForkInGlobalIndex; genesis when none).
    for (const uint256& h : m.locator) {
        const BlockIndex* idx = m_chainman.LookupBlockIndex(h);
        if (idx && chain.Contains(idx)) {
            start = idx;
            break;
        }
        if (idx && idx->GetAncestor(chain.Height()) == chain.Tip()) {
            start = chain.Tip();
            break;
        }
    }
    if (!start) start = chain.Genesis();
    const size_t limit = blocks ? 500 : MAX_HEADERS_RESULTS;
    if (blocks) {
        std::vector<Inv> invs;
        for (const BlockIndex* p = chain.Next(start); p; p = chain.Next(p)) {
            if (p->GetBlockHash() == m.hash_stop) break;
            invs.push_back(Inv{MSG_BLOCK, p->GetBlockHash()});
            if (invs.size() >= limit) break;
        }
        if (!invs.empty()) m_connman.PushMessage(peer, msg::INV, SerializeInvVector(invs));
        return;
    }
    std::vector<BlockHeader> headers;
    const BlockIndex* last = nullptr;
    for (const BlockIndex* p = chain.Next(start); p; p = chain.Next(p)) {
        headers.push_back(p->GetBlockHeader());
        last = p;
        if (headers.size() >= limit || p->GetBlockHash() == m.hash_stop) break;
    }
    // The peer now knows our chain up to `last` (or the fork point): announcements can connect to it.
    peer.best_header_sent = last ? last : start;
    m_connman.PushMessage(peer, msg::HEADERS, SerializeHeaders(headers));
}

void PeerMan::ProcessGetData(Peer& peer)
{
    std::vector<Inv> not_found;
    while (!peer.getdata_queue.empty() && !peer.disconnect) {
        if (peer.PauseSend(m_connman.Options().max_send_buffer)) break;  // resumed when the queue drains
        const Inv inv = peer.getdata_queue.front();
        peer.getdata_queue.pop_front();
        if (inv.IsGenTxMsg()) {
            TransactionRef tx;
            if (m_node.mempool) {
                std::lock_guard lock(m_node.mempool->m_mutex);
                if (inv.IsMsgWtx()) {
                    if (const MempoolEntry* e = m_node.mempool->GetEntryByWtxid(inv.hash)) tx = e->tx;
                } else {
                    tx = m_node.mempool->Get(inv.hash);
                }
            }
            if (!tx) {
                not_found.push_back(inv);
                continue;
            }
            // MSG_TX asks for the serialization without witness (BIP144).
            const bool witness = inv.type != MSG_TX;
            m_connman.PushMessage(peer, msg::TX, EncodeTransaction(*tx, witness));
            continue;
        }
        if (inv.IsGenBlkMsg()) {
            std::optional<std::vector<uint8_t>> raw;
            bool stripped = inv.type == MSG_BLOCK || inv.type == MSG_FILTERED_BLOCK;
            {
                std::lock_guard lock(m_chainman.Mutex());
                const BlockIndex* idx = m_chainman.LookupBlockIndex(inv.hash);
                if (!idx || !(idx->status & BLOCK_HAVE_DATA)) continue;
                // Serve the active chain and fully validated side branches only (Core's BlockRequestAllowed).
                if (!m_chainman.Chain().Contains(idx) && !idx->IsValid(BLOCK_VALID_SCRIPTS)) continue;
                if (inv.type == MSG_FILTERED_BLOCK || inv.type == MSG_FILTERED_WITNESS_BLOCK) continue;  // no BIP37
                if (inv.type == MSG_CMPCT_BLOCK && idx->height >= m_chainman.Chain().Height() - MAX_CMPCTBLOCK_DEPTH) {
                    auto block = m_chainman.ReadBlock(*idx);
                    if (block) {
                        m_connman.PushMessage(peer, msg::CMPCTBLOCK,
                                              SerializeCompactBlock(CompactBlock::FromBlock(*block, Rng()())));
                        continue;
                    }
                }
                if (stripped) {
                    auto block = m_chainman.ReadBlock(*idx);
                    if (block) raw = EncodeBlock(*block, false);
                } else {
                    raw = m_chainman.ReadRawBlock(*idx);
                }
            }
            if (!raw) {
                LogDebug("net", "Cannot load block %s, disconnect peer=%lld\n", inv.hash.GetHex().c_str(), Id(peer));
                m_connman.Disconnect(peer, "block not available");
                return;
            }
            m_connman.PushMessage(peer, msg::BLOCK, *raw);
            continue;
        }
    }
    if (!not_found.empty()) m_connman.PushMessage(peer, msg::NOTFOUND, SerializeInvVector(not_found));
}

void PeerMan::ProcessInv(Peer& peer, const std::vector<Inv>& invs)
{
    const int64_t now_us = SteadyMicros();
    std::vector<Inv> to_request;
    bool ibd;
    {
        std::lock_guard lock(m_chainman.Mutex());
        ibd = m_chainman.IsInitialBlockDownload();
        for (const Inv& inv : invs) {
            if (inv.type != MSG_BLOCK && inv.type != MSG_WITNESS_BLOCK) continue;
            UpdateBlockAvailability(peer, inv.hash);
            if (!m_chainman.LookupBlockIndex(inv.hash)) {
                // Headers first: ask for the headers leading to the announced block.
                const BlockIndex* best = m_chainman.BestHeader() ? m_chainman.BestHeader() : m_chainman.Tip();
                GetHeadersMessage m;
                m.locator = m_chainman.Chain().GetLocator(best);
                m.hash_stop = inv.hash;
                m_connman.PushMessage(peer, msg::GETHEADERS, SerializeGetHeaders(m));
            }
        }
    }
    for (const Inv& inv : invs) {
        if (!inv.IsGenTxMsg()) continue;
        // BIP339: a wtxid-relay peer announces by wtxid, others by txid; the wrong kind is ignored.
        const bool by_wtxid = inv.IsMsgWtx();
        if (by_wtxid != peer.wtxid_relay) continue;
        peer.known_txs.insert(inv.hash);
        if (m_opts.ignore_incoming_txs || ibd) continue;
        if (AlreadyHaveTx(inv.hash, by_wtxid)) continue;
        auto it = m_tx_requested.find(inv.hash);
        if (it != m_tx_requested.end() && now_us - it->second.second < m_opts.tx_request_expiry_s * 1'000'000) {
            continue;
        }
        m_tx_requested[inv.hash] = {peer.id, now_us};
        to_request.push_back(Inv{by_wtxid ? static_cast<uint32_t>(MSG_WTX) : static_cast<uint32_t>(MSG_WITNESS_TX),
                                 inv.hash});
    }
    if (!to_request.empty()) m_connman.PushMessage(peer, msg::GETDATA, SerializeInvVector(to_request));
    RequestBlocks(peer, now_us);
}

bool PeerMan::AlreadyHaveTx(const uint256& hash, bool by_wtxid, bool include_reconsiderable)
{
    // The orphan pool is asked by wtxid only; a txid asks as if it were a wtxid, which finds non-segwit orphans
    // without false positives from malleated witnesses (Core).
    if (m_orphanage.HaveTx(hash)) return true;
    if (include_reconsiderable && m_recent_rejects_reconsiderable.count(hash)) return true;
    if (m_recent_rejects.count(hash)) return true;
    if (!m_node.mempool) return true;
    std::lock_guard lock(m_node.mempool->m_mutex);
    return by_wtxid ? m_node.mempool->ExistsWtxid(hash) : m_node.mempool->Exists(hash);
}

void PeerMan::ProcessValidTx(int64_t peer_id, const TransactionRef& tx)
{
    // Relay goes through TransactionAddedToMempool; orphans waiting for this transaction get another look.
    m_orphanage.AddChildrenToWorkSet(*tx);
    m_orphanage.EraseTx(tx->GetWitnessHash());
    if (Peer* p = m_connman.FindPeer(peer_id)) p->last_tx_time = m_node.Now();
}

void PeerMan::ProcessInvalidTx(int64_t peer_id, const TransactionRef& tx, const TxValidationState& state)
{
    const uint256& wtxid = tx->GetWitnessHash();
    LogDebug("mempoolrej", "%s (wtxid=%s) from peer=%lld was not accepted: %s\n", tx->GetHash().GetHex().c_str(),
             wtxid.GetHex().c_str(), static_cast<long long>(peer_id), state.ToString().c_str());
    // A stripped witness says nothing about the real transaction: it may come again with its witness.
    if (state.GetResult() != TxValidationResult::TX_WITNESS_STRIPPED) {
        if (state.GetResult() == TxValidationResult::TX_RECONSIDERABLE) {
            // Bounded like Core's rolling filter (120,000 entries): forgetting only costs a re-download.
            if (m_recent_rejects_reconsiderable.size() >= 120'000) m_recent_rejects_reconsiderable.clear();
            m_recent_rejects_reconsiderable.insert(wtxid);
        } else {
            m_recent_rejects.insert(wtxid);
            // Non-standard inputs fail whatever the witness, so the txid is known bad too (Core).
            if (state.GetResult() == TxValidationResult::TX_INPUTS_NOT_STANDARD && tx->HasWitness()) {
                m_recent_rejects.insert(tx->GetHash());
            }
        }
    }
    m_tx_requested.erase(wtxid);
    // Core punishes only consensus-invalid transactions.
    if (state.GetResult() == TxValidationResult::TX_CONSENSUS) {
        if (Peer* p = m_connman.FindPeer(peer_id)) Misbehaving(*p, state.ToString());
    }
    if (state.GetResult() != TxValidationResult::TX_MISSING_INPUTS) m_orphanage.EraseTx(wtxid);
}

bool PeerMan::ProcessOrphanTx(Peer& peer)
{
    while (TransactionRef orphan = m_orphanage.GetTxToReconsider(peer.id)) {
        const MempoolAcceptResult result = m_node.ProcessTransaction(orphan, false);
        if (result.IsValid()) {
            LogDebug("mempool", "   accepted orphan tx %s (wtxid=%s)\n", orphan->GetHash().GetHex().c_str(),
                     orphan->GetWitnessHash().GetHex().c_str());
            ProcessValidTx(peer.id, orphan);
            return true;
        }
        if (result.state.GetResult() != TxValidationResult::TX_MISSING_INPUTS) {
            if (result.state.IsInvalid()) {
                LogDebug("mempool", "   invalid orphan tx %s (wtxid=%s) from peer=%lld. %s\n",
                         orphan->GetHash().GetHex().c_str(), orphan->GetWitnessHash().GetHex().c_str(), Id(peer),
                         result.state.ToString().c_str());
                ProcessInvalidTx(peer.id, orphan, result.state);
            }
            return true;
        }
        // Still missing another parent: it stays in the pool.
    }
    return false;
}

std::optional<PeerMan::PackageToValidate> PeerMan::Find1P1CPackage(const TransactionRef& parent, int64_t peer_id)
{
    const uint256& parent_wtxid = parent->GetWitnessHash();
    // Children from the same peer first, so fake children from others cannot crowd out the honest one (Core).
    for (const TransactionRef& child : m_orphanage.GetChildrenFromSamePeer(parent, peer_id)) {
        if (!m_rejected_packages.count({parent_wtxid, child->GetWitnessHash()})) {
            return PackageToValidate{parent, child, peer_id, peer_id};
        }
    }
    auto others = m_orphanage.GetChildrenFromDifferentPeer(parent, peer_id);
    std::shuffle(others.begin(), others.end(), Rng());
    for (const auto& [child, sender] : others) {
        if (!m_rejected_packages.count({parent_wtxid, child->GetWitnessHash()})) {
            return PackageToValidate{parent, child, peer_id, sender};
        }
    }
    return std::nullopt;
}

void PeerMan::ProcessPackage(const PackageToValidate& package)
{
    const std::vector<TransactionRef> txs{package.parent, package.child};
    PackageMempoolAcceptResult result;
    {
        std::lock_guard lock(m_chainman.Mutex());
        result = AcceptPackage(*m_node.mempool, *m_node.mempool_context, txs, m_node.Now(), false);
    }
    LogDebug("txpackages", "package evaluation for parent %s (wtxid=%s, sender=%lld) + child %s (wtxid=%s, "
             "sender=%lld): %s\n",
             package.parent->GetHash().GetHex().c_str(), package.parent->GetWitnessHash().GetHex().c_str(),
             static_cast<long long>(package.parent_sender), package.child->GetHash().GetHex().c_str(),
             package.child->GetWitnessHash().GetHex().c_str(), static_cast<long long>(package.child_sender),
             result.state.IsValid() ? "package accepted" : "package rejected");
    if (result.state.IsInvalid()) {
        if (m_rejected_packages.size() >= 120'000) m_rejected_packages.clear();
        m_rejected_packages.insert({package.parent->GetWitnessHash(), package.child->GetWitnessHash()});
    }
    for (size_t i = 0; i < txs.size(); ++i) {
        const int64_t sender = i == 0 ? package.parent_sender : package.child_sender;
        auto it = result.tx_results.find(txs[i]->GetWitnessHash());
        if (it == result.tx_results.end()) continue;
        switch (it->second.result_type) {
        case MempoolAcceptResult::ResultType::VALID:
            if (m_node.notifications) m_node.notifications->TransactionAddedToMempool(txs[i]);
            ProcessValidTx(sender, txs[i]);
            break;
        case MempoolAcceptResult::ResultType::INVALID:
        case MempoolAcceptResult::ResultType::DIFFERENT_WITNESS:
            if (it->second.state.IsInvalid()) ProcessInvalidTx(sender, txs[i], it->second.state);
            break;
        case MempoolAcceptResult::ResultType::MEMPOOL_ENTRY:
            break;
        }
    }
}

void PeerMan::ProcessTx(Peer& peer, const TransactionRef& tx)
{
    const uint256& wtxid = tx->GetWitnessHash();
    const uint256& txid = tx->GetHash();
    peer.known_txs.insert(wtxid);
    peer.known_txs.insert(txid);
    m_tx_requested.erase(wtxid);
    m_tx_requested.erase(txid);
    {
        std::lock_guard lock(m_chainman.Mutex());
        if (m_chainman.IsInitialBlockDownload()) return;
    }
    if (AlreadyHaveTx(wtxid, true, true)) {
        // Rejected on fees alone: not worth trying by itself again, but maybe with a child from the orphan pool.
        if (m_recent_rejects_reconsiderable.count(wtxid)) {
            if (auto package = Find1P1CPackage(tx, peer.id)) ProcessPackage(*package);
        }
        return;
    }
    const MempoolAcceptResult result = m_node.ProcessTransaction(tx, false);
    if (result.IsValid()) {
        LogDebug("mempool", "AcceptToMemoryPool: peer=%lld: accepted %s (wtxid=%s)\n", Id(peer),
                 txid.GetHex().c_str(), wtxid.GetHex().c_str());
        ProcessValidTx(peer.id, tx);
        while (!peer.disconnect && ProcessOrphanTx(peer)) {
        }
        return;
    }
    const TxValidationState& state = result.state;
    if (state.GetResult() == TxValidationResult::TX_MISSING_INPUTS) {
        // An orphan: keep it unless a parent was rejected (then it can never be valid), and ask for the parents.
        bool rejected_parents = false;
        std::optional<uint256> reconsiderable_parent;
        std::vector<uint256> parents;
        for (const TxIn& in : tx->vin) parents.push_back(in.prevout.hash);
        std::sort(parents.begin(), parents.end());
        parents.erase(std::unique(parents.begin(), parents.end()), parents.end());
        for (const uint256& parent : parents) {
            if (m_recent_rejects.count(parent)) {
                rejected_parents = true;
                break;
            }
            bool in_pool;
            {
                std::lock_guard lock(m_node.mempool->m_mutex);
                in_pool = m_node.mempool->Exists(parent);
            }
            if (m_recent_rejects_reconsiderable.count(parent) && !in_pool) {
                // Only one low-fee parent can be rescued by a 1-parent-1-child package.
                if (reconsiderable_parent) {
                    rejected_parents = true;
                    break;
                }
                reconsiderable_parent = parent;
            }
        }
        if (!rejected_parents) {
            const int64_t now_us = SteadyMicros();
            std::vector<Inv> to_request;
            for (const uint256& parent : parents) {
                peer.known_txs.insert(parent);
                if (AlreadyHaveTx(parent, false, false)) continue;
                auto it = m_tx_requested.find(parent);
                if (it != m_tx_requested.end() && now_us - it->second.second < m_opts.tx_request_expiry_s * 1'000'000) {
                    continue;
                }
                m_tx_requested[parent] = {peer.id, now_us};
                // Parents are asked for by txid: the child names them so (Core).
                to_request.push_back(Inv{MSG_WITNESS_TX, parent});
            }
            if (!to_request.empty()) m_connman.PushMessage(peer, msg::GETDATA, SerializeInvVector(to_request));
            m_orphanage.AddTx(tx, peer.id, m_node.Now());
            m_orphanage.LimitOrphans(m_opts.max_orphan_txs, m_node.Now(), Rng());
        } else {
            LogDebug("mempool", "not keeping orphan with rejected parents %s (wtxid=%s)\n", txid.GetHex().c_str(),
                     wtxid.GetHex().c_str());
            m_recent_rejects.insert(txid);
            m_recent_rejects.insert(wtxid);
        }
        return;
    }
    ProcessInvalidTx(peer.id, tx, state);
    // Rejected on fees alone: a child waiting in the orphan pool may pay for both.
    if (state.GetResult() == TxValidationResult::TX_RECONSIDERABLE) {
        if (auto package = Find1P1CPackage(tx, peer.id)) ProcessPackage(*package);
    }
}

// ---- BIP157 compact block filters --------------------------------------------------------------------------

bool PeerMan::PrepareBlockFilterRequest(Peer& peer, uint8_t filter_type, uint32_t start_height,
                                        const uint256& stop_hash, uint32_t max_height_diff,
                                        const BlockIndex*& stop_index, BlockFilterIndex*& filter_index)
{
    // Only the basic filter exists, and only with -peerblockfilters; asking otherwise is a protocol violation.
    const bool supported = filter_type == static_cast<uint8_t>(BlockFilterType::BASIC) &&
                           (LocalServices() & NODE_COMPACT_FILTERS);
    if (!supported) {
        LogDebug("net", "peer %lld requested unsupported block filter type: %d\n", Id(peer), int{filter_type});
        m_connman.Disconnect(peer, "unsupported block filter type");
        return false;
    }
    {
        std::lock_guard lock(m_chainman.Mutex());
        stop_index = m_chainman.LookupBlockIndex(stop_hash);
        // The stop block must be one the peer may fetch: on the active chain, or a recent fully validated
        // side block (Core's BlockRequestAllowed; 30 days is its STALE_RELAY_AGE_LIMIT).
        bool allowed = stop_index && m_chainman.Chain().Contains(stop_index);
        if (stop_index && !allowed && stop_index->IsValid(BLOCK_VALID_SCRIPTS)) {
            const BlockIndex* best = m_chainman.BestHeader() ? m_chainman.BestHeader() : m_chainman.Tip();
            allowed = best->GetBlockTime() - stop_index->GetBlockTime() < 30 * 24 * 60 * 60;
        }
        if (!allowed) {
            LogDebug("net", "peer %lld requested invalid block hash: %s\n", Id(peer), stop_hash.GetHex().c_str());
            m_connman.Disconnect(peer, "invalid block filter stop hash");
            return false;
        }
    }
    const uint32_t stop_height = static_cast<uint32_t>(stop_index->height);
    if (start_height > stop_height) {
        LogDebug("net", "peer %lld sent invalid getcfilters/getcfheaders with start height %u and stop height %u\n",
                 Id(peer), start_height, stop_height);
        m_connman.Disconnect(peer, "invalid block filter range");
        return false;
    }
    if (stop_height - start_height >= max_height_diff) {
        LogDebug("net", "peer %lld requested too many cfilters/cfheaders: %u / %u\n", Id(peer),
                 stop_height - start_height + 1, max_height_diff);
        m_connman.Disconnect(peer, "too many block filters requested");
        return false;
    }
    filter_index = FindBlockFilterIndex(m_node, BlockFilterType::BASIC);
    if (!filter_index) {
        LogDebug("net", "Filter index for supported type %s not found\n", "basic");
        return false;
    }
    return true;
}

void PeerMan::ProcessGetCFilters(Peer& peer, std::span<const uint8_t> payload)
{
    auto req = ParseCFilterRangeRequest(payload);
    if (!req) {
        LogDebug("net", "ProcessMessages(getcfilters, %zu bytes): Exception '%s' caught, peer=%lld\n",
                 payload.size(), req.error.c_str(), Id(peer));
        return;
    }
    const BlockIndex* stop_index = nullptr;
    BlockFilterIndex* index = nullptr;
    if (!PrepareBlockFilterRequest(peer, req->filter_type, req->start_height, req->stop_hash, MAX_GETCFILTERS_SIZE,
                                   stop_index, index)) {
        return;
    }
    std::vector<BlockFilter> filters;
    if (!index->LookupFilterRange(static_cast<int>(req->start_height), stop_index, filters)) {
        LogDebug("net", "Failed to find block filter in index: filter_type=basic, start_height=%u, stop_hash=%s\n",
                 req->start_height, req->stop_hash.GetHex().c_str());
        return;
    }
    for (const BlockFilter& f : filters) {
        CFilterMessage m{req->filter_type, f.GetBlockHash(), f.GetEncodedFilter()};
        m_connman.PushMessage(peer, msg::CFILTER, SerializeCFilter(m));
    }
}

void PeerMan::ProcessGetCFHeaders(Peer& peer, std::span<const uint8_t> payload)
{
    auto req = ParseCFilterRangeRequest(payload);
    if (!req) {
        LogDebug("net", "ProcessMessages(getcfheaders, %zu bytes): Exception '%s' caught, peer=%lld\n",
                 payload.size(), req.error.c_str(), Id(peer));
        return;
    }
    const BlockIndex* stop_index = nullptr;
    BlockFilterIndex* index = nullptr;
    if (!PrepareBlockFilterRequest(peer, req->filter_type, req->start_height, req->stop_hash, MAX_GETCFHEADERS_SIZE,
                                   stop_index, index)) {
        return;
    }
    CFHeadersMessage m;
    m.filter_type = req->filter_type;
    m.stop_hash = stop_index->GetBlockHash();
    if (req->start_height > 0) {
        const BlockIndex* prev = stop_index->GetAncestor(static_cast<int>(req->start_height - 1));
        if (!index->LookupFilterHeader(prev, m.previous_filter_header)) {
            LogDebug("net", "Failed to find block filter header in index: filter_type=basic, block_hash=%s\n",
                     prev->GetBlockHash().GetHex().c_str());
            return;
        }
    }
    if (!index->LookupFilterHashRange(static_cast<int>(req->start_height), stop_index, m.filter_hashes)) {
        LogDebug("net", "Failed to find block filter hashes in index: filter_type=basic, start_height=%u, "
                 "stop_hash=%s\n", req->start_height, req->stop_hash.GetHex().c_str());
        return;
    }
    m_connman.PushMessage(peer, msg::CFHEADERS, SerializeCFHeaders(m));
}

void PeerMan::ProcessGetCFCheckPt(Peer& peer, std::span<const uint8_t> payload)
{
    auto req = ParseCFCheckptRequest(payload);
    if (!req) {
        LogDebug("net", "ProcessMessages(getcfcheckpt, %zu bytes): Exception '%s' caught, peer=%lld\n",
                 payload.size(), req.error.c_str(), Id(peer));
        return;
    }
    const BlockIndex* stop_index = nullptr;
    BlockFilterIndex* index = nullptr;
    if (!PrepareBlockFilterRequest(peer, req->filter_type, 0, req->stop_hash,
                                   std::numeric_limits<uint32_t>::max(), stop_index, index)) {
        return;
    }
    // BIP157: the header of every CFCHECKPT_INTERVAL-th block up to the stop block.
    CFCheckptMessage m;
    m.filter_type = req->filter_type;
    m.stop_hash = stop_index->GetBlockHash();
    m.filter_headers.resize(static_cast<size_t>(stop_index->height / CFCHECKPT_INTERVAL));
    const BlockIndex* block = stop_index;
    for (int i = static_cast<int>(m.filter_headers.size()) - 1; i >= 0; --i) {
        block = block->GetAncestor((i + 1) * CFCHECKPT_INTERVAL);
        if (!index->LookupFilterHeader(block, m.filter_headers[static_cast<size_t>(i)])) {
            LogDebug("net", "Failed to find block filter header in index: filter_type=basic, block_hash=%s\n",
                     block->GetBlockHash().GetHex().c_str());
            return;
        }
    }
    m_connman.PushMessage(peer, msg::CFCHECKPT, SerializeCFCheckpt(m));
}

// ---- periodic ----------------------------------------------------------------------------------------------

void PeerMan::SendPings()
{
    m_connman.ForEachPeer([](Peer& p) { p.ping_queued = true; });
}

void PeerMan::SendMessages(Peer& peer)
{
    if (peer.disconnect) return;
    MaybeDiscourageAndDisconnect(peer);
    if (peer.disconnect || !peer.successfully_connected) return;
    const int64_t now_us = SteadyMicros();

    // Ping: every interval, or on request; a ping unanswered past the timeout ends the connection.
    if (peer.ping_nonce_sent != 0 && now_us - peer.ping_start_us > m_opts.ping_timeout_s * 1'000'000) {
        LogPrintf("ping timeout: %fs peer=%lld\n", (now_us - peer.ping_start_us) / 1e6, Id(peer));
        m_connman.Disconnect(peer, "ping timeout");
        return;
    }
    if (peer.ping_nonce_sent == 0 && (peer.ping_queued || now_us >= peer.next_ping_us)) {
        uint64_t nonce = 0;
        while (nonce == 0) nonce = Rng()();
        peer.ping_queued = false;
        peer.ping_nonce_sent = nonce;
        peer.ping_start_us = now_us;
        peer.next_ping_us = now_us + m_opts.ping_interval_s * 1'000'000;
        m_connman.PushMessage(peer, msg::PING, SerializeU64(nonce));
    }

    // Block download timeout (Core: ten target spacings, longer while others download too).
    if (!peer.blocks_in_flight.empty() &&
        now_us - peer.blocks_in_flight.front().second > m_opts.block_download_timeout_s * 1'000'000) {
        LogPrintf("Timeout downloading block %s from peer=%lld, disconnecting\n",
                  peer.blocks_in_flight.front().first.GetHex().c_str(), Id(peer));
        m_connman.Disconnect(peer, "block download timeout");
        return;
    }

    if (!peer.getdata_queue.empty()) ProcessGetData(peer);
    // Orphans whose parents arrived (possibly from another peer) are reconsidered on their sender's turn.
    while (!peer.disconnect && ProcessOrphanTx(peer)) {
    }
    AnnounceBlocks(peer);
    AnnounceTransactions(peer, now_us);
    if (m_addr_relay) m_addr_relay->SendAddrs(peer, LocalServices());
    RequestBlocks(peer, now_us);
    // Forget transaction requests that were never answered, so another peer's announcement is followed.
    std::erase_if(m_tx_requested, [&](const auto& kv) {
        return now_us - kv.second.second > m_opts.tx_request_expiry_s * 1'000'000;
    });
}

void PeerMan::AnnounceBlocks(Peer& peer)
{
    if (peer.blocks_to_announce.empty()) return;
    std::vector<const BlockIndex*> blocks;
    blocks.swap(peer.blocks_to_announce);
    std::lock_guard lock(m_chainman.Mutex());
    ProcessBlockAvailability(peer);
    // Leave out what the peer has (it may have sent them to us).
    std::vector<const BlockIndex*> fresh;
    for (const BlockIndex* b : blocks) {
        if (!m_chainman.Chain().Contains(b)) continue;  // reorged away meanwhile
        const bool peer_has = (peer.best_known_block && peer.best_known_block->GetAncestor(b->height) == b) ||
                              (peer.best_header_sent && peer.best_header_sent->GetAncestor(b->height) == b);
        if (!peer_has) fresh.push_back(b);
    }
    if (fresh.empty()) return;
    const BlockIndex* parent = fresh.front()->pprev;
    const auto knows = [&](const BlockIndex* b) {
        return b && ((peer.best_known_block && peer.best_known_block->GetAncestor(b->height) == b) ||
                     (peer.best_header_sent && peer.best_header_sent->GetAncestor(b->height) == b));
    };
    if (peer.cmpct_hb_from && fresh.size() == 1 && knows(parent)) {
        // BIP152 high bandwidth: push the block itself as a compact block.
        auto block = m_chainman.ReadBlock(*fresh.front());
        if (block) {
            peer.best_header_sent = fresh.front();
            m_connman.PushMessage(peer, msg::CMPCTBLOCK, SerializeCompactBlock(CompactBlock::FromBlock(*block, Rng()())));
            return;
        }
    }
    if (peer.prefers_headers && fresh.size() <= static_cast<size_t>(MAX_BLOCKS_TO_ANNOUNCE) && knows(parent)) {
        std::vector<BlockHeader> headers;
        for (const BlockIndex* b : fresh) headers.push_back(b->GetBlockHeader());
        peer.best_header_sent = fresh.back();
        m_connman.PushMessage(peer, msg::HEADERS, SerializeHeaders(headers));
        return;
    }
    // BIP130 fallback: an inv of the tip; the peer asks for the headers it lacks.
    m_connman.PushMessage(peer, msg::INV, SerializeInvVector({Inv{MSG_BLOCK, fresh.back()->GetBlockHash()}}));
}

void PeerMan::AnnounceTransactions(Peer& peer, int64_t now_us)
{
    if (peer.tx_to_announce.empty() || now_us < peer.next_inv_send_us) return;
    // Trickle with exponentially distributed delays so announcements do not reveal the origin (Core).
    peer.next_inv_send_us =
        now_us + PoissonDelayUs(peer.IsInbound() ? m_opts.inbound_inventory_interval_ms
                                                 : m_opts.outbound_inventory_interval_ms);
    if (!peer.relay_txs) {
        peer.tx_to_announce.clear();
        return;
    }
    struct Item {
        size_t ancestors;
        Inv inv;
        uint256 wtxid;
    };
    std::vector<Item> items;
    {
        std::lock_guard lock(m_node.mempool->m_mutex);
        for (auto it = peer.tx_to_announce.begin(); it != peer.tx_to_announce.end();) {
            const MempoolEntry* e = m_node.mempool->GetEntryByWtxid(*it);
            if (!e) {
                it = peer.tx_to_announce.erase(it);
                continue;
            }
            // BIP133: skip what pays less than the peer's filter.
            if (peer.fee_filter_received > 0 && FeeRate(e->fee, e->vsize).GetFeePerK() < peer.fee_filter_received) {
                it = peer.tx_to_announce.erase(it);
                continue;
            }
            const uint256 hash = peer.wtxid_relay ? e->tx->GetWitnessHash() : e->tx->GetHash();
            items.push_back(Item{m_node.mempool->GetAncestorCount(e->Txid()),
                                 Inv{peer.wtxid_relay ? static_cast<uint32_t>(MSG_WTX) : static_cast<uint32_t>(MSG_TX),
                                     hash},
                                 *it});
            ++it;
        }
    }
    // Parents before children, so the peer can accept them in order.
    std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.ancestors < b.ancestors; });
    std::vector<Inv> invs;
    for (const Item& item : items) {
        if (invs.size() >= INVENTORY_BROADCAST_MAX) break;
        peer.tx_to_announce.erase(item.wtxid);
        if (peer.known_txs.count(item.inv.hash)) continue;
        peer.known_txs.insert(item.inv.hash);
        invs.push_back(item.inv);
    }
    if (!invs.empty()) m_connman.PushMessage(peer, msg::INV, SerializeInvVector(invs));
    // Bound the memory of what peers know.
    if (peer.known_txs.size() > 50000) peer.known_txs.clear();
}

// ---- validation events -------------------------------------------------------------------------------------

void PeerMan::UpdatedBlockTip(const BlockIndex& tip, const BlockIndex* fork, bool initial_download)
{
    // Called with the chainstate lock held: collect the new blocks now, hand them to the network thread.
    std::vector<const BlockIndex*> blocks;
    for (const BlockIndex* p = &tip; p && p != fork; p = p->pprev) {
        blocks.push_back(p);
        if (blocks.size() > static_cast<size_t>(MAX_BLOCKS_TO_ANNOUNCE)) break;
    }
    std::reverse(blocks.begin(), blocks.end());
    m_connman.Post([this, blocks, initial_download] {
        // A new tip may make rejected transactions valid (Core resets its filters).
        m_recent_rejects.clear();
        m_recent_rejects_reconsiderable.clear();
        m_rejected_packages.clear();
        if (initial_download) return;
        m_connman.ForEachPeer([&](Peer& p) {
            p.blocks_to_announce.insert(p.blocks_to_announce.end(), blocks.begin(), blocks.end());
            SendMessages(p);
        });
    });
}

void PeerMan::TransactionAddedToMempool(const TransactionRef& tx)
{
    const uint256 wtxid = tx->GetWitnessHash();
    m_connman.Post([this, wtxid] {
        m_connman.ForEachPeer([&](Peer& p) {
            if (p.successfully_connected && p.relay_txs) p.tx_to_announce.insert(wtxid);
        });
    });
}

void PeerMan::BlockConnected(const Block& block, const BlockIndex& index)
{
    (void)index;
    std::vector<uint256> hashes;
    // The orphan pool drops what the block includes or conflicts with (a shell block of the spent outpoints).
    auto spends = std::make_shared<Block>();
    for (const auto& tx : block.vtx) {
        hashes.push_back(tx->GetHash());
        hashes.push_back(tx->GetWitnessHash());
        if (!tx->IsCoinBase()) spends->vtx.push_back(tx);
    }
    m_connman.Post([this, hashes, spends] {
        for (const uint256& h : hashes) m_tx_requested.erase(h);
        m_orphanage.EraseForBlock(*spends);
    });
}

// ---- BIP152 compact blocks ---------------------------------------------------------------------------------

void PeerMan::MaybeSetPeerAsHighBandwidth(Peer& peer)
{
    if (!peer.provides_cmpct || peer.cmpct_hb_to) return;
    // Core keeps the three peers that most recently gave us a new tip as high-bandwidth peers.
    if (m_hb_peers.size() >= 3) {
        if (Peer* old = m_connman.FindPeer(m_hb_peers.front())) {
            old->cmpct_hb_to = false;
            m_connman.PushMessage(*old, msg::SENDCMPCT, SerializeSendCmpct({false, 2}));
        }
        m_hb_peers.pop_front();
    }
    m_hb_peers.push_back(peer.id);
    peer.cmpct_hb_to = true;
    m_connman.PushMessage(peer, msg::SENDCMPCT, SerializeSendCmpct({true, 2}));
}

void PeerMan::RequestFullBlock(Peer& peer, const uint256& hash)
{
    m_blocks_in_flight[hash] = peer.id;
    if (std::none_of(peer.blocks_in_flight.begin(), peer.blocks_in_flight.end(),
                     [&](const auto& e) { return e.first == hash; })) {
        peer.blocks_in_flight.emplace_back(hash, SteadyMicros());
    }
    m_connman.PushMessage(peer, msg::GETDATA, SerializeInvVector({Inv{MSG_WITNESS_BLOCK, hash}}));
}

void PeerMan::ProcessCompactBlock(Peer& peer, const CompactBlock& cmpct)
{
    const uint256 hash = cmpct.header.GetHash();
    {
        std::lock_guard lock(m_chainman.Mutex());
        if (!m_chainman.LookupBlockIndex(cmpct.header.prev_block)) {
            // Does not connect: ask for the headers in between (Core treats it as an unconnecting header).
            const BlockIndex* best = m_chainman.BestHeader() ? m_chainman.BestHeader() : m_chainman.Tip();
            SendGetHeaders(peer, best);
            return;
        }
        BlockValidationState state;
        const BlockIndex* index = nullptr;
        const BlockHeader header = cmpct.header;
        if (!m_chainman.ProcessNewBlockHeaders(std::span<const BlockHeader>(&header, 1), true, state, &index)) {
            if (state.IsInvalid()) MaybePunishNodeForBlock(peer, state, "invalid header via cmpctblock");
            return;
        }
        UpdateBlockAvailability(peer, hash);
        if (!index || (index->status & BLOCK_HAVE_DATA)) return;  // nothing new
        if (index->pprev != m_chainman.Tip()) {
            // Not the next block on our tip: let the normal download logic fetch it (Core's behaviour in spirit).
            return;
        }
    }
    // Where each prefilled transaction goes, and which short id maps to which slot.
    Peer::PartialBlock partial;
    partial.hash = hash;
    partial.header = cmpct.header;
    const size_t count = cmpct.BlockTxCount();
    partial.txs.assign(count, nullptr);
    for (const PrefilledTx& p : cmpct.prefilled) {
        if (p.index >= count || partial.txs[p.index]) {
            Misbehaving(peer, "invalid compact block");
            return;
        }
        partial.txs[p.index] = p.tx;
    }
    std::map<uint64_t, size_t> slot_of;
    size_t next = 0;
    for (uint64_t id : cmpct.short_ids) {
        while (next < count && partial.txs[next]) ++next;
        if (!slot_of.emplace(id, next).second) {
            // Duplicate short ids: reconstruction is ambiguous, fall back to the full block (Core: READ_STATUS_FAILED).
            RequestFullBlock(peer, hash);
            return;
        }
        ++next;
    }
    std::set<size_t> collided;
    if (m_node.mempool && !slot_of.empty()) {
        std::lock_guard lock(m_node.mempool->m_mutex);
        for (const uint256& txid : m_node.mempool->Txids()) {
            TransactionRef tx = m_node.mempool->Get(txid);
            if (!tx) continue;
            auto it = slot_of.find(cmpct.ShortId(tx->GetWitnessHash()));
            if (it == slot_of.end()) continue;
            if (partial.txs[it->second]) collided.insert(it->second);  // two mempool matches: ask for it instead
            partial.txs[it->second] = tx;
        }
    }
    for (size_t i : collided) partial.txs[i] = nullptr;
    for (size_t i = 0; i < count; ++i) {
        if (!partial.txs[i]) partial.missing.push_back(static_cast<uint16_t>(i));
    }
    // The block is in flight from this peer until it is complete.
    m_blocks_in_flight[hash] = peer.id;
    if (std::none_of(peer.blocks_in_flight.begin(), peer.blocks_in_flight.end(),
                     [&](const auto& e) { return e.first == hash; })) {
        peer.blocks_in_flight.emplace_back(hash, SteadyMicros());
    }
    if (partial.missing.empty()) {
        FinishCompactBlock(peer, partial);
        return;
    }
    LogDebug("cmpctblock", "compact block %s: %zu of %zu transactions missing, requesting from peer=%lld\n",
             hash.GetHex().c_str(), partial.missing.size(), count, Id(peer));
    BlockTxnRequest req{hash, partial.missing};
    peer.partial_block = std::move(partial);
    m_connman.PushMessage(peer, msg::GETBLOCKTXN, SerializeBlockTxnRequest(req));
}

void PeerMan::FinishCompactBlock(Peer& peer, Peer::PartialBlock& partial)
{
    auto block = std::make_shared<Block>();
    block->header = partial.header;
    block->vtx = partial.txs;
    bool mutated = false;
    if (BlockMerkleRoot(*block, &mutated) != block->header.merkle_root || mutated) {
        // A short id collision put the wrong transaction in: not the peer's fault (BIP152), fetch the block.
        LogDebug("cmpctblock", "compact block %s reconstruction failed, requesting full block\n",
                 partial.hash.GetHex().c_str());
        RequestFullBlock(peer, partial.hash);
        return;
    }
    ProcessBlock(peer, block);
}

void PeerMan::ProcessGetBlockTxn(Peer& peer, const BlockTxnRequest& req)
{
    std::shared_ptr<Block> block;
    {
        std::lock_guard lock(m_chainman.Mutex());
        const BlockIndex* idx = m_chainman.LookupBlockIndex(req.block_hash);
        if (!idx || !(idx->status & BLOCK_HAVE_DATA)) {
            LogDebug("net", "Peer %lld sent us a getblocktxn for a block we don't have\n", Id(peer));
            return;
        }
        if (idx->height < m_chainman.Chain().Height() - MAX_BLOCKTXN_DEPTH) {
            // Too old for compact relay: answer with the whole block, as Core does.
            peer.getdata_queue.push_back(Inv{MSG_WITNESS_BLOCK, req.block_hash});
            ProcessGetData(peer);
            return;
        }
        auto read = m_chainman.ReadBlock(*idx);
        if (!read) return;
        block = std::make_shared<Block>(std::move(*read));
    }
    BlockTxn resp;
    resp.block_hash = req.block_hash;
    for (uint16_t i : req.indexes) {
        if (i >= block->vtx.size()) {
            Misbehaving(peer, "getblocktxn with out-of-bounds tx indices");
            return;
        }
        resp.txs.push_back(block->vtx[i]);
    }
    m_connman.PushMessage(peer, msg::BLOCKTXN, SerializeBlockTxn(resp));
}

void PeerMan::ProcessBlockTxn(Peer& peer, const BlockTxn& txn)
{
    if (!peer.partial_block || peer.partial_block->hash != txn.block_hash) {
        LogDebug("net", "Peer %lld sent us block transactions for block we weren't expecting\n", Id(peer));
        return;
    }
    Peer::PartialBlock partial = std::move(*peer.partial_block);
    peer.partial_block.reset();
    if (txn.txs.size() != partial.missing.size()) {
        Misbehaving(peer, "invalid compact block/non-matching block transactions");
        return;
    }
    for (size_t i = 0; i < partial.missing.size(); ++i) partial.txs[partial.missing[i]] = txn.txs[i];
    FinishCompactBlock(peer, partial);
}
