// Block assembly for mining and tests.
#include "node/miner.h"

#include "chain/pow.h"
#include "consensus/block_check.h"
#include "consensus/merkle.h"
#include "consensus/tx_verify.h"
#include "script/interpreter.h"

std::optional<BlockTemplate> CreateNewBlock(ChainstateManager& chainman, const Script& coinbase_script,
                                            const std::vector<TransactionRef>& txs, std::string* error,
                                            std::optional<int64_t> time)
{
    std::lock_guard lock(chainman.Mutex());
    BlockIndex* prev = chainman.Tip();
    const ConsensusParams& params = chainman.Params().consensus;
    BlockTemplate tmpl;
    tmpl.height = prev->height + 1;
    Block& block = tmpl.block;
    block.header.version = VERSIONBITS_TOP_BITS;
    block.header.prev_block = prev->GetBlockHash();
    block.header.time = static_cast<uint32_t>(time.value_or(std::max(prev->GetMedianTimePast() + 1, chainman.Now())));
    block.header.bits = GetNextWorkRequired(prev, block.header, params);

    // Fees come from a scratch view that also sees outputs created earlier in the block.
    CoinsViewCache view(&chainman.CoinsTip());
    Amount fees = 0;
    const uint32_t flags = SCRIPT_VERIFY_P2SH | SCRIPT_VERIFY_WITNESS;
    std::vector<Amount> tx_fees;
    std::vector<int64_t> sigops;
    for (const TransactionRef& tx : txs) {
        std::vector<Coin> spent;
        for (const TxIn& in : tx->vin) spent.push_back(view.AccessCoin(in.prevout));
        TxValidationState state;
        Amount fee = 0;
        if (!CheckTxInputs(*tx, state, spent, tmpl.height, fee)) {
            if (error) *error = "transaction " + tx->GetHash().GetHex() + " cannot be included: " + state.ToString();
            return std::nullopt;
        }
        for (const TxIn& in : tx->vin) view.SpendCoin(in.prevout);
        AddCoins(view, *tx, tmpl.height);
        fees += fee;
        tx_fees.push_back(fee);
        sigops.push_back(GetTransactionSigOpCost(*tx, spent, flags));
    }

    MutableTransaction coinbase;
    coinbase.vin.resize(1);
    coinbase.vin[0].sequence = TxIn::MAX_SEQUENCE_NONFINAL;  // so the lock time below is enforced
    coinbase.vin[0].script_sig.PushInt(tmpl.height);
    if (tmpl.height <= 16) coinbase.vin[0].script_sig << OP_0;  // bad-cb-length needs two bytes at least
    coinbase.lock_time = static_cast<uint32_t>(tmpl.height - 1);
    tmpl.coinbase_value = fees + GetBlockSubsidy(tmpl.height, params);
    coinbase.vout.emplace_back(tmpl.coinbase_value, coinbase_script);
    block.vtx.push_back(MakeTransactionRef(std::move(coinbase)));
    block.vtx.insert(block.vtx.end(), txs.begin(), txs.end());
    if (tmpl.height >= params.segwit_height) GenerateCoinbaseCommitment(block);
    UpdateMerkleRoot(block);

    tmpl.tx_fees.push_back(-fees);
    tmpl.tx_fees.insert(tmpl.tx_fees.end(), tx_fees.begin(), tx_fees.end());
    tmpl.tx_sigop_costs.push_back(0);
    tmpl.tx_sigop_costs.insert(tmpl.tx_sigop_costs.end(), sigops.begin(), sigops.end());
    return tmpl;
}

void GenerateCoinbaseCommitment(Block& block)
{
    if (GetWitnessCommitmentIndex(block) != NO_WITNESS_COMMITMENT) return;
    MutableTransaction cb(*block.vtx[0]);
    cb.vin[0].witness.stack.assign(1, std::vector<uint8_t>(32, 0));
    block.vtx[0] = MakeTransactionRef(cb);
    // The commitment hashes the witness root (coinbase wtxid counted as zero) with the reserved value.
    const uint256 commitment = ComputeWitnessCommitment(block, cb.vin[0].witness.stack[0]);
    cb.vout.emplace_back(0, WitnessCommitmentScript(commitment));
    block.vtx[0] = MakeTransactionRef(std::move(cb));
}

void RegenerateCommitments(Block& block)
{
    const int index = GetWitnessCommitmentIndex(block);
    if (index != NO_WITNESS_COMMITMENT) {
        MutableTransaction cb(*block.vtx[0]);
        cb.vout.erase(cb.vout.begin() + index);
        block.vtx[0] = MakeTransactionRef(std::move(cb));
        GenerateCoinbaseCommitment(block);
    }
    UpdateMerkleRoot(block);
}

void UpdateMerkleRoot(Block& block) { block.header.merkle_root = BlockMerkleRoot(block, nullptr); }

bool GrindNonce(Block& block, const ConsensusParams& params, uint64_t max_tries)
{
    for (uint64_t i = 0; i < max_tries; ++i) {
        if (CheckProofOfWork(block.GetHash(), block.header.bits, params.pow_limit)) return true;
        if (++block.header.nonce == 0) ++block.header.time;
    }
    return false;
}

std::vector<TransactionRef> SelectBlockTransactions(const TxMemPool& pool, const BlockAssemblerOptions& options)
{
    std::vector<TransactionRef> selected;
    std::set<uint256> included;
    int64_t weight = options.block_reserved_weight;
    int64_t sigops = options.coinbase_output_max_additional_sigops;
    for (const uint256& txid : pool.BlockTemplateOrder(options.block_min_fee_rate)) {
        const MempoolEntry* e = pool.GetEntry(txid);
        if (!e) continue;
        bool parents_in = true;
        for (const uint256& p : e->parents) parents_in = parents_in && included.count(p);
        // Core refuses a chunk that would reach the limits (>=), keeping the block strictly below them.
        if (!parents_in || weight + e->weight >= options.block_max_weight ||
            sigops + e->sigop_cost >= MAX_BLOCK_SIGOPS_COST) {
            continue;
        }
        weight += e->weight;
        sigops += e->sigop_cost;
        included.insert(txid);
        selected.push_back(e->tx);
    }
    return selected;
}

std::optional<BlockTemplate> CreateNewBlockFromMempool(ChainstateManager& chainman, const TxMemPool* pool,
                                                       const Script& coinbase_script, std::string* error,
                                                       const BlockAssemblerOptions& options,
                                                       std::optional<int64_t> time)
{
    std::lock_guard chain_lock(chainman.Mutex());
    std::vector<TransactionRef> txs;
    if (pool) {
        std::lock_guard lock(pool->m_mutex);
        txs = SelectBlockTransactions(*pool, options);
    }
    return CreateNewBlock(chainman, coinbase_script, txs, error, time);
}
