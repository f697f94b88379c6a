// The Boost.Asio connection manager (see connman.h).
#include "net/connman.h"

#include "net/peerman.h"
#include "util/logging.h"

#include <random>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::string ConnectionTypeAsString(ConnectionType type)
{
    switch (type) {
    case ConnectionType::INBOUND: return "inbound";
    case ConnectionType::OUTBOUND_FULL_RELAY: return "outbound-full-relay";
    case ConnectionType::MANUAL: return "manual";
    case ConnectionType::FEELER: return "feeler";
    case ConnectionType::BLOCK_RELAY: return "block-relay-only";
    case ConnectionType::ADDR_FETCH: return "addr-fetch";
    }
    return "";
}

int64_t SteadyMicros()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

namespace {
Service FromEndpoint(const tcp::endpoint& ep)
{
    Service s;
    s.port = ep.port();
    const auto a = ep.address();
    if (a.is_v4()) {
        s.addr = NetAddr::FromIPv4(a.to_v4().to_bytes());
    } else {
        auto v6 = a.to_v6();
        if (v6.is_v4_mapped()) {
            s.addr = NetAddr::FromIPv4(asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_bytes());
        } else {
            const auto b = v6.to_bytes();
            std::array<uint8_t, 16> raw;
            std::copy(b.begin(), b.end(), raw.begin());
            s.addr = NetAddr::FromV1Bytes(raw);
        }
    }
    return s;
}

/** Splits "host:port", "[v6]:port", "host" (Core's SplitHostPort); port stays default_port when absent. */
bool SplitHostPort(const std::string& in, std::string& host, uint16_t& port)
{
    host = in;
    const size_t colon = in.rfind(':');
    const bool bracketed = !in.empty() && in[0] == '[';
    const bool multi_colon = colon != std::string::npos && in.find(':') != colon;
    if (colon != std::string::npos && (bracketed ? colon > in.find(']') : !multi_colon)) {
        const std::string p = in.substr(colon + 1);
        if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return false;
        const int n = std::stoi(p);
        if (n <= 0 || n > 65535) return false;
        port = static_cast<uint16_t>(n);
        host = in.substr(0, colon);
    }
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    return !host.empty();
}
}  // namespace

Connman::Connman(ConnmanOptions opts, BanMan& banman, std::function<int64_t()> now)
    : m_opts(std::move(opts)), m_banman(banman), m_now(std::move(now))
{
    std::lock_guard lock(m_added_mutex);
    m_added_nodes = m_opts.addnodes;
}

Connman::~Connman() { Stop(); }

bool Connman::Start(std::string& error, std::vector<std::string>* warnings)
{
    m_work.emplace(asio::make_work_guard(m_io));
    if (m_opts.listen) {
        std::vector<tcp::endpoint> endpoints;
        const bool explicit_bind = !m_opts.binds.empty() || !m_opts.whitebinds.empty();
        std::vector<uint32_t> endpoint_permissions;
        if (explicit_bind) {
            for (const Service& s : m_opts.binds) {
                endpoints.emplace_back(asio::ip::make_address(s.addr.ToString()), s.port);
            }
            endpoint_permissions.assign(endpoints.size(), PF_NONE);
            for (const WhitebindEntry& w : m_opts.whitebinds) {
                endpoints.emplace_back(asio::ip::make_address(w.service.addr.ToString()), w.service.port);
                endpoint_permissions.push_back(w.flags);
            }
        } else {
            endpoints.emplace_back(asio::ip::address_v6::any(), m_opts.port);
            endpoints.emplace_back(asio::ip::address_v4::any(), m_opts.port);
        }
        for (const tcp::endpoint& ep : endpoints) {
            auto acceptor = std::make_unique<tcp::acceptor>(m_io);
            boost::system::error_code ec;
            acceptor->open(ep.protocol(), ec);
            if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
            if (!ec && ep.address().is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
            if (!ec) acceptor->bind(ep, ec);
            if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
            const std::string where = Service{FromEndpoint(ep).addr, ep.port()}.ToString();
            if (ec) {
                const std::string msg = "Unable to bind to " + where + " on this computer (" + ec.message() + ")";
                LogPrintf("%s\n", msg.c_str());
                if (explicit_bind) {
                    error = msg + ". Sovereign is probably already running.";
                    return false;
                }
                if (warnings) warnings->push_back(msg);
                continue;
            }
            LogPrintf("Bound to %s\n", where.c_str());
            m_bound_ports.push_back(acceptor->local_endpoint().port());
            if (!endpoint_permissions.empty()) {
                m_acceptor_permissions[acceptor.get()] = endpoint_permissions[&ep - endpoints.data()];
            }
            m_acceptors.push_back(std::move(acceptor));
        }
        if (m_acceptors.empty() && warnings) warnings->push_back("Failed to listen on any port.");
    }
    for (auto& acceptor : m_acceptors) StartAccept(*acceptor);
    m_timer.expires_after(std::chrono::milliseconds(m_opts.tick_ms));
    m_timer.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) OnTick();
    });
    m_running = true;
    m_thread = std::thread([this] {
        m_thread_id = std::this_thread::get_id();
        try {
            m_io.run();
        } catch (const std::exception& e) {
            LogPrintf("Network thread stopped by exception: %s\n", e.what());
        }
    });
    // Outbound connections start from the thread itself.
    Post([this] { MaintainOutbound(); });
    StartSeeding();
    return true;
}

void Connman::Stop()
{
    if (!m_running) return;
    StopSeeding();  // while the network thread still runs: the seeding thread may be waiting on it
    if (!m_running.exchange(false)) return;
    asio::post(m_io, [this] {
        for (auto& a : m_acceptors) {
            boost::system::error_code ec;
            a->close(ec);
        }
        m_timer.cancel();
        std::vector<int64_t> ids;
        for (auto& [id, peer] : m_peers) ids.push_back(id);
        for (int64_t id : ids) {
            if (Peer* p = FindPeer(id)) Disconnect(*p, "shutdown");
        }
        m_work.reset();
    });
    if (m_thread.joinable()) m_thread.join();
    m_io.stop();
    m_peers.clear();
}

void Connman::StartAccept(tcp::acceptor& acceptor)
{
    auto socket = std::make_shared<tcp::socket>(m_io);
    acceptor.async_accept(*socket, [this, socket, &acceptor](const boost::system::error_code& ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
        if (!ec) {
            boost::system::error_code ep_ec;
            const auto remote = socket->remote_endpoint(ep_ec);
            const Service addr = ep_ec ? Service{} : FromEndpoint(remote);
            int inbound = 0;
            for (auto& [id, p] : m_peers) inbound += p->IsInbound() && !p->disconnect;
            // Core reserves min(8 full-relay + 2 block-relay + 1 feeler, max) of -maxconnections for outbound.
            const int max_inbound = std::max(0, m_opts.max_connections - std::min(11, m_opts.max_connections));
            const uint32_t permissions = InboundPermissions(acceptor, addr);
            const bool noban = HasPermission(permissions, PF_NOBAN);
            // Core: discouraged peers are taken while there is room (and evicted first); noban peers always.
            const bool discouraged = m_banman.IsDiscouraged(addr.addr);
            std::string refuse;
            if (!m_network_active) {
                refuse = "network activity is disabled";
            } else if (!noban && m_banman.IsBanned(addr.addr, m_now())) {
                refuse = "banned";
            } else if (!noban && discouraged && inbound + 1 >= max_inbound) {
                refuse = "discouraged";
            } else if (inbound >= max_inbound && !AttemptToEvictConnection()) {
                refuse = "full";
            }
            if (!refuse.empty()) {
                LogDebug("net", "connection from %s dropped (%s)\n", addr.ToString().c_str(), refuse.c_str());
                socket->close(ep_ec);
            } else {
                PeerRef peer = AddPeer(socket, ConnectionType::INBOUND, addr.ToString());
                if (peer) {
                    peer->permissions = permissions;
                    peer->prefer_evict = discouraged;
                    StartRead(peer);
                }
            }
        }
        StartAccept(acceptor);
    });
}

PeerRef Connman::AddPeer(std::shared_ptr<tcp::socket> socket, ConnectionType type, const std::string& name)
{
    auto peer = std::make_shared<Peer>();
    peer->id = m_next_id++;
    peer->conn_type = type;
    peer->socket = std::move(socket);
    boost::system::error_code ec;
    peer->socket->set_option(tcp::no_delay(true), ec);
    auto remote = peer->socket->remote_endpoint(ec);
    if (!ec) peer->addr = FromEndpoint(remote);
    auto local = peer->socket->local_endpoint(ec);
    if (!ec) peer->addr_bind = FromEndpoint(local);
    peer->addr_name = name.empty() ? peer->addr.ToString() : name;
    peer->transport = std::make_unique<V1Transport>(m_opts.magic);
    peer->conn_time = m_now();
    peer->conn_time_us = SteadyMicros();
    m_peers[peer->id] = peer;
    LogDebug("net", "Added connection peer=%lld (%s)\n", static_cast<long long>(peer->id), peer->addr_name.c_str());
    if (m_peerman) m_peerman->InitializePeer(*peer);
    return peer;
}

void Connman::StartRead(const PeerRef& peer)
{
    if (peer->disconnect || peer->reading) return;
    // Core's fPauseRecv/fPauseSend: stop reading while our replies to this peer are backed up.
    if (peer->PauseSend(m_opts.max_send_buffer)) return;
    peer->reading = true;
    peer->socket->async_read_some(
        asio::buffer(peer->recv_buffer), [this, peer](const boost::system::error_code& ec, size_t n) {
            peer->reading = false;
            if (peer->disconnect) return;
            if (ec) {
                Disconnect(*peer, ec == asio::error::eof ? "socket closed" : "socket recv error " + ec.message());
                return;
            }
            peer->bytes_recv += n;
            m_total_recv += n;
            peer->last_recv = m_now();
            const size_t before = peer->received.size();
            if (!peer->transport->ReceivedBytes(std::span<const uint8_t>(peer->recv_buffer.data(), n),
                                                peer->received)) {
                LogPrintf("%s, peer=%lld\n", peer->transport->Error().c_str(), static_cast<long long>(peer->id));
                Disconnect(*peer, peer->transport->Error());
                return;
            }
            if (auto* v1 = dynamic_cast<V1Transport*>(peer->transport.get());
                v1 && v1->DroppedMessages() > 0 && peer->received.size() == before && !v1->LastDropReason().empty()) {
                LogDebug("net", "%s, peer=%lld\n", v1->LastDropReason().c_str(), static_cast<long long>(peer->id));
            }
            ProcessReceived(peer);
            StartRead(peer);
        });
}

void Connman::ProcessReceived(const PeerRef& peer)
{
    std::vector<NetMessage> msgs;
    msgs.swap(peer->received);
    for (NetMessage& m : msgs) {
        if (peer->disconnect) return;
        const auto& types = AllMessageTypes();
        const bool known = std::find(types.begin(), types.end(), m.command) != types.end();
        peer->recv_per_msg[known ? m.command : "*other*"] += m.raw_size;
        if (m_peerman) m_peerman->ProcessMessage(*peer, m);
    }
    if (!peer->disconnect && m_peerman) m_peerman->SendMessages(*peer);
}

void Connman::PushMessage(Peer& peer, const std::string& command, std::span<const uint8_t> payload)
{
    if (peer.disconnect) return;
    std::vector<uint8_t> bytes = peer.transport->SerializeMessage(command, payload);
    peer.sent_per_msg[command] += bytes.size();
    peer.send_queue_bytes += bytes.size();
    peer.send_queue.push_back(std::move(bytes));
    auto it = m_peers.find(peer.id);
    if (it != m_peers.end()) StartWrite(it->second);
}

void Connman::StartWrite(const PeerRef& peer)
{
    if (peer->writing || peer->send_queue.empty() || peer->disconnect) return;
    peer->writing = true;
    asio::async_write(*peer->socket, asio::buffer(peer->send_queue.front()),
                      [this, peer](const boost::system::error_code& ec, size_t n) {
                          peer->writing = false;
                          if (peer->disconnect) return;
                          if (ec) {
                              Disconnect(*peer, "socket send error " + ec.message());
                              return;
                          }
                          peer->bytes_sent += n;
                          m_total_sent += n;
                          peer->last_send = m_now();
                          peer->send_queue_bytes -= peer->send_queue.front().size();
                          peer->send_queue.pop_front();
                          if (!peer->send_queue.empty()) {
                              StartWrite(peer);
                          } else if (m_peerman) {
                              // The queue drained: serve any getdata left waiting, and resume reading.
                              m_peerman->SendMessages(*peer);
                          }
                          StartRead(peer);
                      });
}

void Connman::Disconnect(Peer& peer, const std::string& reason)
{
    if (peer.disconnect) return;
    peer.disconnect = true;
    LogDebug("net", "disconnecting peer=%lld (%s)\n", static_cast<long long>(peer.id), reason.c_str());
    boost::system::error_code ec;
    peer.socket->shutdown(tcp::socket::shutdown_both, ec);
    peer.socket->close(ec);
    if (m_peerman) m_peerman->FinalizePeer(peer);
    // Erase after the handlers that still hold the peer have run.
    const int64_t id = peer.id;
    asio::post(m_io, [this, id] { RemovePeer(id); });
}

void Connman::RemovePeer(int64_t id)
{
    auto it = m_peers.find(id);
    if (it == m_peers.end()) return;
    m_pending.erase(it->second->addr_name);
    m_peers.erase(it);
}

Peer* Connman::FindPeer(int64_t id)
{
    auto it = m_peers.find(id);
    return it == m_peers.end() || it->second->disconnect ? nullptr : it->second.get();
}

bool Connman::IsOwnNonce(uint64_t nonce) const
{
    for (const auto& [id, p] : m_peers) {
        if (!p->IsInbound() && p->local_nonce == nonce) return true;
    }
    return false;
}

void Connman::OnTick()
{
    if (!m_running) return;
    const int64_t now_us = SteadyMicros();
    std::vector<PeerRef> peers;
    for (auto& [id, p] : m_peers) peers.push_back(p);
    for (const PeerRef& p : peers) {
        if (p->disconnect) continue;
        CheckTimeouts(*p, now_us);
        if (!p->disconnect && m_peerman) m_peerman->SendMessages(*p);
    }
    MaintainOutbound();
    m_timer.expires_after(std::chrono::milliseconds(m_opts.tick_ms));
    m_timer.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) OnTick();
    });
}

void Connman::CheckTimeouts(Peer& peer, int64_t now_us)
{
    // Core's InactivityCheck: nothing is judged before -peertimeout has passed since the connection opened.
    const int64_t age_s = (now_us - peer.conn_time_us) / 1'000'000;
    if (age_s < m_opts.handshake_timeout_s) return;
    const int64_t now = m_now();
    std::string reason;
    if (peer.last_send == 0 || peer.last_recv == 0) {
        reason = "socket no message in first " + std::to_string(m_opts.handshake_timeout_s) + " seconds";
    } else if (now - peer.last_send > m_opts.inactivity_timeout_s) {
        reason = "socket sending timeout";
    } else if (now - peer.last_recv > m_opts.inactivity_timeout_s) {
        reason = "socket receive timeout";
    } else if (!peer.successfully_connected) {
        reason = "version handshake timeout";
    }
    if (reason.empty()) return;
    LogPrintf("%s, disconnecting peer=%lld\n", reason.c_str(), static_cast<long long>(peer.id));
    Disconnect(peer, reason);
}

void Connman::MaintainOutbound()
{
    if (!m_network_active || !m_running) return;
    std::vector<std::string> targets = m_opts.connect;
    {
        std::lock_guard lock(m_added_mutex);
        targets.insert(targets.end(), m_added_nodes.begin(), m_added_nodes.end());
    }
    const int64_t now_us = SteadyMicros();
    for (const std::string& t : targets) {
        if (m_pending.count(t)) continue;
        auto it = m_last_attempt_us.find(t);
        if (it != m_last_attempt_us.end() && now_us - it->second < m_opts.reconnect_interval_s * 1'000'000) continue;
        m_last_attempt_us[t] = now_us;
        ConnectTo(t, ConnectionType::MANUAL);
    }
    MaintainAutomaticOutbound();
}

void Connman::ConnectTo(const std::string& target, ConnectionType type)
{
    std::string host;
    uint16_t port = m_opts.default_port;
    if (!SplitHostPort(target, host, port)) {
        LogPrintf("Invalid address to connect to: %s\n", target.c_str());
        return;
    }
    boost::system::error_code ec;
    tcp::resolver resolver(m_io);
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec || results.empty()) {
        LogDebug("net", "could not resolve %s: %s\n", target.c_str(), ec.message().c_str());
        return;
    }
    const tcp::endpoint ep = results.begin()->endpoint();
    if (m_banman.IsBanned(FromEndpoint(ep).addr, m_now())) return;
    m_pending.insert(target);
    auto socket = std::make_shared<tcp::socket>(m_io);
    socket->async_connect(ep, [this, socket, target, type](const boost::system::error_code& cec) {
        if (!m_running) return;
        if (cec) {
            m_pending.erase(target);
            LogDebug("net", "connection to %s failed: %s\n", target.c_str(), cec.message().c_str());
            return;
        }
        if (!m_network_active) {
            m_pending.erase(target);
            boost::system::error_code ignored;
            socket->close(ignored);
            return;
        }
        PeerRef peer = AddPeer(socket, type, target);
        if (peer) StartRead(peer);
    });
}

bool Connman::AddNode(const std::string& node)
{
    std::lock_guard lock(m_added_mutex);
    if (std::find(m_added_nodes.begin(), m_added_nodes.end(), node) != m_added_nodes.end()) return false;
    m_added_nodes.push_back(node);
    return true;
}

bool Connman::RemoveAddedNode(const std::string& node)
{
    std::lock_guard lock(m_added_mutex);
    auto it = std::find(m_added_nodes.begin(), m_added_nodes.end(), node);
    if (it == m_added_nodes.end()) return false;
    m_added_nodes.erase(it);
    return true;
}

std::vector<AddedNodeInfo> Connman::GetAddedNodeInfo()
{
    std::vector<std::string> added;
    {
        std::lock_guard lock(m_added_mutex);
        added = m_added_nodes;
    }
    return Call([&] {
        std::vector<AddedNodeInfo> out;
        for (const std::string& a : added) {
            AddedNodeInfo info;
            info.added_node = a;
            for (auto& [id, p] : m_peers) {
                if (p->disconnect) continue;
                if (p->addr_name == a || p->addr.ToString() == a) {
                    info.connected = true;
                    info.resolved = p->addr.ToString();
                    info.inbound = p->IsInbound();
                    break;
                }
            }
            out.push_back(info);
        }
        return out;
    });
}

void Connman::OpenManualConnection(const std::string& node)
{
    Post([this, node] {
        if (m_network_active) ConnectTo(node, ConnectionType::MANUAL);
    });
}

bool Connman::DisconnectNode(const std::string& address)
{
    return Call([&] {
        bool found = false;
        for (auto& [id, p] : m_peers) {
            if (p->disconnect) continue;
            if (p->addr_name == address || p->addr.ToString() == address) {
                Disconnect(*p, "disconnectnode");
                found = true;
            }
        }
        return found;
    });
}

bool Connman::DisconnectNode(int64_t id)
{
    return Call([&] {
        Peer* p = FindPeer(id);
        if (!p) return false;
        Disconnect(*p, "disconnectnode");
        return true;
    });
}

void Connman::DisconnectSubnet(const SubNet& subnet)
{
    Call([&] {
        for (auto& [id, p] : m_peers) {
            if (!p->disconnect && subnet.Match(p->addr.addr)) Disconnect(*p, "banned");
        }
        return 0;
    });
}

void Connman::SetNetworkActive(bool active)
{
    LogPrintf("SetNetworkActive: %s\n", active ? "true" : "false");
    if (m_network_active.exchange(active) == active) return;
    if (!active) {
        Call([&] {
            for (auto& [id, p] : m_peers) Disconnect(*p, "network activity disabled");
            return 0;
        });
    }
}

ConnectionCounts Connman::GetCounts()
{
    return Call([&] {
        ConnectionCounts c;
        for (auto& [id, p] : m_peers) {
            if (p->disconnect) continue;
            (p->IsInbound() ? c.in : c.out)++;
        }
        return c;
    });
}
