// Address manager RPCs with Core's names, arguments, results and errors: getnodeaddresses, getaddrmaninfo, and the
// hidden test command addpeeraddress.
#include "net/addrman.h"
#include "net/banman.h"
#include "rpc/net.h"
#include "rpc/protocol.h"
#include "rpc/util.h"

using Arg = RpcArg;
using Res = RpcResult;

namespace {
AddrMan& EnsureAddrman(NetRpcContext& net)
{
    if (!net.addrman) {
        throw RpcError(RPC_CLIENT_P2P_DISABLED, "Error: Address manager functionality missing or disabled");
    }
    return *net.addrman;
}

RpcMethod GetNodeAddresses(NodeContext& node, NetRpcContext& net)
{
    return RpcMethod{
        "getnodeaddresses",
        "Return known addresses, after filtering for quality and recency.\n"
        "These can potentially be used to find new peers in the network.\n"
        "The total number of addresses known to the node may be higher.",
        {
            Arg{"count", Arg::Type::NUM, Arg::Default{JsonValue(1)},
                "The maximum number of addresses to return. Specify 0 to return all known addresses."},
            Arg{"network", Arg::Type::STR, Arg::Optional::OMITTED,
                "Return only addresses of the specified network. Can be one of: ipv4, ipv6, onion, i2p, cjdns."},
        },
        {Res{Res::Type::ARR, "", "",
             {Res{Res::Type::OBJ, "", "",
                  {
                      Res{Res::Type::NUM_TIME, "time", "The UNIX epoch time when the node was last seen"},
                      Res{Res::Type::NUM, "services", "The services offered by the node"},
                      Res{Res::Type::STR, "address", "The address of the node"},
                      Res{Res::Type::NUM, "port", "The port number of the node"},
                      Res{Res::Type::STR, "network", "The network (ipv4, ipv6, onion, i2p, cjdns) the node connected through"},
                  }}}}},
        HelpExampleCli("getnodeaddresses", "8") + HelpExampleCli("getnodeaddresses", "4 \"i2p\"") +
            HelpExampleCli("-named getnodeaddresses", "network=onion count=12") +
            HelpExampleRpc("getnodeaddresses", "8") + HelpExampleRpc("getnodeaddresses", "4, \"i2p\""),
        [&node, &net](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            if (!net.connman) {
                throw RpcError(RPC_CLIENT_P2P_DISABLED, "Error: Peer-to-peer functionality missing or disabled");
            }
            AddrMan& addrman = EnsureAddrman(net);
            const int count = req.params.size() > 0 && !req.params[0].IsNull() ? JsonGetInt(req.params[0]) : 1;
            if (count < 0) throw RpcError(RPC_INVALID_PARAMETER, "Address count out of range");
            std::optional<NetClass> network;
            if (req.params.size() > 1 && !req.params[1].IsNull()) {
                network = ParseNetClass(JsonGetStr(req.params[1]));
                if (!network) {
                    throw RpcError(RPC_INVALID_PARAMETER, "Network not recognized: " + JsonGetStr(req.params[1]));
                }
            }
            std::vector<Address> addrs = addrman.GetAddr(static_cast<size_t>(count), 0, network);
            const int64_t now = node.Now();
            if (net.banman) {
                std::erase_if(addrs, [&](const Address& a) {
                    return net.banman->IsDiscouraged(a.service.addr) || net.banman->IsBanned(a.service.addr, now);
                });
            }
            JsonValue out = JsonValue::Array();
            for (const Address& a : addrs) {
                JsonValue o = JsonValue::Object();
                o.PushKV("time", static_cast<int64_t>(a.time));
                o.PushKV("services", a.services);
                o.PushKV("address", a.service.addr.ToString());
                o.PushKV("port", static_cast<int>(a.service.port));
                o.PushKV("network", NetClassName(GetNetClass(a.service.addr)));
                out.PushBack(std::move(o));
            }
            return out;
        }};
}

RpcMethod GetAddrmanInfo(NetRpcContext& net)
{
    return RpcMethod{
        "getaddrmaninfo",
        "Provides information about the node's address manager by returning the number of addresses in the `new` "
        "and `tried` tables and their sum for all networks.\n",
        {},
        {Res{Res::Type::OBJ_DYN, "", "json object with network type as keys",
             {Res{Res::Type::OBJ, "network", "the network (ipv4, ipv6, onion, i2p, cjdns, all_networks)",
                  {
                      Res{Res::Type::NUM, "new", "number of addresses in the new table, which represent potential peers the node has discovered but hasn't yet successfully connected to."},
                      Res{Res::Type::NUM, "tried", "number of addresses in the tried table, which represent peers the node has successfully connected to in the past."},
                      Res{Res::Type::NUM, "total", "total number of addresses in both new/tried tables"},
                  }}}}},
        HelpExampleCli("getaddrmaninfo", "") + HelpExampleRpc("getaddrmaninfo", ""),
        [&net](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
            AddrMan& addrman = EnsureAddrman(net);
            JsonValue out = JsonValue::Object();
            for (NetClass c : {NetClass::IPV4, NetClass::IPV6, NetClass::ONION, NetClass::I2P, NetClass::CJDNS}) {
                JsonValue o = JsonValue::Object();
                o.PushKV("new", static_cast<uint64_t>(addrman.Size(c, true)));
                o.PushKV("tried", static_cast<uint64_t>(addrman.Size(c, false)));
                o.PushKV("total", static_cast<uint64_t>(addrman.Size(c)));
                out.PushKV(NetClassName(c), std::move(o));
            }
            JsonValue all = JsonValue::Object();
            all.PushKV("new", static_cast<uint64_t>(addrman.Size(std::nullopt, true)));
            all.PushKV("tried", static_cast<uint64_t>(addrman.Size(std::nullopt, false)));
            all.PushKV("total", static_cast<uint64_t>(addrman.Size()));
            out.PushKV("all_networks", std::move(all));
            return out;
        }};
}

RpcMethod AddPeerAddress(NodeContext& node, NetRpcContext& net)
{
    return RpcMethod{
        "addpeeraddress",
        "Add the address of a potential peer to an address manager table. This RPC is for testing only.",
        {
            Arg{"address", Arg::Type::STR, Arg::Optional::NO, "The IP address of the peer"},
            Arg{"port", Arg::Type::NUM, Arg::Optional::NO, "The port of the peer"},
            Arg{"tried", Arg::Type::BOOL, Arg::Default{JsonValue(false)},
                "If true, attempt to add the peer to the tried addresses table"},
        },
        {Res{Res::Type::OBJ, "", "",
             {
                 Res{Res::Type::BOOL, "success", "whether the peer address was successfully added to the address manager table"},
                 Res{Res::Type::STR, "error", true, "error description, if the address could not be added"},
             }}},
        HelpExampleCli("addpeeraddress", "\"1.2.3.4\" 8333 true") +
            HelpExampleRpc("addpeeraddress", "\"1.2.3.4\", 8333, true"),
        [&node, &net](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            AddrMan& addrman = EnsureAddrman(net);
            const std::string& text = JsonGetStr(req.params[0]);
            const int64_t port = JsonGetInt64(req.params[1]);
            if (port < 0 || port > 65535) throw std::runtime_error("JSON integer out of range");
            const bool tried = req.params.size() > 2 && !req.params[2].IsNull() && JsonGetBool(req.params[2]);
            auto ip = NetAddr::Parse(text);
            if (!ip) throw RpcError(RPC_CLIENT_INVALID_IP_OR_SUBNET, "Invalid IP address");
            Address a;
            a.service = Service{*ip, static_cast<uint16_t>(port)};
            a.services = NODE_NETWORK | NODE_WITNESS;
            a.time = static_cast<uint32_t>(node.Now());
            JsonValue o = JsonValue::Object();
            bool success = false;
            // The source is the address itself, as if the peer announced itself.
            if (addrman.Add({a}, a.service.addr)) {
                success = true;
                if (tried && !addrman.Good(a.service)) {
                    success = false;
                    o.PushKV("error", "failed-adding-to-tried");
                }
            } else {
                o.PushKV("error", "failed-adding-to-new");
            }
            o.PushKV("success", success);
            return o;
        }};
}
}  // namespace

void RegisterNetAddrRpcCommands(RpcTable& table, NodeContext& node, NetRpcContext& net)
{
    table.Register("network", GetNodeAddresses(node, net));
    table.Register("network", GetAddrmanInfo(net));
    table.Register("hidden", AddPeerAddress(node, net));
}
