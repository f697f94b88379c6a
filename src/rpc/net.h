// Registration of the P2P RPC commands (Core's rpc/net.cpp): getpeerinfo, getnetworkinfo, addnode, setban, ...
#pragma once

#include "node/context.h"
#include "rpc/server.h"

class AddrMan;
class AddrRelay;
class BanMan;
class Connman;
class PeerMan;

/** The P2P parts a running node has; null members make the commands fail with RPC_CLIENT_P2P_DISABLED. */
struct NetRpcContext {
    Connman* connman{nullptr};
    PeerMan* peerman{nullptr};
    BanMan* banman{nullptr};
    AddrMan* addrman{nullptr};
    AddrRelay* addr_relay{nullptr};
    /** -bantime: default ban duration in seconds. */
    int64_t default_ban_time{60 * 60 * 24};
};

void RegisterNetRpcCommands(RpcTable& table, NodeContext& node, NetRpcContext& net);
/** getnodeaddresses, getaddrmaninfo, addpeeraddress (rpc/net_addr.cpp); called by RegisterNetRpcCommands. */
void RegisterNetAddrRpcCommands(RpcTable& table, NodeContext& node, NetRpcContext& net);
