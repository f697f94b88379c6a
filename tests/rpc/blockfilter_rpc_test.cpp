// getblockfilter through RpcTable::Execute: results equal the index's filters and headers, and every error of
// Core's (disabled index, unknown type, unknown block, header-only block, index still catching up).
#include "index/blockfilterindex.h"
#include "node/miner.h"
#include "rpc/node_rpc.h"
#include "rpc/protocol.h"
#include "util/hex.h"

#include <gtest/gtest.h>

#include <unistd.h>

namespace fs = std::filesystem;

namespace {
struct FilterNode {
    std::unique_ptr<const ChainParams> params = CreateChainParams(Chain::REGTEST);
    fs::path dir = fs::temp_directory_path() / ("sov_rpc_blockfilter_" + std::to_string(::getpid()));
    int64_t clock = 1'700'000'000;
    NodeContext node;
    RpcTable table;
    Script spk = Script() << OP_TRUE;

    FilterNode()
    {
        fs::remove_all(dir);
        node.params = params.get();
        node.data_dir = dir;
        node.notifications = std::make_unique<NodeNotifications>(node);
        ChainstateOptions opts;
        opts.data_dir = dir;
        opts.params = params.get();
        opts.now = [this] { return clock; };
        opts.notifications = node.notifications.get();
        std::string error;
        node.chainman = ChainstateManager::Load(opts, &error);
        EXPECT_TRUE(node.chainman) << error;
        RegisterBlockchainRpcCommands(table, node);
    }
    ~FilterNode()
    {
        node.indexes.clear();
        node.chainman.reset();
        fs::remove_all(dir);
    }
    JsonValue Call(const std::vector<JsonValue>& args)
    {
        JsonRpcRequest req;
        req.method = "getblockfilter";
        req.params = JsonValue::Array();
        for (const JsonValue& a : args) req.params.PushBack(a);
        return table.Execute(req);
    }
    int ErrorOf(const std::vector<JsonValue>& args, std::string* message)
    {
        try {
            Call(args);
        } catch (const RpcError& e) {
            *message = e.what();
            return e.Code();
        }
        return 0;
    }
    Block Build()
    {
        clock += 600;
        std::string error;
        auto tmpl = CreateNewBlock(*node.chainman, spk, {}, &error);
        EXPECT_TRUE(tmpl) << error;
        EXPECT_TRUE(GrindNonce(tmpl->block, params->consensus));
        return tmpl->block;
    }
    void Mine(int n)
    {
        for (int i = 0; i < n; ++i) {
            bool new_block = false;
            BlockValidationState state;
            EXPECT_TRUE(node.chainman->ProcessNewBlock(std::make_shared<const Block>(Build()), true, true, &new_block,
                                                       &state));
        }
    }
    std::string TipHash() { return node.chainman->Tip()->GetBlockHash().GetHex(); }
};
}  // namespace

TEST(BlockFilterRpcTest, ResultsAndErrors)
{
    FilterNode t;
    t.Mine(5);
    std::string msg;
    EXPECT_EQ(t.ErrorOf({JsonValue(t.TipHash())}, &msg), RPC_MISC_ERROR);
    EXPECT_EQ(msg, "Index is not enabled for filtertype basic");
    EXPECT_EQ(t.ErrorOf({JsonValue(t.TipHash()), JsonValue("extended")}, &msg), RPC_INVALID_ADDRESS_OR_KEY);
    EXPECT_EQ(msg, "Unknown filtertype");

    BlockFilterIndex index(t.node, BlockFilterType::BASIC,
                           BlockFilterIndexOptions(t.node, BlockFilterType::BASIC, 1 << 20, false));
    std::string error;
    ASSERT_TRUE(index.Init(&error)) << error;
    t.node.indexes.push_back(&index);

    // Not started yet: the index has not caught up.
    EXPECT_EQ(t.ErrorOf({JsonValue(t.TipHash())}, &msg), RPC_MISC_ERROR);
    EXPECT_EQ(msg, "Filter not found. Block filters are still in the process of being indexed.");

    index.Start();
    ASSERT_TRUE(index.BlockUntilSynced(std::chrono::seconds(30)));
    t.Mine(2);
    for (int h = 0; h <= t.node.chainman->Chain().Height(); ++h) {
        const BlockIndex* b = t.node.chainman->Chain()[h];
        BlockFilter filter;
        uint256 header;
        ASSERT_TRUE(index.LookupFilter(b, filter));
        ASSERT_TRUE(index.LookupFilterHeader(b, header));
        const JsonValue r = h % 2 ? t.Call({JsonValue(b->GetBlockHash().GetHex())})
                                  : t.Call({JsonValue(b->GetBlockHash().GetHex()), JsonValue("basic")});
        ASSERT_EQ(r.keys(), (std::vector<std::string>{"filter", "header"}));
        EXPECT_EQ(r["filter"].GetValStr(), HexStr(filter.GetEncodedFilter()));
        EXPECT_EQ(r["header"].GetValStr(), header.GetHex());
    }

    EXPECT_EQ(t.ErrorOf({JsonValue(std::string(64, 'a'))}, &msg), RPC_INVALID_ADDRESS_OR_KEY);
    EXPECT_EQ(msg, "Block not found");
    EXPECT_EQ(t.ErrorOf({JsonValue("nothex")}, &msg), RPC_INVALID_PARAMETER);

    // A block known only by its header was never connected.
    const Block next = t.Build();
    BlockValidationState state;
    ASSERT_TRUE(t.node.chainman->ProcessNewBlockHeaders(std::span<const BlockHeader>(&next.header, 1), true, state));
    EXPECT_EQ(t.ErrorOf({JsonValue(next.GetHash().GetHex())}, &msg), RPC_INVALID_ADDRESS_OR_KEY);
    EXPECT_EQ(msg, "Filter not found. Block was not connected to active chain.");

    index.Stop();
}
