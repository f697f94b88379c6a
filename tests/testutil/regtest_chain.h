// A fixture with a real regtest chainstate in a temporary directory, wired into a NodeContext (notifications, and a
// mempool on request), and a Mine helper. Shared by the index, wallet and reserve tests.
#pragma once

#include "node/context.h"
#include "node/miner.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>

class RegtestChainTest : public ::testing::Test
{
protected:
    std::unique_ptr<const ChainParams> params = CreateChainParams(Chain::REGTEST);
    std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                ("sov_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
                                 "_" + std::to_string(::getpid()));
    int64_t clock = 1'700'000'000;
    NodeContext node;

    /** Tests that need a mempool (wallets) set this before SetUp runs, in their constructor. */
    bool with_mempool{false};

    void SetUp() override
    {
        std::filesystem::remove_all(dir);
        LoadChain();
    }
    void TearDown() override
    {
        node.mempool_context.reset();
        node.chainman.reset();
        std::filesystem::remove_all(dir);
    }
    /** (Re)opens the chainstate on dir, keeping what is on disk. */
    void LoadChain()
    {
        node.params = params.get();
        node.data_dir = dir;
        node.mock_time = clock;
        node.notifications = std::make_unique<NodeNotifications>(node);
        ChainstateOptions opts;
        opts.data_dir = dir;
        opts.params = params.get();
        opts.now = [this] { return clock; };
        opts.notifications = node.notifications.get();
        std::string error;
        node.chainman = ChainstateManager::Load(opts, &error);
        ASSERT_TRUE(node.chainman) << error;
        if (with_mempool) {
            node.mempool = std::make_unique<TxMemPool>(MempoolOptions{});
            node.mempool_context = std::make_unique<ChainMempoolContext>(*node.chainman, [this] { return clock; });
        }
    }
    /** Mines one block paying to script with txs (or, with a mempool and no txs given, the mempool's), ten
     *  minutes after the previous one; returns it. */
    Block MineBlock(const Script& script, const std::vector<TransactionRef>& txs = {})
    {
        clock += 600;
        node.mock_time = clock;
        std::string error;
        auto tmpl = txs.empty() && node.mempool ? CreateNewBlockFromMempool(*node.chainman, node.mempool.get(), script, &error)
                                                : CreateNewBlock(*node.chainman, script, txs, &error);
        EXPECT_TRUE(tmpl) << error;
        if (!tmpl) return Block();
        EXPECT_TRUE(GrindNonce(tmpl->block, params->consensus));
        bool new_block = false;
        BlockValidationState state;
        EXPECT_TRUE(node.chainman->ProcessNewBlock(std::make_shared<const Block>(tmpl->block), true, true, &new_block,
                                                   &state))
            << state.ToString();
        return tmpl->block;
    }
    /** Marks the active block at height invalid (a reorg when a longer branch follows). */
    void InvalidateAt(int height)
    {
        std::lock_guard lock(node.chainman->Mutex());
        BlockValidationState state;
        ASSERT_TRUE(node.chainman->InvalidateBlock(state, node.chainman->Chain()[height]));
    }
};
