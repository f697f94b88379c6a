// Fuzz target: the Electrum server's request handling as one connection sees it (JSON-RPC 2.0 parsing, batches,
// ids, parameter checks and every method) against a small regtest chain with an index and a mempool entry.
#include "crypto/hash.h"
#include "electrum/server.h"
#include "fuzz_check.h"
#include "index/scripthash_index.h"
#include "node/context.h"
#include "node/miner.h"
#include "util/logging.h"

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

namespace {
struct Env {
    std::filesystem::path dir;
    std::unique_ptr<const ChainParams> params = CreateChainParams(Chain::REGTEST);
    int64_t clock = 1'700'000'000;
    NodeContext node;
    std::unique_ptr<ScripthashIndex> index;
    std::unique_ptr<ElectrumServer> server;
};

Env* MakeEnv()
{
    auto* env = new Env;
    std::string tmpl = (std::filesystem::temp_directory_path() / "sov-fuzz-electrum-XXXXXX").string();
    FUZZ_CHECK(::mkdtemp(tmpl.data()) != nullptr);
    env->dir = tmpl;
    static std::filesystem::path cleanup = env->dir;
    std::atexit([] {
        std::error_code ec;
        std::filesystem::remove_all(cleanup, ec);
    });
    std::string error;
    LogOpen(env->dir / "debug.log", false, &error);  // quiet: the chain's log goes to the temp dir
    NodeContext& node = env->node;
    node.params = env->params.get();
    node.data_dir = env->dir;
    node.mock_time = env->clock;
    node.notifications = std::make_unique<NodeNotifications>(node);
    ChainstateOptions opts;
    opts.data_dir = env->dir;
    opts.params = env->params.get();
    opts.memory_only = true;
    opts.now = [env] { return env->clock; };
    opts.notifications = node.notifications.get();
    node.chainman = ChainstateManager::Load(opts, &error);
    FUZZ_CHECK(node.chainman);
    node.mempool = std::make_unique<TxMemPool>(MempoolOptions{});
    node.mempool_context = std::make_unique<ChainMempoolContext>(*node.chainman, [env] { return env->clock; });

    // Coinbases to P2WSH(OP_TRUE); after maturity one of them is spent in the mempool.
    const Script w = Script() << OP_TRUE;
    const uint256 wh = Sha256Hash(std::span<const uint8_t>(w.data(), w.size()));
    const Script spk = Script() << OP_0 << std::vector<uint8_t>(wh.begin(), wh.end());
    std::vector<TransactionRef> coinbases;
    for (int i = 0; i < 101; ++i) {
        env->clock += 600;
        node.mock_time = env->clock;
        auto t = CreateNewBlock(*node.chainman, spk, {}, &error);
        FUZZ_CHECK(t);
        FUZZ_CHECK(GrindNonce(t->block, env->params->consensus));
        bool new_block = false;
        BlockValidationState state;
        FUZZ_CHECK(node.chainman->ProcessNewBlock(std::make_shared<const Block>(t->block), true, true, &new_block, &state));
        coinbases.push_back(t->block.vtx[0]);
    }
    MutableTransaction spend;
    TxIn in;
    in.prevout = OutPoint(coinbases[0]->GetHash(), 0);
    in.witness.stack.push_back(std::vector<uint8_t>(w.data(), w.data() + w.size()));
    spend.vin.push_back(in);
    spend.vout.emplace_back(coinbases[0]->vout[0].value - 10'000, spk);
    FUZZ_CHECK(node.ProcessTransaction(MakeTransactionRef(std::move(spend)), false).result_type ==
               MempoolAcceptResult::ResultType::VALID);

    BaseIndex::Options iopts;
    iopts.path = env->dir / "electrum";
    iopts.memory_only = true;
    env->index = std::make_unique<ScripthashIndex>(node, iopts);
    FUZZ_CHECK(env->index->Init(&error));
    env->index->Start();
    FUZZ_CHECK(env->index->BlockUntilSynced(std::chrono::seconds(120)));
    ElectrumOptions eopts;
    eopts.max_subscriptions = 50;
    eopts.max_history = 1000;
    env->server = std::make_unique<ElectrumServer>(node, *env->index, eopts);  // not started: no sockets
    return env;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static Env* env = MakeEnv();
    if (size < 1 || size > 100'000) return 0;
    // First byte: after how many requests the rate limit refuses (255: never); the rest is one message.
    const unsigned budget = data[0];
    const std::string_view message(reinterpret_cast<const char*>(data) + 1, size - 1);
    ElectrumSessionState session;
    unsigned asked = 0;
    bool close = false;
    const std::string answer = env->server->HandleMessage(session, message, [&] { return budget == 255 || asked++ < budget; },
                                                          close);
    // Every answer is one well-formed JSON value (an object, or the array of a batch).
    if (!answer.empty()) {
        const auto parsed = JsonValue::Parse(answer);
        FUZZ_CHECK(parsed.has_value());
        FUZZ_CHECK(parsed->IsObject() || parsed->IsArray());
    }
    if (close) FUZZ_CHECK(answer.find("excessive resource usage") != std::string::npos);
    // A message that is not JSON always gets the parse error.
    if (!JsonValue::Parse(message)) FUZZ_CHECK(answer.find("-32700") != std::string::npos);
    FUZZ_CHECK(session.subs.size() <= 50);
    env->server->EndSession(session);
    return 0;
}
