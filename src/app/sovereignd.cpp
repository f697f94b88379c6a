// sovereignd: options, data directory, chainstate and mempool, the JSON-RPC server, and an orderly shutdown.
#include "address/destination.h"
#include "app/demo_reserve.h"
#include "chain/params.h"
#include "index/txindex.h"
#include "electrum/server.h"
#include "index/scripthash_index.h"
#include "index/blockfilterindex.h"
#include "net/cfilters.h"
#include "node/context.h"
#include "node/miner.h"
#include "pool/pool.h"
#include "net/addr_relay.h"
#include "net/addrman.h"
#include "net/banman.h"
#include "net/connman.h"
#include "net/peerman.h"
#include "rpc/http_server.h"
#include "rpc/ledger.h"
#include "rpc/net.h"
#include "rpc/node_rpc.h"
#include "rpc/output_script.h"
#include "rpc/psbt.h"
#include "rpc/reserves.h"
#include "wallet/rpc.h"
#include "wallet/wallet.h"
#include "rpc/pool_rpc.h"
#include "rpc/rawtransaction.h"
#include "util/args.h"
#include "util/hex.h"
#include "util/logging.h"
#include "util/strencodings.h"
#include "web/dashboard_service.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {
constexpr int64_t DEFAULT_DB_CACHE_MIB = 450;
constexpr int64_t MIN_DB_CACHE_MIB = 4;

std::atomic<bool> g_shutdown_requested{false};

void HandleSignal(int) { g_shutdown_requested = true; }

void SetupServerArgs(ArgsManager& args)
{
    using A = ArgsManager;
    const auto OPT = OptionsCategory::OPTIONS;
    const auto DBG = OptionsCategory::DEBUG_TEST;
    args.SetupHelpOptions();
    args.SetupChainParamsBaseOptions();
    args.AddArg("-version", "Print version and exit", A::ALLOW_ANY, OPT);
    args.AddArg("-conf=<file>",
                "Specify path to read-only configuration file. Relative paths will be prefixed by datadir location "
                "(only useable from command line, not configuration file) (default: sovereign.conf)",
                A::ALLOW_ANY | A::DISALLOW_NEGATION, OPT);
    args.AddArg("-datadir=<dir>", "Specify data directory", A::ALLOW_ANY | A::DISALLOW_NEGATION, OPT);
    args.AddArg("-daemon", "Run in the background as a daemon and accept commands (default: 0)", A::ALLOW_ANY, OPT);
    args.AddArg("-dbcache=<n>",
                "Maximum database cache size <n> MiB (minimum 4, default: 450). In addition, unused mempool memory "
                "is shared for this cache.",
                A::ALLOW_ANY, OPT);
    args.AddArg("-prune=<n>",
                "Reduce storage requirements by enabling pruning (deleting) of old blocks. Block pruning is "
                "incompatible with -txindex. Warning: Reverting this setting requires re-downloading the entire "
                "blockchain. (default: 0 = disable pruning blocks, 1 = allow manual pruning via RPC, >=550 = "
                "automatically prune block files to stay under the specified target size in MiB)",
                A::ALLOW_ANY, OPT);
    args.AddArg("-reindex",
                "If enabled, wipe chain state and block index, and rebuild them from blk*.dat files on disk.",
                A::ALLOW_ANY, OPT);
    args.AddArg("-reindex-chainstate",
                "If enabled, wipe chain state, and rebuild it from blk*.dat files on disk.", A::ALLOW_ANY, OPT);
    args.AddArg("-txindex", "Maintain a full transaction index, used by the getrawtransaction rpc call (default: 0)",
                A::ALLOW_ANY, OPT);
    args.AddArg("-par=<n>",
                "Set the number of script verification threads (0 = auto, up to 15, <0 = leave that many cores free, "
                "default: 0)",
                A::ALLOW_ANY, OPT);
    args.AddArg("-checkblocks=<n>", "How many blocks to check at startup (default: 6, 0 = all)",
                A::ALLOW_ANY | A::DEBUG_ONLY, DBG);
    args.AddArg("-checklevel=<n>",
                "How thorough the block verification of -checkblocks is: level 0 reads the blocks from disk, level 1 "
                "verifies block validity, level 2 verifies undo data, level 3 checks disconnection of tip blocks, "
                "level 4 tries to reconnect the blocks, each level includes the checks of the previous levels "
                "(0-4, default: 3)",
                A::ALLOW_ANY | A::DEBUG_ONLY, DBG);
    args.AddArg("-blockfilterindex=<type>",
                "Maintain an index of compact filters by block (default: 0, values: " + ListBlockFilterTypes() +
                    "). If <type> is not supplied or if <type> = 1, indexes for all known types are enabled.",
                A::ALLOW_ANY, OPT);
    args.AddArg("-blocksxor",
                "Whether an XOR-key applies to blocksdir *.dat files. The created XOR-key will be zeros for an "
                "existing blocksdir or when `-blocksxor=0` is set, and random for a freshly initialized blocksdir. "
                "(default: 1)",
                A::ALLOW_ANY, OPT);
    args.AddArg("-assumevalid=<hex>",
                "If this block is in the chain assume that it and its ancestors are valid and potentially skip their "
                "script verification (0 to verify all, default: chain's default; regtest: 0)",
                A::ALLOW_ANY, OPT);
    args.AddArg("-maxmempool=<n>", "Keep the transaction memory pool below <n> megabytes (default: 300)",
                A::ALLOW_ANY, OPT);
    args.AddArg("-mempoolexpiry=<n>", "Do not keep transactions in the mempool longer than <n> hours (default: 336)",
                A::ALLOW_ANY, OPT);
    args.AddArg("-persistmempool", "Whether to save the mempool on shutdown and load on restart (default: 1)",
                A::ALLOW_ANY, OPT);
    args.AddArg("-pid=<file>", "Specify pid file. Relative paths will be prefixed by a net-specific datadir location. "
                               "(default: sovereignd.pid)",
                A::ALLOW_ANY, OPT);
    args.AddArg("-printtoconsole",
                "Send trace/debug info to console (default: 1 when no -daemon. To disable logging to file, set "
                "-nodebuglogfile)",
                A::ALLOW_ANY, DBG);
    args.AddArg("-debuglogfile=<file>",
                "Specify location of debug log file (default: debug.log). Relative paths will be prefixed by a "
                "net-specific datadir location. Pass -nodebuglogfile to disable writing the log to a file.",
                A::ALLOW_ANY, DBG);
    args.AddArg("-debug=<category>",
                "Log debugging information for <category> (or all with 1). Categories: validation, rpc, mempool, "
                "bench.",
                A::ALLOW_ANY, DBG);
    args.AddArg("-mocktime=<n>", "Replace actual time with <n> seconds since epoch (default: 0)", A::ALLOW_ANY | A::DEBUG_ONLY, DBG);
    args.AddArg("-minefirststart=<n>",
                "Regtest only: on a fresh chain, mine <n> blocks to a new key whose WIF is written to "
                "first-start-key.txt in the data directory (default: 0)",
                A::ALLOW_ANY, DBG);
    pool::RegisterPoolArgs(args);
    RegisterElectrumArgs(args);
    const auto NET = OptionsCategory::CONNECTION;
    args.AddArg("-listen",
                "Accept connections from outside (default: 1 if no -proxy, -connect or -maxconnections=0)",
                A::ALLOW_ANY, NET);
    args.AddArg("-port=<port>",
                "Listen for connections on <port> (default: 8333, testnet3: 18333, testnet4: 48333, signet: 38333, "
                "regtest: 18444).",
                A::ALLOW_ANY, NET);
    args.AddArg("-bind=<addr>[:<port>]",
                "Bind to given address and always listen on it (default: 0.0.0.0). Use [host]:port notation for IPv6.",
                A::ALLOW_ANY, NET);
    args.AddArg("-connect=<ip>",
                "Connect only to the specified node; -noconnect disables automatic connections (the rules for this "
                "peer are the same as for -addnode). This option can be specified multiple times to connect to "
                "multiple nodes.",
                A::ALLOW_ANY, NET);
    args.AddArg("-addnode=<ip>",
                "Add a node to connect to and attempt to keep the connection open (see the addnode RPC help for more "
                "info). This option can be specified multiple times to add multiple nodes; connections are limited "
                "to 8 at a time and are counted separately from the -maxconnections limit.",
                A::ALLOW_ANY, NET);
    args.AddArg("-seednode=<ip>",
                "Connect to a node to retrieve peer addresses, and disconnect. This option can be specified multiple "
                "times to connect to multiple nodes. During startup, seednodes will be tried before dnsseeds.",
                A::ALLOW_ANY, NET);
    args.AddArg("-asmap=<file>",
                "Specify asn mapping used for bucketing of the peers. Relative paths will be prefixed by the "
                "net-specific datadir location.",
                A::ALLOW_ANY, NET);
    args.AddArg("-whitelist=<[permissions@]IP address or network>",
                "Add permission flags to the peers connecting from the given IP address (e.g. 1.2.3.4) or CIDR-notated "
                "network (e.g. 1.2.3.0/24). Uses the same permissions as -whitebind. Can be specified multiple times.",
                A::ALLOW_ANY, NET);
    args.AddArg("-whitebind=<[permissions@]addr>",
                "Bind to the given address and add permission flags to the peers connecting to it. Use [host]:port "
                "notation for IPv6. Allowed permissions: bloomfilter (allow requesting BIP37 filtered blocks and "
                "transactions), noban (do not ban for misbehavior; implies download), forcerelay (relay transactions "
                "that are already in the mempool; implies relay), relay (relay even in -blocksonly mode, and unlimited "
                "transaction announcements), mempool (allow requesting BIP35 mempool contents), download (allow "
                "getheaders during IBD, no disconnect after maxuploadtarget limit), addr (responses to GETADDR avoid "
                "hitting the cache and contain random records with the most up-to-date info). Specify multiple "
                "permissions separated by commas (default: download,noban,mempool,relay). Can be specified multiple "
                "times.",
                A::ALLOW_ANY, NET);
    args.AddArg("-whitelistrelay",
                "Add 'relay' permission to whitelisted peers with default permissions. This will accept relayed "
                "transactions even when not relaying transactions (default: 1)",
                A::ALLOW_ANY, NET);
    args.AddArg("-whitelistforcerelay",
                "Add 'forcerelay' permission to whitelisted peers with default permissions. This will relay "
                "transactions even if the transactions were already in the mempool. (default: 0)",
                A::ALLOW_ANY, NET);
    args.AddArg("-dnsseed",
                "Query for peer addresses via DNS lookup, if low on addresses (default: 1 unless -connect used or "
                "-maxconnections=0)",
                A::ALLOW_ANY, NET);
    args.AddArg("-maxconnections=<n>",
                "Maintain at most <n> automatic connections to peers (default: 125). This limit does not apply to "
                "connections manually added via -addnode or the addnode RPC, which have a separate limit of 8.",
                A::ALLOW_ANY, NET);
    args.AddArg("-maxsendbuffer=<n>",
                "Maximum per-connection memory usage for the send buffer, <n>*1000 bytes (default: 1000)",
                A::ALLOW_ANY, NET);
    args.AddArg("-maxreceivebuffer=<n>",
                "Maximum per-connection receive buffer, <n>*1000 bytes (default: 5000)", A::ALLOW_ANY, NET);
    args.AddArg("-bantime=<n>",
                "Default duration (in seconds) of manually configured bans (default: 86400)", A::ALLOW_ANY, NET);
    args.AddArg("-networkactive",
                "Enable all P2P network activity (default: 1). Can be changed by the setnetworkactive RPC command",
                A::ALLOW_ANY, NET);
    args.AddArg("-blocksonly",
                "Whether to reject transactions from network peers. Disables automatic broadcast and rebroadcast of "
                "transactions. RPC transactions are not affected. (default: 0)",
                A::ALLOW_ANY, NET);
    args.AddArg("-maxorphantx=<n>",
                "Keep at most <n> unconnectable transactions in memory (default: " +
                    std::to_string(DEFAULT_MAX_ORPHAN_TRANSACTIONS) + ")",
                A::ALLOW_ANY, OPT);
    args.AddArg("-peerblockfilters",
                "Serve compact block filters to peers per BIP 157 (default: " +
                    std::to_string(DEFAULT_PEERBLOCKFILTERS) + ")",
                A::ALLOW_ANY, NET);
    args.AddArg("-peertimeout=<n>",
                "Specify a p2p connection timeout delay in seconds. After connecting to a peer, wait this amount of "
                "time before considering disconnection based on inactivity (minimum: 1, default: 60)",
                A::ALLOW_ANY | A::DEBUG_ONLY, DBG);
    RegisterRpcServerArgs(args, 8332, 18332, 48332, 38332, 18443);
    RegisterDashboardArgs(args);
    RegisterWalletArgs(args);
}

/** Parses "addr", "addr:port", "[v6]:port" into a listen address. */
std::optional<Service> ParseBind(const std::string& text, uint16_t default_port)
{
    std::string host = text;
    uint16_t port = default_port;
    const size_t colon = text.rfind(':');
    const bool bracketed = !text.empty() && text[0] == '[';
    if (colon != std::string::npos && (bracketed ? colon > text.find(']') : text.find(':') == colon)) {
        const std::string p = text.substr(colon + 1);
        if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
        const int n = std::stoi(p);
        if (n <= 0 || n > 65535) return std::nullopt;
        port = static_cast<uint16_t>(n);
        host = text.substr(0, colon);
    }
    auto addr = NetAddr::Parse(host);
    if (!addr) return std::nullopt;
    return Service{*addr, port};
}

int Fail(const std::string& message)
{
    LogPrintf("Error: %s\n", message.c_str());
    std::cerr << "Error: " << message << std::endl;
    return EXIT_FAILURE;
}

/** Mines blocks to a fresh key on a brand-new regtest chain, so the run command starts with spendable coins. */
void MineFirstStart(NodeContext& node, int blocks)
{
    ChainstateManager& cm = *node.chainman;
    if (cm.Chain().Height() != 0 || blocks <= 0) return;
    Key key = Key::Generate(true);
    const Destination dest = WitnessV0KeyHash{key.GetPubKey().GetID()};
    const fs::path key_file = node.data_dir / "first-start-key.txt";
    {
        std::ofstream out(key_file);
        out << "address " << EncodeDestination(dest, node.params->chain) << "\nwif " << EncodeSecret(key, node.params->chain)
            << "\n";
    }
    ::chmod(key_file.c_str(), 0600);
    for (int i = 0; i < blocks; ++i) {
        std::string error;
        auto tmpl = CreateNewBlock(cm, GetScriptForDestination(dest), {}, &error);
        if (!tmpl || !GrindNonce(tmpl->block, node.params->consensus)) break;
        BlockValidationState state;
        bool new_block;
        cm.ProcessNewBlock(std::make_shared<const Block>(tmpl->block), true, true, &new_block, &state);
    }
    cm.Flush();
    LogPrintf("Mined %d blocks to %s (key in %s)\n", cm.Chain().Height(),
              EncodeDestination(dest, node.params->chain).c_str(), key_file.string().c_str());
}
}  // namespace

int main(int argc, char** argv)
{
    ArgsManager args;
    SetupServerArgs(args);
    std::string error;
    if (!args.ParseParameters(std::vector<std::string>(argv + 1, argv + argc), error)) {
        std::cerr << "Error parsing command line arguments: " << error << std::endl;
        return EXIT_FAILURE;
    }
    if (args.HelpRequested() || args.GetBoolArg("-version", false)) {
        std::cout << "Sovereign daemon version v0.1.0\n";
        if (!args.GetBoolArg("-version", false)) {
            std::cout << "\nUsage:  sovereignd [options]                     Start Sovereign\n\n" << args.GetHelpMessage();
        }
        return EXIT_SUCCESS;
    }
    if (!args.Positional().empty()) {
        return Fail("Command line contains unexpected token '" + args.Positional()[0] +
                    "', see sovereignd -h for a list of options.");
    }
    const auto datadir_arg = args.GetArg("-datadir");
    if (datadir_arg && !fs::is_directory(fs::absolute(*datadir_arg))) {
        return Fail("Specified data directory \"" + *datadir_arg + "\" does not exist.");
    }
    if (!args.ReadConfigFiles(error, false)) return Fail("Error reading configuration file: " + error);
    std::string chain_name;
    try {
        chain_name = args.GetChainName();
        args.SelectConfigNetwork(chain_name);
    } catch (const std::exception& e) {
        return Fail(e.what());
    }
    auto chain = ParseChainName(chain_name);
    if (!chain) return Fail("Unknown chain " + chain_name);
    ChainOptions chain_opts;
    if (auto challenge = args.GetArg("-signetchallenge")) {
        auto bytes = TryParseHex(*challenge);
        if (!bytes) return Fail("-signetchallenge must be hex, not '" + *challenge + "'.");
        chain_opts.signet_challenge = *bytes;
    }
    auto params = CreateChainParams(*chain, chain_opts);

    NodeContext node;
    node.params = params.get();
    node.args = &args;
    node.data_dir = args.GetDataDirNet();
    std::error_code ec;
    fs::create_directories(node.data_dir, ec);
    if (ec) return Fail("Cannot create data directory " + node.data_dir.string() + ": " + ec.message());

    if (args.GetBoolArg("-daemon", false)) {
        std::cout << "Sovereign server starting" << std::endl;
        if (::daemon(1, 0) != 0) return Fail("daemon() failed");
    }
    const bool console = args.GetBoolArg("-printtoconsole", !args.GetBoolArg("-daemon", false));
    fs::path log_file;
    if (!args.IsArgNegated("-debuglogfile")) {
        log_file = args.AbsPathForConfigVal(args.GetArg("-debuglogfile", "debug.log"));
    }
    if (!LogOpen(log_file, console, &error)) return Fail(error);
    for (const std::string& cat : args.GetArgs("-debug")) LogEnableCategory(cat);
    LogPrintf("Sovereign version v0.1.0, chain %s, data directory %s\n", chain_name.c_str(),
              node.data_dir.string().c_str());
    const fs::path pid_file = args.AbsPathForConfigVal(args.GetArg("-pid", "sovereignd.pid"));
    {
        std::ofstream pid(pid_file);
        pid << ::getpid() << "\n";
    }
    if (int64_t mock = args.GetIntArg("-mocktime", 0); mock > 0) node.mock_time = mock;

    std::signal(SIGTERM, HandleSignal);
    std::signal(SIGINT, HandleSignal);
    std::signal(SIGPIPE, SIG_IGN);
    node.request_shutdown = [] { g_shutdown_requested = true; };
    node.shutdown_requested = [] { return g_shutdown_requested.load(); };

    // Enabled filter types (Core parses them before anything is loaded).
    std::set<BlockFilterType> filter_types;
    const std::string blockfilterindex = args.GetArg("-blockfilterindex", "0");
    if (blockfilterindex == "" || blockfilterindex == "1") {
        filter_types = AllBlockFilterTypes();
    } else if (blockfilterindex != "0") {
        for (const std::string& name : args.GetArgs("-blockfilterindex")) {
            BlockFilterType type;
            if (!BlockFilterTypeByName(name, type)) return Fail("Unknown -blockfilterindex value " + name + ".");
            filter_types.insert(type);
        }
    }
    // BIP157 serving needs the basic filter index (Core's check and message).
    const bool peer_block_filters = args.GetBoolArg("-peerblockfilters", DEFAULT_PEERBLOCKFILTERS);
    if (peer_block_filters && !filter_types.count(BlockFilterType::BASIC)) {
        return Fail("Cannot set -peerblockfilters without -blockfilterindex.");
    }

    // Chainstate.
    int64_t dbcache_mib = std::max(args.GetIntArg("-dbcache", DEFAULT_DB_CACHE_MIB), MIN_DB_CACHE_MIB);
    const int64_t prune_mib = args.GetIntArg("-prune", 0);
    if (prune_mib < 0) return Fail("Prune cannot be configured with a negative value.");
    if (prune_mib > 1 && prune_mib < static_cast<int64_t>(MIN_PRUNE_TARGET_MIB)) {
        return Fail("Prune configured below the minimum of 550 MiB.  Please use a higher number.");
    }
    if (prune_mib && args.GetBoolArg("-txindex", false)) return Fail("Prune mode is incompatible with -txindex.");
    node.notifications = std::make_unique<NodeNotifications>(node);
    ChainstateOptions copts;
    copts.data_dir = node.data_dir;
    copts.params = params.get();
    copts.coins_cache_bytes = static_cast<size_t>(dbcache_mib) << 20;
    copts.coins_db_cache_bytes = std::min<size_t>(copts.coins_cache_bytes / 8, 64 << 20);
    copts.prune_target_bytes = prune_mib > 1 ? static_cast<uint64_t>(prune_mib) << 20 : 0;
    copts.reindex = args.GetBoolArg("-reindex", false);
    copts.reindex_chainstate = args.GetBoolArg("-reindex-chainstate", false);
    copts.blocks_xor = args.GetBoolArg("-blocksxor", true);
    const std::string assume_valid = args.GetArg("-assumevalid", params->consensus.default_assume_valid.GetHex());
    if (assume_valid != "0") {
        auto hash = uint256::FromHex(assume_valid);
        if (!hash) return Fail("Invalid -assumevalid value: " + assume_valid);
        copts.assume_valid = *hash;
    }
    copts.now = [&node] { return node.Now(); };
    copts.notifications = node.notifications.get();
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    copts.script_check_threads = ScriptCheckThreadsFromPar(args.GetIntArg("-par", 0), cores);
    LogPrintf("Script verification uses %d additional threads\n", copts.script_check_threads);
    LogPrintf("Loading block index and chainstate...\n");
    node.chainman = ChainstateManager::Load(copts, &error);
    if (!node.chainman) return Fail(error);
    LogPrintf("Chainstate loaded: height %d, best block %s\n", node.chainman->Chain().Height(),
              node.chainman->Tip()->GetBlockHash().GetHex().c_str());
    if (node.chainman->Chain().Height() > 0) {
        // Core's startup check of the last -checkblocks blocks at -checklevel.
        LogPrintf("Verifying blocks...\n");
        if (!VerifyChainAtStartup(*node.chainman, static_cast<int>(args.GetIntArg("-checklevel", 3)),
                                  static_cast<int>(args.GetIntArg("-checkblocks", 6)))) {
            return Fail("Corrupted block database detected. Please restart with -reindex or -reindex-chainstate to "
                        "recover.");
        }
    }

    // Optional indexes: catch up in the background, then follow the chain.
    std::unique_ptr<TxIndex> txindex;
    if (args.GetBoolArg("-txindex", false)) {
        BaseIndex::Options io;
        io.path = node.data_dir / "indexes" / "txindex";
        io.wipe = copts.reindex;
        txindex = std::make_unique<TxIndex>(node, io);
        if (!txindex->Init(&error)) return Fail(error);
        txindex->Start();
        node.indexes.push_back(txindex.get());
    }

    // Mempool and fee estimation.
    MempoolOptions mopts;
    mopts.max_size_bytes = args.GetIntArg("-maxmempool", 300) * 1'000'000;
    mopts.expiry_seconds = args.GetIntArg("-mempoolexpiry", 336) * 60 * 60;
    node.mempool = std::make_unique<TxMemPool>(mopts);
    node.fee_estimator = std::make_unique<BlockPolicyEstimator>();
    node.fee_estimator->ReadFile(node.data_dir / "fee_estimates.dat");
    node.mempool->m_fee_estimator = node.fee_estimator.get();
    node.mempool_context = std::make_unique<ChainMempoolContext>(*node.chainman, [&node] { return node.Now(); });
    const bool persist_mempool = args.GetBoolArg("-persistmempool", true);
    if (persist_mempool && fs::exists(node.data_dir / "mempool.dat")) {
        std::lock_guard chain_lock(node.chainman->Mutex());
        std::lock_guard lock(node.mempool->m_mutex);
        MempoolLoadStats stats;
        LoadMempool(*node.mempool, *node.mempool_context, node.data_dir / "mempool.dat", &stats);
        LogPrintf("Imported mempool transactions from disk: %lld succeeded, %lld failed, %lld expired\n",
                  static_cast<long long>(stats.count), static_cast<long long>(stats.failed),
                  static_cast<long long>(stats.expired));
    }
    if (node.params->chain == Chain::REGTEST) MineFirstStart(node, static_cast<int>(args.GetIntArg("-minefirststart", 0)));

    // Electrum server and its history index (-electrum).
    std::unique_ptr<ScripthashIndex> electrum_index;
    std::unique_ptr<ElectrumServer> electrum;
    if (args.GetBoolArg("-electrum", false)) {
        ElectrumOptions eopts;
        if (!ElectrumOptionsFromArgs(args, ElectrumDefaultPort(node.params->chain), eopts, error)) return Fail(error);
        eopts.data_dir = node.data_dir;
        if (node.chainman->IsPruneMode()) return Fail("Prune mode is incompatible with -electrum.");
        BaseIndex::Options iopts;
        iopts.path = node.data_dir / "indexes" / "electrum";
        iopts.cache_bytes = 16 << 20;
        iopts.wipe = copts.reindex || copts.reindex_chainstate;
        electrum_index = std::make_unique<ScripthashIndex>(node, iopts);
        if (!electrum_index->Init(&error)) return Fail(error);
        node.indexes.push_back(electrum_index.get());
        electrum = std::make_unique<ElectrumServer>(node, *electrum_index, eopts);
        if (!electrum->Start(error)) return Fail(error);
        electrum_index->Start();
        for (uint16_t port : electrum->BoundPorts()) LogPrintf("Electrum server listening on port %u\n", port);
        for (uint16_t port : electrum->BoundPorts(ElectrumListener::TLS)) LogPrintf("Electrum server listening on port %u (TLS)\n", port);
        for (uint16_t port : electrum->BoundPorts(ElectrumListener::WS)) {
            LogPrintf("Electrum server listening on port %u (WebSocket)\n", port);
        }
    }
    // Optional indexes: each catches up in its own thread, then follows the chain. -reindex rebuilds them.
    std::vector<std::unique_ptr<BlockFilterIndex>> filter_indexes;
    for (BlockFilterType type : filter_types) {
        // Core gives the filter indexes together an eighth of -dbcache, at most 1 GiB.
        const size_t cache = std::min<size_t>(static_cast<size_t>(dbcache_mib) << 20 >> 3, size_t{1} << 30) /
                             filter_types.size();
        auto index = std::make_unique<BlockFilterIndex>(
            node, type, BlockFilterIndexOptions(node, type, cache, copts.reindex));
        if (!index->Init(&error)) return Fail(error);
        LogPrintf("* Using %.1f MiB for %s block filter index database\n", cache / double(1 << 20),
                  BlockFilterTypeName(type).c_str());
        index->Start();
        node.indexes.push_back(index.get());
        filter_indexes.push_back(std::move(index));
    }
    auto stop_indexes = [&] {
        for (auto& index : filter_indexes) index->Stop();
        std::erase_if(node.indexes, [&](BaseIndex* i) {
            return std::any_of(filter_indexes.begin(), filter_indexes.end(),
                               [&](const auto& f) { return f.get() == i; });
        });
        filter_indexes.clear();
    };

    // RPC server.
    RpcTable table;
    table.SetShutdownHandler([] { g_shutdown_requested = true; });
    table.SetLogPath(log_file.string());
    RegisterRawTransactionRpcCommands(table, node.params->chain);
    RegisterPsbtRpcCommands(table, node.params->chain);
    RegisterPsbtNodeRpcCommands(table, node);
    RegisterBlockchainRpcCommands(table, node);
    RegisterMiningRpcCommands(table, node);
    RegisterMempoolRpcCommands(table, node);
    RegisterOutputScriptRpcCommands(table, node.params->chain);
    RegisterScanTxOutSetRpcCommand(table, node);
    RegisterReservesRpcCommands(table, node);
    RegisterMessageRpcCommands(table, node.params->chain);
    // Wallets (-wallet, createwallet, loadwallet): descriptor wallets under -walletdir.
    const fs::path wallet_dir = args.IsArgSet("-walletdir") ? fs::absolute(args.GetArg("-walletdir", "")) : node.data_dir / "wallets";
    WalletManager wallets(node, wallet_dir);
    if (!args.GetBoolArg("-disablewallet", false)) {
        RegisterWalletRpcCommands(table, node, wallets);
        RegisterWalletSignRpcCommands(table, node, wallets);
        RegisterWalletLabelRpcCommands(table, node, wallets);
        RegisterWalletMoreRpcCommands(table, node, wallets);
        for (const std::string& name : args.GetArgs("-wallet")) {
            int code;
            if (!wallets.Load(name, &error, &code)) return Fail(error);
            LogPrintf("Wallet %s loaded\n", name.c_str());
        }
    }
    // The reserve's books (-ledger, -dashboard): the treasury ledger reconciled against the reserve wallets.
    auto reserve_movements = [&wallets, names = args.GetArgs("-reservewallet")] {
        std::vector<ChainMovement> out;
        for (const std::string& name : names.empty() ? std::vector<std::string>{"reserve"} : names) {
            const auto wallet = wallets.Get(name);
            if (!wallet) continue;
            for (const WalletTx& wtx : wallet->Transactions()) {
                if (wtx.height < 0) continue;  // confirmed movements only: the books follow the chain
                out.push_back({wtx.tx->GetHash().GetHex(), wallet->TxAmounts(*wtx.tx).first, wtx.block_time});
            }
        }
        return out;
    };
    std::vector<std::string> demo_descriptors;
    if (args.GetBoolArg("-demoreserve", false) && node.params->chain == Chain::REGTEST &&
        !args.GetBoolArg("-disablewallet", false)) {
        demo_descriptors = SetUpDemoReserve(node, wallets, InstitutionName(args, node), &error);
        if (demo_descriptors.empty()) return Fail("Demo reserve: " + error);
    }
    std::string dashboard_error;
    std::unique_ptr<DashboardService> dashboard =
        DashboardService::Start(args, node, reserve_movements, dashboard_error, demo_descriptors);
    if (!dashboard && !dashboard_error.empty()) return Fail("Dashboard: " + dashboard_error);
    LedgerRpcContext ledger_rpc;
    ledger_rpc.ledger = [&dashboard]() -> Ledger* { return dashboard ? &dashboard->GetLedger() : nullptr; };
    ledger_rpc.movements = reserve_movements;
    ledger_rpc.audit = [&dashboard, &node](const std::string& action, const std::string& details) {
        if (dashboard) dashboard->Custody().Record("rpc", action, details, node.Now(), nullptr);
    };
    ledger_rpc.currency = [&dashboard] { return dashboard ? dashboard->Currency() : std::string("USD"); };
    ledger_rpc.institution = [&dashboard] { return dashboard ? dashboard->Institution() : std::string(); };
    ledger_rpc.now = [&node] { return node.Now(); };
    ledger_rpc.data_dir = node.data_dir;
    RegisterLedgerRpcCommands(table, std::move(ledger_rpc));
    RegisterPlannerRpcCommands(table, node);
    std::unique_ptr<pool::StratumPool> stratum;
    RegisterPoolRpcCommands(table, [&stratum] { return stratum.get(); });
    if (args.GetBoolArg("-stratum", false)) {
        pool::PoolOptions pool_opts;
        if (!pool::PoolOptionsFromArgs(args, node, pool_opts, &error)) return Fail(error);
        stratum = pool::StratumPool::Start(node, pool_opts, &error);
        if (!stratum) return Fail(error);
    }
    // The pool panel (the dashboard is reset before the pool stops, so the pointer outlives every request).
    if (dashboard && stratum) dashboard->SetPoolSource([pool = stratum.get()] { return pool->Panel(); });

    // P2P: connection manager and message processing.
    BanMan banman;
    if (!banman.LoadBanList(node.data_dir / "banlist.json", node.Now(), error)) return Fail(error);
    ConnmanOptions net_opts;
    net_opts.magic = params->message_start;
    net_opts.default_port = params->default_port;
    const int64_t port_arg = args.GetIntArg("-port", params->default_port);
    if (port_arg <= 0 || port_arg > 65535) return Fail("Invalid port specified in -port: '" + std::to_string(port_arg) + "'");
    net_opts.port = static_cast<uint16_t>(port_arg);
    net_opts.connect = args.IsArgNegated("-connect") ? std::vector<std::string>{} : args.GetArgs("-connect");
    net_opts.addnodes = args.GetArgs("-addnode");
    net_opts.seednodes = args.GetArgs("-seednode");
    net_opts.max_connections = static_cast<int>(std::max<int64_t>(0, args.GetIntArg("-maxconnections", 125)));
    // Core: -connect, or no automatic connections, turn listening off unless asked for.
    const bool listen_default = net_opts.connect.empty() && !args.IsArgNegated("-connect") && net_opts.max_connections > 0;
    net_opts.listen = args.GetBoolArg("-listen", listen_default);
    for (const std::string& b : args.GetArgs("-bind")) {
        auto service = ParseBind(b, net_opts.port);
        if (!service) return Fail("Cannot resolve -bind address: '" + b + "'");
        net_opts.binds.push_back(*service);
    }
    net_opts.max_send_buffer = static_cast<size_t>(std::max<int64_t>(1, args.GetIntArg("-maxsendbuffer", 1000))) * 1000;
    net_opts.max_receive_buffer = static_cast<size_t>(std::max<int64_t>(1, args.GetIntArg("-maxreceivebuffer", 5000))) * 1000;
    net_opts.handshake_timeout_s = std::max<int64_t>(1, args.GetIntArg("-peertimeout", 60));
    // Address manager (peers.dat) and -asmap; DNS seeds only on mainnet and not with -connect.
    NetGroupManager netgroup;
    if (args.IsArgSet("-asmap") && !args.IsArgNegated("-asmap")) {
        const auto asmap_path = args.AbsPathForConfigVal(args.GetArg("-asmap").value_or(""));
        auto bits = LoadAsmap(asmap_path.string(), error);
        if (!bits) return Fail(error);
        netgroup = NetGroupManager(std::move(*bits));
        LogPrintf("Using asmap version %s for IP bucketing\n", netgroup.AsmapVersion().GetHex().c_str());
    }
    AddrMan addrman(netgroup, false, [&node] { return node.Now(); });
    const fs::path peers_path = node.data_dir / "peers.dat";
    if (!ReadPeersFile(addrman, peers_path, error)) return Fail(error);
    LogPrintf("Loaded %zu addresses from peers.dat\n", addrman.Size());
    net_opts.automatic_outbound = !args.IsArgSet("-connect");
    for (const std::string& w : args.GetArgs("-whitelist")) {
        auto entry = ParseWhitelist(w, error);
        if (!entry) return Fail(error);
        net_opts.whitelist.push_back(*entry);
    }
    for (const std::string& w : args.GetArgs("-whitebind")) {
        auto entry = ParseWhitebind(w, error);
        if (!entry) return Fail(error);
        net_opts.whitebinds.push_back(*entry);
    }
    net_opts.whitelist_relay = args.GetBoolArg("-whitelistrelay", true);
    net_opts.whitelist_forcerelay = args.GetBoolArg("-whitelistforcerelay", false);
    if (params->chain == Chain::MAIN && args.GetBoolArg("-dnsseed", net_opts.automatic_outbound)) {
        net_opts.dns_seeds = params->dns_seeds;
    }
    Connman connman(net_opts, banman, [&node] { return node.Now(); });
    connman.SetAddrMan(&addrman);
    PeerManOptions pm_opts;
    pm_opts.pruned = node.chainman->IsPruneMode();
    pm_opts.ignore_incoming_txs = args.GetBoolArg("-blocksonly", false);
    pm_opts.max_orphan_txs = static_cast<unsigned int>(
        std::clamp<int64_t>(args.GetIntArg("-maxorphantx", DEFAULT_MAX_ORPHAN_TRANSACTIONS), 0, 1 << 30));
    pm_opts.peer_block_filters = peer_block_filters;
    PeerMan peerman(node, connman, banman, pm_opts);
    connman.SetPeerMan(&peerman);
    AddrRelay addr_relay(connman, addrman, banman, [&node] { return node.Now(); },
                         [&node] { return node.chainman->IsInitialBlockDownload(); });
    peerman.SetAddrRelay(&addr_relay);
    node.notifications->Register(&peerman);
    // On every way out of main: stop the network thread and unsubscribe before peerman goes away.
    struct NetShutdown {
        Connman& connman;
        NodeNotifications& notifications;
        PeerMan& peerman;
        ~NetShutdown()
        {
            connman.Stop();
            notifications.Unregister(&peerman);
        }
    } net_shutdown{connman, *node.notifications, peerman};
    NetRpcContext net_rpc;
    net_rpc.connman = &connman;
    net_rpc.peerman = &peerman;
    net_rpc.banman = &banman;
    net_rpc.addrman = &addrman;
    net_rpc.addr_relay = &addr_relay;
    net_rpc.default_ban_time = args.GetIntArg("-bantime", DEFAULT_MISBEHAVING_BANTIME);
    RegisterNetRpcCommands(table, node, net_rpc);
    if (!args.GetBoolArg("-networkactive", true)) connman.SetNetworkActive(false);
    {
        std::vector<std::string> net_warnings;
        if (!connman.Start(error, &net_warnings)) return Fail(error);
        for (const std::string& w : net_warnings) LogPrintf("Warning: %s\n", w.c_str());
        for (uint16_t port : connman.BoundPorts()) LogPrintf("P2P listening on port %u\n", port);
    }
    RpcAuthenticator auth;
    if (!auth.Init(args, error)) return Fail(error);
    HttpServerOptions http_opts;
    std::vector<std::string> warnings;
    if (!HttpServerOptionsFromArgs(args, params->default_rpc_port, http_opts, error, &warnings)) return Fail(error);
    for (const std::string& w : warnings) LogPrintf("Warning: %s\n", w.c_str());
    HttpRpcServer server(table, auth, http_opts);
    if (!server.Start(error)) return Fail(error);
    for (uint16_t port : server.BoundPorts()) LogPrintf("RPC server listening on port %u\n", port);
    LogPrintf("Sovereign is ready: height %d\n", node.chainman->Chain().Height());

    auto last_peers_dump = std::chrono::steady_clock::now();
    while (!g_shutdown_requested) {
        {
            std::unique_lock lock(node.tip_mutex);
            node.tip_changed.wait_for(lock, std::chrono::milliseconds(200));
        }
        // Core's DUMP_PEERS_INTERVAL: peers.dat every 15 minutes.
        if (std::chrono::steady_clock::now() - last_peers_dump > std::chrono::minutes(15)) {
            last_peers_dump = std::chrono::steady_clock::now();
            std::string dump_error;
            if (!WritePeersFile(addrman, peers_path, dump_error)) LogPrintf("peers.dat: %s\n", dump_error.c_str());
        }
    }

    LogPrintf("Shutdown: In progress...\n");
    server.Stop();  // first: no RPC may reach the ledger or a wallet while they close
    dashboard.reset();
    wallets.UnloadAll();
    if (stratum) stratum->Stop();
    connman.Stop();
    {
        std::string dump_error;
        if (WritePeersFile(addrman, peers_path, dump_error)) {
            LogPrintf("Flushed %zu addresses to peers.dat\n", addrman.Size());
        } else {
            LogPrintf("peers.dat: %s\n", dump_error.c_str());
        }
        banman.GetBanned(node.Now());  // sweep expired bans before the last write
        if (!banman.DumpBanList(dump_error)) LogPrintf("banlist.json: %s\n", dump_error.c_str());
    }
    auth.DeleteCookie();
    // The index first: it stops calling the server's change callback before the server goes away.
    if (electrum_index) electrum_index->Stop();
    if (electrum) electrum->Stop();
    node.indexes.clear();
    electrum.reset();
    electrum_index.reset();
    if (persist_mempool) {
        std::lock_guard lock(node.mempool->m_mutex);
        DumpMempool(*node.mempool, node.data_dir / "mempool.dat");
    }
    node.fee_estimator->WriteFile(node.data_dir / "fee_estimates.dat");
    // Indexes stop following the chain before it goes away.
    node.indexes.clear();
    if (txindex) txindex->Stop();
    txindex.reset();
    stop_indexes();  // before the chainstate they read from goes away
    node.chainman->Flush();
    node.chainman.reset();
    fs::remove(pid_file, ec);
    LogPrintf("Shutdown: done\n");
    LogClose();
    return EXIT_SUCCESS;
}
