// P2P RPCs with Core's names, fields and errors: getconnectioncount, ping, getpeerinfo, addnode, disconnectnode,
// getaddednodeinfo, getnettotals, getnetworkinfo, setban, listbanned, clearbanned, setnetworkactive.
#include "rpc/net.h"

#include "net/addr_relay.h"
#include "net/banman.h"
#include "net/connman.h"
#include "net/peerman.h"
#include "rpc/protocol.h"
#include "rpc/util.h"

#include <chrono>
#include <cstdio>

using Arg = RpcArg;
using Res = RpcResult;

namespace {
constexpr int CLIENT_VERSION = 10000;  // v0.1.0 as Core encodes versions (major*1000000 + minor*10000 + rev*100)

Connman& EnsureConnman(NetRpcContext& net)
{
    if (!net.connman) throw RpcError(RPC_CLIENT_P2P_DISABLED, "Error: Peer-to-peer functionality missing or disabled");
    return *net.connman;
}
PeerMan& EnsurePeerman(NetRpcContext& net)
{
    if (!net.peerman) throw RpcError(RPC_CLIENT_P2P_DISABLED, "Error: Peer-to-peer functionality missing or disabled");
    return *net.peerman;
}
BanMan& EnsureBanman(NetRpcContext& net)
{
    if (!net.banman) throw RpcError(RPC_DATABASE_ERROR, "Error: Ban database not loaded");
    return *net.banman;
}

JsonValue ServicesNames(uint64_t services)
{
    JsonValue a = JsonValue::Array();
    for (const std::string& s : ServiceFlagsToStr(services)) a.PushBack(s);
    return a;
}

std::string ServicesHex(uint64_t services)
{
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(services));
    return buf;
}

JsonValue Seconds(int64_t micros)
{
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.6f", static_cast<double>(micros) / 1e6);
    return JsonValue::Number(buf);
}

int64_t NowMillis()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

RpcMethod GetConnectionCount(NetRpcContext& net)
{
    return RpcMethod{"getconnectioncount", "Returns the number of connections to other nodes.\n", {},
                     {Res{Res::Type::NUM, "", "The connection count"}},
                     HelpExampleCli("getconnectioncount", "") + HelpExampleRpc("getconnectioncount", ""),
                     [&net](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
                         const ConnectionCounts c = EnsureConnman(net).GetCounts();
                         return c.in + c.out;
                     }};
}

RpcMethod Ping(NetRpcContext& net)
{
    return RpcMethod{"ping",
                     "Requests that a ping be sent to all other nodes, to measure ping time.\n"
                     "Results are provided in getpeerinfo.\n"
                     "Ping command is handled in queue with all other commands, so it measures processing backlog, "
                     "not just network ping.\n",
                     {},
                     {Res{Res::Type::NONE, "", ""}},
                     HelpExampleCli("ping", "") + HelpExampleRpc("ping", ""),
                     [&net](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
                         Connman& connman = EnsureConnman(net);
                         PeerMan& peerman = EnsurePeerman(net);
                         connman.Call([&] {
                             peerman.SendPings();
                             return 0;
                         });
                         return JsonValue();
                     }};
}

RpcMethod GetPeerInfo(NodeContext& node, NetRpcContext& net)
{
    return RpcMethod{
        "getpeerinfo",
        "Returns data about each connected network peer as a json array of objects.",
        {},
        {Res{Res::Type::ARR, "", "",
             {Res{Res::Type::OBJ, "", "",
                  {
                      Res{Res::Type::NUM, "id", "Peer index"},
                      Res{Res::Type::STR, "addr", "(host:port) The IP address and port of the peer"},
                      Res{Res::Type::STR, "addrbind", true, "(ip:port) Bind address of the connection to the peer"},
                      Res{Res::Type::STR, "network", "Network (ipv4, ipv6, onion, i2p, cjdns, not_publicly_routable)"},
                      Res{Res::Type::STR_HEX, "services", "The services offered"},
                      Res{Res::Type::ARR, "servicesnames", "the services offered, in human-readable form",
                          {Res{Res::Type::STR, "SERVICE_NAME", "the service name if it is recognised"}}},
                      Res{Res::Type::BOOL, "relaytxes", "Whether we relay transactions to this peer"},
                      Res{Res::Type::NUM_TIME, "lastsend", "The " "UNIX epoch time" " of the last send"},
                      Res{Res::Type::NUM_TIME, "lastrecv", "The UNIX epoch time of the last receive"},
                      Res{Res::Type::NUM_TIME, "last_transaction", "The UNIX epoch time of the last valid transaction received from this peer"},
                      Res{Res::Type::NUM_TIME, "last_block", "The UNIX epoch time of the last block received from this peer"},
                      Res{Res::Type::NUM, "bytessent", "The total bytes sent"},
                      Res{Res::Type::NUM, "bytesrecv", "The total bytes received"},
                      Res{Res::Type::NUM_TIME, "conntime", "The UNIX epoch time of the connection"},
                      Res{Res::Type::NUM, "timeoffset", "The time offset in seconds"},
                      Res{Res::Type::NUM, "pingtime", true, "The last ping time in seconds, if any"},
                      Res{Res::Type::NUM, "minping", true, "The minimum observed ping time in seconds, if any"},
                      Res{Res::Type::NUM, "pingwait", true, "The duration in seconds of an outstanding ping (if non-zero)"},
                      Res{Res::Type::NUM, "version", "The peer version, such as 70001"},
                      Res{Res::Type::STR, "subver", "The string version"},
                      Res{Res::Type::BOOL, "inbound", "Inbound (true) or Outbound (false)"},
                      Res{Res::Type::BOOL, "bip152_hb_to", "Whether we selected peer as (compact blocks) high-bandwidth peer"},
                      Res{Res::Type::BOOL, "bip152_hb_from", "Whether peer selected us as (compact blocks) high-bandwidth peer"},
                      Res{Res::Type::NUM, "startingheight", "The starting height (block) of the peer"},
                      Res{Res::Type::NUM, "presynced_headers", "The current height of header pre-synchronization with this peer, or -1 if no low-work sync is in progress"},
                      Res{Res::Type::NUM, "synced_headers", "The last header we have in common with this peer"},
                      Res{Res::Type::NUM, "synced_blocks", "The last block we have in common with this peer"},
                      Res{Res::Type::ARR, "inflight", "", {Res{Res::Type::NUM, "n", "The heights of blocks we're currently asking from this peer"}}},
                      Res{Res::Type::BOOL, "addr_relay_enabled", "Whether we participate in address relay with this peer"},
                      Res{Res::Type::NUM, "addr_processed", "The total number of addresses processed, excluding those dropped due to rate limiting"},
                      Res{Res::Type::NUM, "addr_rate_limited", "The total number of addresses dropped due to rate limiting"},
                      Res{Res::Type::ARR, "permissions", "Any special permissions that have been granted to this peer", {Res{Res::Type::STR, "permission_type", ""}}},
                      Res{Res::Type::NUM, "minfeefilter", "The minimum fee rate for transactions this peer accepts"},
                      Res{Res::Type::OBJ_DYN, "bytessent_per_msg", "", {Res{Res::Type::NUM, "msg", "The total bytes sent aggregated by message type\nWhen a message type is not listed in this json object, the bytes sent are 0.\nOnly known message types can appear as keys in the object."}}},
                      Res{Res::Type::OBJ_DYN, "bytesrecv_per_msg", "", {Res{Res::Type::NUM, "msg", "The total bytes received aggregated by message type\nWhen a message type is not listed in this json object, the bytes received are 0.\nOnly known message types can appear as keys in the object and all bytes received\nof unknown message types are listed under '*other*'."}}},
                      Res{Res::Type::STR, "connection_type", "Type of connection: \ninbound, outbound-full-relay, manual, feeler, block-relay-only, addr-fetch\n"},
                      Res{Res::Type::STR, "transport_protocol_type", "Type of transport protocol: \ndetecting, v1, v2\n"},
                      Res{Res::Type::STR, "session_id", "The session ID for this connection, or \"\" if there is none (\"v2\" transport protocol only).\n"},
                  }}}}},
        HelpExampleCli("getpeerinfo", "") + HelpExampleRpc("getpeerinfo", ""),
        [&node, &net](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
            Connman& connman = EnsureConnman(net);
            PeerMan& peerman = EnsurePeerman(net);
            (void)node;
            return connman.Call([&] {
                JsonValue out = JsonValue::Array();
                const int64_t now_us = SteadyMicros();
                connman.ForEachPeer([&](Peer& p) {
                    JsonValue o = JsonValue::Object();
                    o.PushKV("id", p.id);
                    o.PushKV("addr", p.addr_name);
                    if (p.addr_bind.port != 0) o.PushKV("addrbind", p.addr_bind.ToString());
                    o.PushKV("network", p.addr.addr.IsLocal() ? std::string("not_publicly_routable")
                                                                  : p.addr.addr.NetworkName());
                    o.PushKV("services", ServicesHex(p.services));
                    o.PushKV("servicesnames", ServicesNames(p.services));
                    o.PushKV("relaytxes", p.relay_txs);
                    o.PushKV("lastsend", p.last_send);
                    o.PushKV("lastrecv", p.last_recv);
                    o.PushKV("last_transaction", p.last_tx_time);
                    o.PushKV("last_block", p.last_block_time);
                    o.PushKV("bytessent", p.bytes_sent);
                    o.PushKV("bytesrecv", p.bytes_recv);
                    o.PushKV("conntime", p.conn_time);
                    o.PushKV("timeoffset", p.time_offset);
                    if (p.last_ping_us >= 0) o.PushKV("pingtime", Seconds(p.last_ping_us));
                    if (p.min_ping_us >= 0) o.PushKV("minping", Seconds(p.min_ping_us));
                    if (p.ping_nonce_sent != 0) o.PushKV("pingwait", Seconds(now_us - p.ping_start_us));
                    o.PushKV("version", p.version);
                    o.PushKV("subver", p.user_agent);
                    o.PushKV("inbound", p.IsInbound());
                    o.PushKV("bip152_hb_to", p.cmpct_hb_to);
                    o.PushKV("bip152_hb_from", p.cmpct_hb_from);
                    o.PushKV("startingheight", p.starting_height);
                    const PeerSyncStats s = peerman.GetSyncStats(p);
                    o.PushKV("presynced_headers", -1);
                    o.PushKV("synced_headers", s.synced_headers);
                    o.PushKV("synced_blocks", s.synced_blocks);
                    JsonValue inflight = JsonValue::Array();
                    for (int h : s.inflight) inflight.PushBack(h);
                    o.PushKV("inflight", std::move(inflight));
                    const auto addr_stats = net.addr_relay ? net.addr_relay->Stats(p.id) : std::pair<uint64_t, uint64_t>{};
                    o.PushKV("addr_relay_enabled", net.addr_relay && net.addr_relay->RelayEnabled(p.id));
                    o.PushKV("addr_processed", p.addr_processed);
                    o.PushKV("addr_rate_limited", addr_stats.second);
                    JsonValue permissions = JsonValue::Array();
                    for (const std::string& perm : PermissionsToStrings(p.permissions)) permissions.PushBack(perm);
                    o.PushKV("permissions", std::move(permissions));
                    o.PushKV("minfeefilter", ValueFromAmount(p.fee_filter_received));
                    JsonValue sent = JsonValue::Object();
                    for (const auto& [k, v] : p.sent_per_msg) sent.PushKV(k, v);
                    o.PushKV("bytessent_per_msg", std::move(sent));
                    JsonValue recv = JsonValue::Object();
                    for (const auto& [k, v] : p.recv_per_msg) recv.PushKV(k, v);
                    o.PushKV("bytesrecv_per_msg", std::move(recv));
                    o.PushKV("connection_type", ConnectionTypeAsString(p.conn_type));
                    o.PushKV("transport_protocol_type", p.transport->ProtocolType());
                    o.PushKV("session_id", "");
                    out.PushBack(std::move(o));
                });
                return out;
            });
        }};
}

RpcMethod AddNode(NetRpcContext& net)
{
    return RpcMethod{
        "addnode",
        "Attempts to add or remove a node from the addnode list.\n"
        "Or try a connection to a node once.\n"
        "Nodes added using addnode (or -connect) are protected from DoS disconnection and are not required to be\n"
        "full nodes/support SegWit as other outbound peers are (though such peers will not be synced from).\n"
        "Addnode connections are limited to 8 at a time and are counted separately from the -maxconnections limit.\n",
        {
            Arg{"node", Arg::Type::STR, Arg::Optional::NO, "The address of the peer to connect to"},
            Arg{"command", Arg::Type::STR, Arg::Optional::NO,
                "'add' to add a node to the list, 'remove' to remove a node from the list, 'onetry' to try a "
                "connection to the node once"},
            Arg{"v2transport", Arg::Type::BOOL, Arg::DefaultHint{"set by -v2transport"},
                "Attempt to connect using BIP324 v2 transport protocol (ignored for 'remove' command)"},
        },
        {Res{Res::Type::NONE, "", ""}},
        HelpExampleCli("addnode", "\"192.168.0.6:8333\" \"onetry\" true") +
            HelpExampleRpc("addnode", "\"192.168.0.6:8333\", \"onetry\" true"),
        [&net](const RpcMethod& self, const JsonRpcRequest& req) -> JsonValue {
            const std::string command = JsonGetStr(req.params[1]);
            if (command != "onetry" && command != "add" && command != "remove") throw std::runtime_error(self.ToString());
            Connman& connman = EnsureConnman(net);
            const std::string node_arg = JsonGetStr(req.params[0]);
            const bool v2 = req.params.size() > 2 && !req.params[2].IsNull() && JsonGetBool(req.params[2]);
            if (v2 && command != "remove") {
                throw RpcError(RPC_INVALID_PARAMETER, "Error: v2transport requested but not enabled (see -v2transport)");
            }
            if (command == "onetry") {
                connman.OpenManualConnection(node_arg);
                return JsonValue();
            }
            if (command == "add") {
                if (!connman.AddNode(node_arg)) throw RpcError(RPC_CLIENT_NODE_ALREADY_ADDED, "Error: Node already added");
            } else if (!connman.RemoveAddedNode(node_arg)) {
                throw RpcError(RPC_CLIENT_NODE_NOT_ADDED,
                               "Error: Node could not be removed. It has not been added previously.");
            }
            return JsonValue();
        }};
}

RpcMethod DisconnectNode(NetRpcContext& net)
{
    return RpcMethod{
        "disconnectnode",
        "Immediately disconnects from the specified peer node.\n"
        "\nStrictly one out of 'address' and 'nodeid' can be provided to identify the node.\n"
        "\nTo disconnect by nodeid, either set 'address' to the empty string, or call using the named 'nodeid' "
        "argument only.\n",
        {
            Arg{"address", Arg::Type::STR, Arg::DefaultHint{"fallback to nodeid"}, "The IP address/port of the node"},
            Arg{"nodeid", Arg::Type::NUM, Arg::DefaultHint{"fallback to address"},
                "The node ID (see getpeerinfo for node IDs)"},
        },
        {Res{Res::Type::NONE, "", ""}},
        HelpExampleCli("disconnectnode", "\"192.168.0.6:8333\"") + HelpExampleCli("disconnectnode", "\"\" 1") +
            HelpExampleRpc("disconnectnode", "\"192.168.0.6:8333\"") + HelpExampleRpc("disconnectnode", "\"\", 1"),
        [&net](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            Connman& connman = EnsureConnman(net);
            static const JsonValue null_value;
            const JsonValue& address = req.params.size() > 0 ? req.params[0] : null_value;
            const JsonValue& id = req.params.size() > 1 ? req.params[1] : null_value;
            bool success;
            if (!address.IsNull() && id.IsNull()) {
                success = connman.DisconnectNode(JsonGetStr(address));
            } else if (!id.IsNull() && (address.IsNull() || (address.IsStr() && address.GetValStr().empty()))) {
                success = connman.DisconnectNode(JsonGetInt64(id));
            } else {
                throw RpcError(RPC_INVALID_PARAMS, "Only one of address and nodeid should be provided.");
            }
            if (!success) throw RpcError(RPC_CLIENT_NODE_NOT_CONNECTED, "Node not found in connected nodes");
            return JsonValue();
        }};
}

RpcMethod GetAddedNodeInfo(NetRpcContext& net)
{
    return RpcMethod{
        "getaddednodeinfo",
        "Returns information about the given added node, or all added nodes\n"
        "(note that onetry addnodes are not listed here)\n",
        {Arg{"node", Arg::Type::STR, Arg::DefaultHint{"all nodes"},
             "If provided, return information about this specific node, otherwise all nodes are returned."}},
        {Res{Res::Type::ARR, "", "",
             {Res{Res::Type::OBJ, "", "",
                  {
                      Res{Res::Type::STR, "addednode", "The node IP address or name (as provided to addnode)"},
                      Res{Res::Type::BOOL, "connected", "If connected"},
                      Res{Res::Type::ARR, "addresses", "Only when connected = true",
                          {Res{Res::Type::OBJ, "", "",
                               {
                                   Res{Res::Type::STR, "address", "The bitcoin server IP and port we're connected to"},
                                   Res{Res::Type::STR, "connected", "connection, inbound or outbound"},
                               }}}},
                  }}}}},
        HelpExampleCli("getaddednodeinfo", "\"192.168.0.201\"") + HelpExampleRpc("getaddednodeinfo", "\"192.168.0.201\""),
        [&net](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            Connman& connman = EnsureConnman(net);
            std::vector<AddedNodeInfo> infos = connman.GetAddedNodeInfo();
            if (req.params.size() > 0 && !req.params[0].IsNull()) {
                const std::string wanted = JsonGetStr(req.params[0]);
                std::erase_if(infos, [&](const AddedNodeInfo& i) { return i.added_node != wanted; });
                if (infos.empty()) throw RpcError(RPC_CLIENT_NODE_NOT_ADDED, "Error: Node has not been added.");
            }
            JsonValue out = JsonValue::Array();
            for (const AddedNodeInfo& i : infos) {
                JsonValue o = JsonValue::Object();
                o.PushKV("addednode", i.added_node);
                o.PushKV("connected", i.connected);
                JsonValue addresses = JsonValue::Array();
                if (i.connected) {
                    JsonValue a = JsonValue::Object();
                    a.PushKV("address", i.resolved);
                    a.PushKV("connected", i.inbound ? "inbound" : "outbound");
                    addresses.PushBack(std::move(a));
                }
                o.PushKV("addresses", std::move(addresses));
                out.PushBack(std::move(o));
            }
            return out;
        }};
}

RpcMethod GetNetTotals(NetRpcContext& net)
{
    return RpcMethod{
        "getnettotals",
        "Returns information about network traffic, including bytes in, bytes out,\n"
        "and current system time.",
        {},
        {Res{Res::Type::OBJ, "", "",
             {
                 Res{Res::Type::NUM, "totalbytesrecv", "Total bytes received"},
                 Res{Res::Type::NUM, "totalbytessent", "Total bytes sent"},
                 Res{Res::Type::NUM_TIME, "timemillis", "Current system UNIX epoch time in milliseconds"},
                 Res{Res::Type::OBJ, "uploadtarget", "",
                     {
                         Res{Res::Type::NUM, "timeframe", "Length of the measuring timeframe in seconds"},
                         Res{Res::Type::NUM, "target", "Target in bytes"},
                         Res{Res::Type::BOOL, "target_reached", "True if target is reached"},
                         Res{Res::Type::BOOL, "serve_historical_blocks", "True if serving historical blocks"},
                         Res{Res::Type::NUM, "bytes_left_in_cycle", "Bytes left in current time cycle"},
                         Res{Res::Type::NUM, "time_left_in_cycle", "Seconds left in current time cycle"},
                     }},
             }}},
        HelpExampleCli("getnettotals", "") + HelpExampleRpc("getnettotals", ""),
        [&net](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
            Connman& connman = EnsureConnman(net);
            JsonValue o = JsonValue::Object();
            o.PushKV("totalbytesrecv", connman.TotalBytesRecv());
            o.PushKV("totalbytessent", connman.TotalBytesSent());
            o.PushKV("timemillis", NowMillis());
            // -maxuploadtarget is not implemented: no target (Core's values for 0).
            JsonValue u = JsonValue::Object();
            u.PushKV("timeframe", int64_t{60 * 60 * 24});
            u.PushKV("target", 0);
            u.PushKV("target_reached", false);
            u.PushKV("serve_historical_blocks", true);
            u.PushKV("bytes_left_in_cycle", 0);
            u.PushKV("time_left_in_cycle", 0);
            o.PushKV("uploadtarget", std::move(u));
            return o;
        }};
}

RpcMethod GetNetworkInfo(NodeContext& node, NetRpcContext& net)
{
    return RpcMethod{
        "getnetworkinfo",
        "Returns an object containing various state info regarding P2P networking.\n",
        {},
        {Res{Res::Type::OBJ, "", "",
             {
                 Res{Res::Type::NUM, "version", "the server version"},
                 Res{Res::Type::STR, "subversion", "the server subversion string"},
                 Res{Res::Type::NUM, "protocolversion", "the protocol version"},
                 Res{Res::Type::STR_HEX, "localservices", "the services we offer to the network"},
                 Res{Res::Type::ARR, "localservicesnames", "the services we offer to the network, in human-readable form",
                     {Res{Res::Type::STR, "SERVICE_NAME", "the service name"}}},
                 Res{Res::Type::BOOL, "localrelay", "true if transaction relay is requested from peers"},
                 Res{Res::Type::NUM, "timeoffset", "the time offset"},
                 Res{Res::Type::NUM, "connections", "the total number of connections"},
                 Res{Res::Type::NUM, "connections_in", "the number of inbound connections"},
                 Res{Res::Type::NUM, "connections_out", "the number of outbound connections"},
                 Res{Res::Type::BOOL, "networkactive", "whether p2p networking is enabled"},
                 Res{Res::Type::ARR, "networks", "information per network",
                     {Res{Res::Type::OBJ, "", "",
                          {
                              Res{Res::Type::STR, "name", "network (ipv4, ipv6, onion, i2p, cjdns)"},
                              Res{Res::Type::BOOL, "limited", "is the network limited using -onlynet?"},
                              Res{Res::Type::BOOL, "reachable", "is the network reachable?"},
                              Res{Res::Type::STR, "proxy", "(\"host:port\") the proxy that is used for this network, or empty if none"},
                              Res{Res::Type::BOOL, "proxy_randomize_credentials", "Whether randomized credentials are used"},
                          }}}},
                 Res{Res::Type::NUM, "relayfee", "minimum relay fee rate for transactions in BTC/kvB"},
                 Res{Res::Type::NUM, "incrementalfee", "minimum fee rate increment for mempool limiting or replacement in BTC/kvB"},
                 Res{Res::Type::ARR, "localaddresses", "list of local addresses",
                     {Res{Res::Type::OBJ, "", "",
                          {
                              Res{Res::Type::STR, "address", "network address"},
                              Res{Res::Type::NUM, "port", "network port"},
                              Res{Res::Type::NUM, "score", "relative score"},
                          }}}},
                 Res{Res::Type::ARR, "warnings", "any network and blockchain warnings (run with `-deprecatedrpc=warnings` to return the latest warning as a single string)",
                     {Res{Res::Type::STR, "", "warning"}}},
             }}},
        HelpExampleCli("getnetworkinfo", "") + HelpExampleRpc("getnetworkinfo", ""),
        [&node, &net](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
            JsonValue o = JsonValue::Object();
            o.PushKV("version", CLIENT_VERSION);
            o.PushKV("subversion", net.peerman ? net.peerman->Options().user_agent : std::string("/Sovereign:0.1.0/"));
            o.PushKV("protocolversion", PROTOCOL_VERSION);
            const uint64_t services = net.peerman ? net.peerman->LocalServices() : NODE_NONE;
            o.PushKV("localservices", ServicesHex(services));
            o.PushKV("localservicesnames", ServicesNames(services));
            o.PushKV("localrelay", !(net.peerman && net.peerman->Options().ignore_incoming_txs));
            o.PushKV("timeoffset", 0);
            if (net.connman) {
                o.PushKV("networkactive", net.connman->GetNetworkActive());
                const ConnectionCounts c = net.connman->GetCounts();
                o.PushKV("connections", c.in + c.out);
                o.PushKV("connections_in", c.in);
                o.PushKV("connections_out", c.out);
            }
            JsonValue networks = JsonValue::Array();
            for (const char* name : {"ipv4", "ipv6", "onion", "i2p", "cjdns"}) {
                const bool reachable = std::string(name) == "ipv4" || std::string(name) == "ipv6";
                JsonValue n = JsonValue::Object();
                n.PushKV("name", name);
                n.PushKV("limited", !reachable);
                n.PushKV("reachable", reachable);
                n.PushKV("proxy", "");
                n.PushKV("proxy_randomize_credentials", false);
                networks.PushBack(std::move(n));
            }
            o.PushKV("networks", std::move(networks));
            FeeRate relay{DEFAULT_MIN_RELAY_TX_FEE};
            FeeRate incremental{DEFAULT_INCREMENTAL_RELAY_FEE};
            if (node.mempool) {
                relay = node.mempool->Options().min_relay_feerate;
                incremental = node.mempool->Options().incremental_relay_feerate;
            }
            o.PushKV("relayfee", ValueFromAmount(relay.GetFeePerK()));
            o.PushKV("incrementalfee", ValueFromAmount(incremental.GetFeePerK()));
            o.PushKV("localaddresses", JsonValue::Array());
            o.PushKV("warnings", JsonValue::Array());
            return o;
        }};
}

RpcMethod SetBan(NodeContext& node, NetRpcContext& net)
{
    return RpcMethod{
        "setban",
        "Attempts to add or remove an IP/Subnet from the banned list.\n",
        {
            Arg{"subnet", Arg::Type::STR, Arg::Optional::NO,
                "The IP/Subnet (see getpeerinfo for nodes IP) with an optional netmask (default is /32 = single IP)"},
            Arg{"command", Arg::Type::STR, Arg::Optional::NO,
                "'add' to add an IP/Subnet to the list, 'remove' to remove an IP/Subnet from the list"},
            Arg{"bantime", Arg::Type::NUM, Arg::Default{JsonValue(0)},
                "time in seconds how long (or until when if [absolute] is set) the IP is banned (0 or empty means "
                "using the default time of 24h which can also be overwritten by the -bantime startup argument)"},
            Arg{"absolute", Arg::Type::BOOL, Arg::Default{JsonValue(false)},
                "If set, the bantime must be an absolute timestamp expressed in UNIX epoch time"},
        },
        {Res{Res::Type::NONE, "", ""}},
        HelpExampleCli("setban", "\"192.168.0.6\" \"add\" 86400") + HelpExampleCli("setban", "\"192.168.0.0/24\" \"add\"") +
            HelpExampleRpc("setban", "\"192.168.0.6\", \"add\", 86400"),
        [&node, &net](const RpcMethod& self, const JsonRpcRequest& req) -> JsonValue {
            const std::string command = JsonGetStr(req.params[1]);
            if (command != "add" && command != "remove") throw std::runtime_error(self.ToString());
            BanMan& banman = EnsureBanman(net);
            const std::string text = JsonGetStr(req.params[0]);
            auto subnet = SubNet::Parse(text);
            if (!subnet) throw RpcError(RPC_CLIENT_INVALID_IP_OR_SUBNET, "Error: Invalid IP/Subnet");
            const int64_t now = node.Now();
            if (command == "add") {
                if (banman.IsBannedSubnet(*subnet, now) ||
                    (text.find('/') == std::string::npos && banman.IsBanned(subnet->network, now))) {
                    throw RpcError(RPC_CLIENT_NODE_ALREADY_ADDED, "Error: IP/Subnet already banned");
                }
                int64_t ban_time = 0;
                if (req.params.size() > 2 && !req.params[2].IsNull()) ban_time = JsonGetInt64(req.params[2]);
                const bool absolute = req.params.size() > 3 && !req.params[3].IsNull() && JsonGetBool(req.params[3]);
                if (absolute && ban_time < now) {
                    throw RpcError(RPC_INVALID_PARAMETER, "Error: Absolute timestamp is in the past");
                }
                int64_t until;
                if (ban_time <= 0) {
                    until = now + net.default_ban_time;
                } else {
                    until = absolute ? ban_time : now + ban_time;
                }
                banman.Ban(*subnet, until, now);
                if (net.connman) net.connman->DisconnectSubnet(*subnet);
            } else if (!banman.Unban(*subnet)) {
                throw RpcError(RPC_CLIENT_INVALID_IP_OR_SUBNET,
                               "Error: Unban failed. Requested address/subnet was not previously manually banned.");
            }
            return JsonValue();
        }};
}

RpcMethod ListBanned(NodeContext& node, NetRpcContext& net)
{
    return RpcMethod{
        "listbanned",
        "List all manually banned IPs/Subnets.\n",
        {},
        {Res{Res::Type::ARR, "", "",
             {Res{Res::Type::OBJ, "", "",
                  {
                      Res{Res::Type::STR, "address", "The IP/Subnet of the banned node"},
                      Res{Res::Type::NUM_TIME, "ban_created", "The UNIX epoch time the ban was created"},
                      Res{Res::Type::NUM_TIME, "banned_until", "The UNIX epoch time the ban expires"},
                      Res{Res::Type::NUM, "ban_duration", "The ban duration, in seconds"},
                      Res{Res::Type::NUM, "time_remaining", "The time remaining until the ban expires, in seconds"},
                  }}}}},
        HelpExampleCli("listbanned", "") + HelpExampleRpc("listbanned", ""),
        [&node, &net](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
            BanMan& banman = EnsureBanman(net);
            const int64_t now = node.Now();
            JsonValue out = JsonValue::Array();
            for (const auto& [subnet, entry] : banman.GetBanned(now)) {
                JsonValue o = JsonValue::Object();
                o.PushKV("address", subnet.ToString());
                o.PushKV("ban_created", entry.create_time);
                o.PushKV("banned_until", entry.ban_until);
                o.PushKV("ban_duration", entry.ban_until - entry.create_time);
                o.PushKV("time_remaining", entry.ban_until - now);
                out.PushBack(std::move(o));
            }
            return out;
        }};
}

RpcMethod ClearBanned(NetRpcContext& net)
{
    return RpcMethod{"clearbanned", "Clear all banned IPs.\n", {}, {Res{Res::Type::NONE, "", ""}},
                     HelpExampleCli("clearbanned", "") + HelpExampleRpc("clearbanned", ""),
                     [&net](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
                         EnsureBanman(net).ClearBanned();
                         return JsonValue();
                     }};
}

RpcMethod SetNetworkActive(NetRpcContext& net)
{
    return RpcMethod{"setnetworkactive", "Disable/enable all p2p network activity.\n",
                     {Arg{"state", Arg::Type::BOOL, Arg::Optional::NO, "true to enable networking, false to disable"}},
                     {Res{Res::Type::BOOL, "", "The value that was passed in"}},
                     "",
                     [&net](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
                         Connman& connman = EnsureConnman(net);
                         connman.SetNetworkActive(JsonGetBool(req.params[0]));
                         return connman.GetNetworkActive();
                     }};
}
}  // namespace

void RegisterNetRpcCommands(RpcTable& table, NodeContext& node, NetRpcContext& net)
{
    table.Register("network", GetConnectionCount(net));
    table.Register("network", Ping(net));
    table.Register("network", GetPeerInfo(node, net));
    table.Register("network", AddNode(net));
    table.Register("network", DisconnectNode(net));
    table.Register("network", GetAddedNodeInfo(net));
    table.Register("network", GetNetTotals(net));
    table.Register("network", GetNetworkInfo(node, net));
    table.Register("network", SetBan(node, net));
    table.Register("network", ListBanned(node, net));
    table.Register("network", ClearBanned(net));
    table.Register("network", SetNetworkActive(net));
    RegisterNetAddrRpcCommands(table, node, net);
}
