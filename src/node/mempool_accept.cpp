// Mempool acceptance of single transactions, in the order and with the reject reasons of Core's MemPoolAccept.
#include "node/mempool_accept.h"

#include "consensus/tx_check.h"
#include "consensus/tx_verify.h"
#include "policy/truc_policy.h"
#include "script/script_error.h"

#include <ctime>

int64_t MempoolChainContext::Now() const { return static_cast<int64_t>(std::time(nullptr)); }

namespace {

/** Everything the steps of one acceptance share (Core's Workspace). */
struct Workspace {
    TransactionRef ptx;
    TxValidationState state;
    std::vector<Coin> spent;
    std::set<uint256> conflicts;        // directly conflicting txids
    std::set<uint256> all_conflicts;    // with their descendants
    std::set<uint256> parents;          // in-mempool parents
    size_t package_parents{0};          // parents earlier in the package
    Amount base_fees{0};
    Amount modified_fees{0};
    int64_t vsize{0};
    int64_t sigop_cost{0};
    bool spends_coinbase{false};
    bool sibling_eviction{false};
    LockPoints lock_points;
    Amount conflicting_fees{0};
    int64_t conflicting_size{0};
};

/** BIP68 lock of tx for the next block; coins of mempool transactions count as confirmed in it. */
std::optional<LockPoints> CalculateLockPointsAtTip(MempoolChainContext& ctx, const Transaction& tx,
                                                   const std::vector<Coin>& spent)
{
    const int next_height = ctx.TipHeight() + 1;
    std::vector<int> prev_heights(tx.vin.size());
    for (size_t i = 0; i < tx.vin.size(); ++i) {
        if (spent[i].IsSpent()) return std::nullopt;
        prev_heights[i] = spent[i].height == MEMPOOL_HEIGHT ? next_height : static_cast<int>(spent[i].height);
    }
    const auto lock = CalculateSequenceLocks(tx, STANDARD_LOCKTIME_VERIFY_FLAGS, prev_heights,
                                             [&](int h) { return ctx.MedianTimePastAt(h); });
    int max_input_height = 0;
    for (int h : prev_heights) {
        if (h != next_height) max_input_height = std::max(max_input_height, h);
    }
    return LockPoints{lock.first, lock.second, max_input_height};
}

bool CheckSequenceLocksAtTip(MempoolChainContext& ctx, const LockPoints& lp)
{
    return EvaluateSequenceLocks(ctx.TipHeight() + 1, ctx.TipMedianTimePast(), {lp.height, lp.time});
}

std::vector<Coin> SpentCoins(const CoinsView& view, const Transaction& tx)
{
    std::vector<Coin> spent;
    spent.reserve(tx.vin.size());
    for (const TxIn& in : tx.vin) spent.push_back(view.GetCoin(in.prevout).value_or(Coin()));
    return spent;
}

/** Verifies every input with flags (Core's CheckInputScripts without caches). */
bool CheckInputScripts(const Transaction& tx, TxValidationState& state, const std::vector<Coin>& spent,
                       uint32_t flags)
{
    if (tx.IsCoinBase()) return true;
    std::vector<TxOut> outs;
    outs.reserve(spent.size());
    for (const Coin& c : spent) outs.push_back(c.out);
    PrecomputedTransactionData txdata;
    txdata.Init(tx, std::move(outs));
    for (unsigned int i = 0; i < tx.vin.size(); ++i) {
        ScriptError error = SCRIPT_ERR_UNKNOWN_ERROR;
        TransactionSignatureChecker checker(&tx, i, spent[i].out.value, txdata, MissingDataBehavior::ASSERT_FAIL);
        if (!VerifyScript(tx.vin[i].script_sig, spent[i].out.script_pubkey, &tx.vin[i].witness, flags, checker,
                          &error)) {
            const std::string debug = "input " + std::to_string(i) + " of " + tx.GetHash().GetHex() + " (wtxid " +
                                      tx.GetWitnessHash().GetHex() + "), spending " +
                                      tx.vin[i].prevout.hash.GetHex() + ":" + std::to_string(tx.vin[i].prevout.n);
            if (flags & STANDARD_NOT_MANDATORY_VERIFY_FLAGS) {
                return state.Invalid(TxValidationResult::TX_NOT_STANDARD,
                                     "mempool-script-verify-flag-failed (" + ScriptErrorString(error) + ")", debug);
            }
            return state.Invalid(TxValidationResult::TX_CONSENSUS,
                                 "block-script-verify-flag-failed (" + ScriptErrorString(error) + ")", debug);
        }
    }
    return true;
}

std::string Ids(const Transaction& tx)
{
    return tx.GetHash().GetHex() + " (wtxid=" + tx.GetWitnessHash().GetHex() + ")";
}

/** Every transaction must spend all dust outputs of its parents in the package or the pool (ephemeral dust). */
bool CheckEphemeralSpends(const std::vector<TransactionRef>& package, const TxMemPool& pool, const FeeRate& dust_rate,
                          TxValidationState& child_state, uint256& child_wtxid)
{
    std::map<uint256, TransactionRef> by_txid;
    for (const auto& tx : package) by_txid[tx->GetHash()] = tx;
    for (const auto& tx : package) {
        std::set<uint256> processed;
        std::set<OutPoint> unspent_dust;
        for (const TxIn& in : tx->vin) {
            const uint256& parent_txid = in.prevout.hash;
            if (!processed.insert(parent_txid).second) continue;
            TransactionRef parent;
            if (auto it = by_txid.find(parent_txid); it != by_txid.end()) {
                parent = it->second;
            } else {
                parent = pool.Get(parent_txid);
            }
            if (!parent) continue;
            for (uint32_t n : GetDust(*parent, dust_rate)) unspent_dust.insert(OutPoint(parent_txid, n));
        }
        if (unspent_dust.empty()) continue;
        for (const TxIn& in : tx->vin) unspent_dust.erase(in.prevout);
        if (!unspent_dust.empty()) {
            child_wtxid = tx->GetWitnessHash();
            return child_state.Invalid(TxValidationResult::TX_MEMPOOL_POLICY, "missing-ephemeral-spends",
                                       "tx " + Ids(*tx) + " did not spend parent's ephemeral dust");
        }
    }
    return true;
}

class MemPoolAccept
{
public:
    MemPoolAccept(TxMemPool& pool, MempoolChainContext& ctx)
        : m_pool(pool), m_ctx(ctx), m_view(&ctx.TipCoins(), pool)
    {
    }

    MempoolAcceptResult AcceptSingle(const TransactionRef& ptx, int64_t accept_time, bool bypass_limits,
                                     bool test_accept);
    /** Validates txns together (Core's AcceptMultipleTransactions); with package_feerates the fee floor applies to
     *  the package as a whole. */
    PackageMempoolAcceptResult AcceptMultiple(const std::vector<TransactionRef>& txns, int64_t accept_time,
                                              bool test_accept, bool package_feerates);
    /** Package submission: no trimming after each transaction (the caller trims once). */
    bool m_package_submission{false};
    void LimitSize()
    {
        const int64_t now = m_ctx.Now();
        m_pool.Expire(now - m_pool.Options().expiry_seconds);
        std::vector<OutPoint> no_spends;
        m_pool.TrimToSize(m_pool.Options().max_size_bytes, now, &no_spends);
        for (const OutPoint& o : no_spends) m_ctx.Uncache(o);
    }

private:
    void AddEntry(const Workspace& ws, int64_t accept_time, bool bypass_limits)
    {
        MempoolEntry entry;
        entry.tx = ws.ptx;
        entry.fee = ws.base_fees;
        entry.vsize = ws.vsize;
        entry.weight = GetTransactionWeight(*ws.ptx);
        entry.time = accept_time;
        entry.entry_height = static_cast<unsigned int>(m_ctx.TipHeight());
        // Re-added block transactions sort before children already in the pool.
        entry.sequence = bypass_limits ? 0 : m_pool.GetSequence();
        entry.spends_coinbase = ws.spends_coinbase;
        entry.sigop_cost = ws.sigop_cost;
        entry.lock_points = ws.lock_points;
        m_pool.AddUnchecked(std::move(entry));
        if (m_pool.m_fee_estimator) {
            // Core tracks only transactions without mempool parents, not re-added from blocks or submitted in a
            // package, on a current chain.
            const bool valid = !bypass_limits && !m_package_submission && m_ctx.IsCurrentForFeeEstimation() &&
                               ws.parents.empty() && ws.package_parents == 0;
            m_pool.m_fee_estimator->ProcessTransaction({ws.ptx->GetHash(), ws.base_fees, ws.vsize,
                                                        static_cast<unsigned int>(m_ctx.TipHeight()), valid});
        }
    }
    std::vector<TrucParentInfo> TrucParents(const std::set<uint256>& parents) const;
    bool PackageRBFChecks(std::vector<Workspace>& workspaces, Amount total_fees, int64_t total_vsize,
                          PackageValidationState& package_state);
    bool m_package_feerates{false};
    bool PreChecks(Workspace& ws, int64_t accept_time, bool bypass_limits);
    bool ReplacementChecks(Workspace& ws);
    bool CheckFeeRate(int64_t size, Amount fee, TxValidationState& state)
    {
        const Amount mempool_reject_fee = m_pool.GetMinFee(m_ctx.Now()).GetFee(size);
        if (mempool_reject_fee > 0 && fee < mempool_reject_fee) {
            return state.Invalid(TxValidationResult::TX_RECONSIDERABLE, "mempool min fee not met",
                                 std::to_string(fee) + " < " + std::to_string(mempool_reject_fee));
        }
        const Amount min_relay = m_pool.Options().min_relay_feerate.GetFee(size);
        if (fee < min_relay) {
            return state.Invalid(TxValidationResult::TX_RECONSIDERABLE, "min relay fee not met",
                                 std::to_string(fee) + " < " + std::to_string(min_relay));
        }
        return true;
    }

    TxMemPool& m_pool;
    MempoolChainContext& m_ctx;
    CoinsViewMemPool m_view;
    std::vector<OutPoint> m_looked_up;
};

bool MemPoolAccept::PreChecks(Workspace& ws, int64_t accept_time, bool bypass_limits)
{
    (void)accept_time;
    const Transaction& tx = *ws.ptx;
    TxValidationState& state = ws.state;
    const MempoolOptions& opts = m_pool.Options();

    if (!CheckTransaction(tx, state)) return false;
    // A coinbase is only valid in a block.
    if (tx.IsCoinBase()) return state.Invalid(TxValidationResult::TX_CONSENSUS, "coinbase");

    std::string reason;
    if (opts.require_standard &&
        !IsStandardTx(tx, opts.max_datacarrier_bytes, opts.permit_bare_multisig, opts.dust_relay_feerate, reason)) {
        return state.Invalid(TxValidationResult::TX_NOT_STANDARD, reason);
    }
    // CVE-2017-12842: 64-byte transactions could pass as inner merkle nodes.
    if (tx.GetStrippedSize() < MIN_STANDARD_TX_NONWITNESS_SIZE) {
        return state.Invalid(TxValidationResult::TX_NOT_STANDARD, "tx-size-small");
    }
    // Only transactions minable in the next block (BIP113: against the tip's median time past).
    if (!IsFinalTx(tx, m_ctx.TipHeight() + 1, m_ctx.TipMedianTimePast())) {
        return state.Invalid(TxValidationResult::TX_PREMATURE_SPEND, "non-final");
    }
    if (m_pool.ExistsWtxid(tx.GetWitnessHash())) {
        return state.Invalid(TxValidationResult::TX_CONFLICT, "txn-already-in-mempool");
    }
    if (m_pool.Exists(tx.GetHash())) {
        return state.Invalid(TxValidationResult::TX_CONFLICT, "txn-same-nonwitness-data-in-mempool");
    }
    // Conflicts with pool transactions are replacement candidates (full RBF).
    for (const TxIn& in : tx.vin) {
        if (const Transaction* c = m_pool.GetConflictTx(in.prevout)) ws.conflicts.insert(c->GetHash());
    }

    CoinsView& tip = m_ctx.TipCoins();
    ws.spent.reserve(tx.vin.size());
    for (const TxIn& in : tx.vin) {
        if (!m_ctx.HaveCoinInCache(in.prevout)) m_looked_up.push_back(in.prevout);
        std::optional<Coin> coin = m_view.GetCoin(in.prevout);
        if (!coin) {
            // Missing because we already have this transaction confirmed?
            for (uint32_t n = 0; n < tx.vout.size(); ++n) {
                if (tip.HaveCoin(OutPoint(tx.GetHash(), n))) {
                    return state.Invalid(TxValidationResult::TX_CONFLICT, "txn-already-known");
                }
            }
            // Otherwise maybe an orphan whose parents we have not seen.
            return state.Invalid(TxValidationResult::TX_MISSING_INPUTS, "bad-txns-inputs-missingorspent");
        }
        ws.spent.push_back(std::move(*coin));
    }

    // BIP68: only transactions whose relative locks allow the next block.
    const std::optional<LockPoints> lp = CalculateLockPointsAtTip(m_ctx, tx, ws.spent);
    if (!lp || !CheckSequenceLocksAtTip(m_ctx, *lp)) {
        return state.Invalid(TxValidationResult::TX_PREMATURE_SPEND, "non-BIP68-final");
    }
    ws.lock_points = *lp;

    if (!CheckTxInputs(tx, state, ws.spent, m_ctx.TipHeight() + 1, ws.base_fees)) return false;

    if (opts.require_standard) {
        TxValidationState in_state = ValidateInputsStandardness(tx, ws.spent);
        if (in_state.IsInvalid()) {
            state = in_state;
            return false;
        }
    }
    if (tx.HasWitness() && opts.require_standard && !IsWitnessStandard(tx, ws.spent)) {
        return state.Invalid(TxValidationResult::TX_WITNESS_MUTATED, "bad-witness-nonstandard");
    }

    ws.sigop_cost = GetTransactionSigOpCost(tx, ws.spent, STANDARD_SCRIPT_VERIFY_FLAGS);
    for (const Coin& c : ws.spent) {
        if (c.coinbase) {
            ws.spends_coinbase = true;
            break;
        }
    }
    ws.modified_fees = ws.base_fees + m_pool.GetFeeDelta(tx.GetHash());
    ws.vsize = GetVirtualTransactionSize(GetTransactionWeight(tx), ws.sigop_cost, opts.bytes_per_sigop);

    // Ephemeral dust: a transaction with a dust output pays no fee, so it is never mined alone.
    if (opts.require_standard && (ws.base_fees != 0 || ws.modified_fees != 0) &&
        !GetDust(tx, opts.dust_relay_feerate).empty()) {
        return state.Invalid(TxValidationResult::TX_NOT_STANDARD, "dust", "tx with dust output must be 0-fee");
    }

    if (ws.sigop_cost > MAX_STANDARD_TX_SIGOPS_COST) {
        return state.Invalid(TxValidationResult::TX_NOT_STANDARD, "bad-txns-too-many-sigops",
                             std::to_string(ws.sigop_cost));
    }

    // In a package the fee floor applies to the package feerate instead.
    if (!bypass_limits && !m_package_feerates && !CheckFeeRate(ws.vsize, ws.modified_fees, state)) return false;

    for (const TxIn& in : tx.vin) {
        if (m_pool.Exists(in.prevout.hash)) ws.parents.insert(in.prevout.hash);
    }

    if (!bypass_limits) {
        const std::vector<TrucParentInfo> infos = TrucParents(ws.parents);
        if (auto err = SingleTRUCChecks(tx, infos, ws.conflicts, ws.vsize)) {
            if (err->second) {
                // Sibling eviction: the existing child becomes a replacement candidate.
                ws.conflicts.insert(*err->second);
                ws.sibling_eviction = true;
            } else {
                return state.Invalid(TxValidationResult::TX_MEMPOOL_POLICY, "TRUC-violation", err->first);
            }
        }
    }
    return true;
}

std::vector<TrucParentInfo> MemPoolAccept::TrucParents(const std::set<uint256>& parents) const
{
    std::vector<TrucParentInfo> infos;
    for (const uint256& p : parents) {
        const MempoolEntry* e = m_pool.GetEntry(p);
        TrucParentInfo info;
        info.txid = p;
        info.wtxid = e->tx->GetWitnessHash();
        info.version = e->tx->version;
        info.ancestor_count = m_pool.GetAncestorCount(p);
        std::set<uint256> desc;
        m_pool.CalculateDescendants(p, desc);
        info.descendant_count = desc.size();
        desc.erase(p);
        info.descendant_txids.assign(desc.begin(), desc.end());
        if (!desc.empty()) info.first_descendant_ancestor_count = m_pool.GetAncestorCount(*desc.begin());
        infos.push_back(std::move(info));
    }
    return infos;
}

bool MemPoolAccept::ReplacementChecks(Workspace& ws)
{
    const Transaction& tx = *ws.ptx;
    TxValidationState& state = ws.state;
    const std::string sibling = ws.sibling_eviction ? " (including sibling eviction)" : "";

    // Rule 5: bounded number of clusters touched.
    const size_t clusters = m_pool.GetUniqueClusterCount(ws.conflicts);
    if (clusters > MAX_REPLACEMENT_CANDIDATES) {
        return state.Invalid(TxValidationResult::TX_MEMPOOL_POLICY, "too many potential replacements" + sibling,
                             "rejecting replacement " + tx.GetHash().GetHex() + "; too many conflicting clusters (" +
                                 std::to_string(clusters) + " > " + std::to_string(MAX_REPLACEMENT_CANDIDATES) + ")");
    }
    for (const uint256& c : ws.conflicts) m_pool.CalculateDescendants(c, ws.all_conflicts);
    for (const uint256& c : ws.all_conflicts) {
        const MempoolEntry* e = m_pool.GetEntry(c);
        ws.conflicting_fees += e->ModifiedFee();
        ws.conflicting_size += e->vsize;
    }
    // Rules 3 and 4.
    if (auto err = PaysForRBF(ws.conflicting_fees, ws.modified_fees, ws.vsize,
                              m_pool.Options().incremental_relay_feerate, tx.GetHash())) {
        return state.Invalid(TxValidationResult::TX_RECONSIDERABLE, "insufficient fee" + sibling, *err);
    }
    if (!m_pool.CheckClusterLimits(ws.parents, ws.vsize, ws.all_conflicts)) {
        return state.Invalid(TxValidationResult::TX_MEMPOOL_POLICY, "too-large-cluster", "");
    }
    // The replacement must improve the feerate diagram of the clusters it touches.
    std::set<uint256> seeds = ws.all_conflicts;
    seeds.insert(ws.parents.begin(), ws.parents.end());
    const auto old_chunks = m_pool.ClusterChunks(seeds, {}, std::nullopt);
    const auto new_chunks = m_pool.ClusterChunks(
        seeds, ws.all_conflicts, std::make_pair(FeeSize{ws.modified_fees, ws.vsize}, ws.parents));
    if (!std::is_gt(CompareChunks(new_chunks, old_chunks))) {
        return state.Invalid(TxValidationResult::TX_RECONSIDERABLE, "replacement-failed",
                             "insufficient feerate: does not improve feerate diagram");
    }
    return true;
}

MempoolAcceptResult MemPoolAccept::AcceptSingle(const TransactionRef& ptx, int64_t accept_time, bool bypass_limits,
                                                bool test_accept)
{
    Workspace ws;
    ws.ptx = ptx;
    const Transaction& tx = *ptx;
    MempoolAcceptResult result;
    auto fee_failure = [&]() {
        result.state = ws.state;
        if (ws.state.GetResult() == TxValidationResult::TX_RECONSIDERABLE) {
            result.effective_feerate = FeeRate(ws.modified_fees, ws.vsize);
            result.wtxids_fee_calculations = {tx.GetWitnessHash()};
        }
        for (const OutPoint& o : m_looked_up) m_ctx.Uncache(o);
        return result;
    };

    if (!PreChecks(ws, accept_time, bypass_limits)) return fee_failure();
    if (!ws.conflicts.empty() && !ReplacementChecks(ws)) return fee_failure();
    if (ws.conflicts.empty() && !m_pool.CheckClusterLimits(ws.parents, ws.vsize, {})) {
        ws.state.Invalid(TxValidationResult::TX_MEMPOOL_POLICY, "too-large-cluster", "");
        return fee_failure();
    }
    if (!ws.conflicts.empty()) {
        // A transaction spending what it replaces would be inconsistent.
        const std::set<uint256> ancestors = m_pool.CalculateAncestors(tx);
        if (auto err = EntriesAndTxidsDisjoint(std::vector<uint256>(ancestors.begin(), ancestors.end()),
                                               ws.conflicts, tx.GetHash())) {
            ws.state.Invalid(TxValidationResult::TX_CONSENSUS, "bad-txns-spends-conflicting-tx", *err);
            return fee_failure();
        }
    }
    if (!bypass_limits && m_pool.Options().require_standard) {
        uint256 child_wtxid;
        if (!CheckEphemeralSpends({ptx}, m_pool, m_pool.Options().dust_relay_feerate, ws.state, child_wtxid)) {
            return fee_failure();
        }
    }

    // Scripts last: they are the expensive part.
    if (!CheckInputScripts(tx, ws.state, ws.spent, STANDARD_SCRIPT_VERIFY_FLAGS)) {
        // A missing witness gets its own result so relay code can cache the rejection by txid correctly.
        if (!tx.HasWitness() && SpendsNonAnchorWitnessProg(tx, ws.spent)) {
            ws.state.Invalid(TxValidationResult::TX_WITNESS_STRIPPED, ws.state.GetRejectReason(),
                             ws.state.GetDebugMessage());
        }
        return fee_failure();
    }
    if (!CheckInputScripts(tx, ws.state, ws.spent, m_ctx.BlockScriptFlags())) return fee_failure();

    result.vsize = ws.vsize;
    result.base_fees = ws.base_fees;
    result.effective_feerate = FeeRate(ws.modified_fees, ws.vsize);
    result.wtxids_fee_calculations = {tx.GetWitnessHash()};
    if (test_accept) {
        result.result_type = MempoolAcceptResult::ResultType::VALID;
        for (const uint256& c : ws.all_conflicts) result.replaced_transactions.push_back(m_pool.Get(c));
        return result;
    }

    // Finalize: remove what is replaced, then add.
    for (const uint256& c : ws.all_conflicts) result.replaced_transactions.push_back(m_pool.Get(c));
    m_pool.RemoveStaged(ws.all_conflicts, MemPoolRemovalReason::REPLACED);
    AddEntry(ws, accept_time, bypass_limits);

    if (!bypass_limits && !m_package_submission) {
        LimitSize();
        if (!m_pool.Exists(tx.GetHash())) {
            ws.state.Invalid(TxValidationResult::TX_RECONSIDERABLE, "mempool full");
            result.result_type = MempoolAcceptResult::ResultType::INVALID;
            result.state = ws.state;
            return result;
        }
    }
    result.result_type = MempoolAcceptResult::ResultType::VALID;
    return result;
}

bool MemPoolAccept::PackageRBFChecks(std::vector<Workspace>& workspaces, Amount total_fees, int64_t total_vsize,
                                     PackageValidationState& package_state)
{
    // Package RBF: only a parent and its child, with no unconfirmed ancestors in the pool.
    if (workspaces.size() != 2) {
        return package_state.Invalid(PackageValidationResult::PCKG_POLICY,
                                     "package RBF failed: package must be 1-parent-1-child");
    }
    for (const Workspace& ws : workspaces) {
        if (!ws.parents.empty()) {
            return package_state.Invalid(PackageValidationResult::PCKG_POLICY,
                                         "package RBF failed: new transaction cannot have mempool ancestors");
        }
    }
    std::set<uint256> direct;
    for (const Workspace& ws : workspaces) direct.insert(ws.conflicts.begin(), ws.conflicts.end());
    const Workspace& parent_ws = workspaces[0];
    Workspace& child_ws = workspaces[1];
    const size_t clusters = m_pool.GetUniqueClusterCount(direct);
    if (clusters > MAX_REPLACEMENT_CANDIDATES) {
        return package_state.Invalid(PackageValidationResult::PCKG_POLICY,
                                     "package RBF failed: too many potential replacements",
                                     "rejecting replacement " + child_ws.ptx->GetHash().GetHex() +
                                         "; too many conflicting clusters (" + std::to_string(clusters) + " > " +
                                         std::to_string(MAX_REPLACEMENT_CANDIDATES) + ")");
    }
    std::set<uint256> all;
    for (const uint256& c : direct) m_pool.CalculateDescendants(c, all);
    Amount conflicting_fees = 0;
    for (const uint256& c : all) conflicting_fees += m_pool.GetEntry(c)->ModifiedFee();
    if (auto err = PaysForRBF(conflicting_fees, total_fees, total_vsize, m_pool.Options().incremental_relay_feerate,
                              child_ws.ptx->GetHash())) {
        return package_state.Invalid(PackageValidationResult::PCKG_POLICY,
                                     "package RBF failed: insufficient anti-DoS fees", *err);
    }
    // The child must pay for the parent: the package is one chunk, not a parent riding on anti-DoS fees.
    const FeeRate parent_rate(parent_ws.modified_fees, parent_ws.vsize);
    const FeeRate package_rate(total_fees, total_vsize);
    if (package_rate <= parent_rate) {
        return package_state.Invalid(PackageValidationResult::PCKG_POLICY,
                                     "package RBF failed: package feerate is less than or equal to parent feerate",
                                     "package feerate " + package_rate.ToString() + " <= parent feerate is " +
                                         parent_rate.ToString());
    }
    if (!m_pool.CheckClusterLimits({}, total_vsize, all, 2)) {
        return package_state.Invalid(PackageValidationResult::PCKG_POLICY, "too-large-cluster", "");
    }
    const auto old_chunks = m_pool.ClusterChunks(all, {}, std::nullopt);
    const auto new_chunks =
        m_pool.ClusterChunks(all, all, std::make_pair(FeeSize{total_fees, total_vsize}, std::set<uint256>{}));
    if (!std::is_gt(CompareChunks(new_chunks, old_chunks))) {
        return package_state.Invalid(PackageValidationResult::PCKG_POLICY,
                                     "package RBF failed: insufficient feerate: does not improve feerate diagram", "");
    }
    for (Workspace& ws : workspaces) ws.all_conflicts.clear();
    child_ws.all_conflicts = all;  // removed once, when the package is finalized
    return true;
}

PackageMempoolAcceptResult MemPoolAccept::AcceptMultiple(const std::vector<TransactionRef>& txns, int64_t accept_time,
                                                         bool test_accept, bool package_feerates)
{
    PackageMempoolAcceptResult out;
    PackageValidationState& package_state = out.state;
    if (!IsWellFormedPackage(txns, package_state)) return out;
    m_package_feerates = package_feerates;

    std::vector<Workspace> workspaces(txns.size());
    std::set<uint256> package_txids;
    for (const auto& tx : txns) package_txids.insert(tx->GetHash());
    for (size_t i = 0; i < txns.size(); ++i) {
        Workspace& ws = workspaces[i];
        ws.ptx = txns[i];
        if (!PreChecks(ws, accept_time, false)) {
            package_state.Invalid(PackageValidationResult::PCKG_TX, "transaction failed");
            MempoolAcceptResult r;
            r.state = ws.state;
            out.tx_results.emplace(ws.ptx->GetWitnessHash(), r);
            return out;
        }
        for (const TxIn& in : ws.ptx->vin) ws.package_parents += package_txids.count(in.prevout.hash);
        // Later transactions may spend this one's outputs.
        m_view.PackageAddTransaction(ws.ptx);
    }
    for (Workspace& ws : workspaces) {
        if (auto err = PackageTRUCChecks(*ws.ptx, ws.vsize, txns, TrucParents(ws.parents))) {
            package_state.Invalid(PackageValidationResult::PCKG_POLICY, "TRUC-violation", *err);
            return out;
        }
    }
    Amount total_fees = 0;
    int64_t total_vsize = 0;
    std::vector<uint256> all_wtxids;
    bool rbf = false;
    std::set<uint256> mempool_parents;
    for (const Workspace& ws : workspaces) {
        total_fees += ws.modified_fees;
        total_vsize += ws.vsize;
        all_wtxids.push_back(ws.ptx->GetWitnessHash());
        rbf |= !ws.conflicts.empty();
        mempool_parents.insert(ws.parents.begin(), ws.parents.end());
    }
    const FeeRate package_rate(total_fees, total_vsize);
    TxValidationState fee_state;
    if (package_feerates && !CheckFeeRate(total_vsize, total_fees, fee_state)) {
        package_state.Invalid(PackageValidationResult::PCKG_TX, "transaction failed");
        MempoolAcceptResult r;
        r.state = fee_state;
        r.effective_feerate = package_rate;
        r.wtxids_fee_calculations = all_wtxids;
        out.tx_results.emplace(workspaces.back().ptx->GetWitnessHash(), r);
        return out;
    }
    if (rbf && !PackageRBFChecks(workspaces, total_fees, total_vsize, package_state)) return out;
    std::set<uint256> removals;
    for (const Workspace& ws : workspaces) removals.insert(ws.all_conflicts.begin(), ws.all_conflicts.end());
    if (!m_pool.CheckClusterLimits(mempool_parents, total_vsize, removals, txns.size())) {
        package_state.Invalid(PackageValidationResult::PCKG_POLICY, "too-large-cluster", "");
        return out;
    }
    if (m_pool.Options().require_standard) {
        TxValidationState child_state;
        uint256 child_wtxid;
        if (!CheckEphemeralSpends(txns, m_pool, m_pool.Options().dust_relay_feerate, child_state, child_wtxid)) {
            package_state.Invalid(PackageValidationResult::PCKG_TX, "unspent-dust");
            MempoolAcceptResult r;
            r.state = child_state;
            out.tx_results.emplace(child_wtxid, r);
            return out;
        }
    }
    for (Workspace& ws : workspaces) {
        if (!CheckInputScripts(*ws.ptx, ws.state, ws.spent, STANDARD_SCRIPT_VERIFY_FLAGS)) {
            if (!ws.ptx->HasWitness() && SpendsNonAnchorWitnessProg(*ws.ptx, ws.spent)) {
                ws.state.Invalid(TxValidationResult::TX_WITNESS_STRIPPED, ws.state.GetRejectReason(),
                                 ws.state.GetDebugMessage());
            }
            package_state.Invalid(PackageValidationResult::PCKG_TX, "transaction failed");
            MempoolAcceptResult r;
            r.state = ws.state;
            out.tx_results.emplace(ws.ptx->GetWitnessHash(), r);
            return out;
        }
    }
    std::vector<TransactionRef> replaced;
    for (const uint256& c : removals) replaced.push_back(m_pool.Get(c));
    auto success = [&](const Workspace& ws) {
        MempoolAcceptResult r;
        r.result_type = MempoolAcceptResult::ResultType::VALID;
        r.vsize = ws.vsize;
        r.base_fees = ws.base_fees;
        r.effective_feerate = package_feerates ? package_rate : FeeRate(ws.modified_fees, ws.vsize);
        r.wtxids_fee_calculations =
            package_feerates ? all_wtxids : std::vector<uint256>{ws.ptx->GetWitnessHash()};
        r.replaced_transactions = replaced;
        return r;
    };
    if (test_accept) {
        for (const Workspace& ws : workspaces) out.tx_results.emplace(ws.ptx->GetWitnessHash(), success(ws));
        return out;
    }
    for (Workspace& ws : workspaces) {
        if (!CheckInputScripts(*ws.ptx, ws.state, ws.spent, m_ctx.BlockScriptFlags())) {
            package_state.Invalid(PackageValidationResult::PCKG_MEMPOOL_ERROR, "mempool-error");
            MempoolAcceptResult r;
            r.state = ws.state;
            out.tx_results.emplace(ws.ptx->GetWitnessHash(), r);
            return out;
        }
    }
    m_pool.RemoveStaged(removals, MemPoolRemovalReason::REPLACED);
    for (const Workspace& ws : workspaces) {
        AddEntry(ws, accept_time, false);
        out.tx_results.emplace(ws.ptx->GetWitnessHash(), success(ws));
    }
    return out;
}

}  // namespace

bool IsWellFormedPackage(const std::vector<TransactionRef>& txns, PackageValidationState& state)
{
    if (txns.size() > MAX_PACKAGE_COUNT) {
        return state.Invalid(PackageValidationResult::PCKG_POLICY, "package-too-many-transactions");
    }
    int64_t total_weight = 0;
    for (const auto& tx : txns) total_weight += GetTransactionWeight(*tx);
    if (txns.size() > 1 && total_weight > MAX_PACKAGE_WEIGHT) {
        return state.Invalid(PackageValidationResult::PCKG_POLICY, "package-too-large");
    }
    std::set<uint256> later;
    for (const auto& tx : txns) later.insert(tx->GetHash());
    if (later.size() != txns.size()) {
        return state.Invalid(PackageValidationResult::PCKG_POLICY, "package-contains-duplicates");
    }
    // Parents before children: no transaction spends one that comes after it.
    for (const auto& tx : txns) {
        for (const TxIn& in : tx->vin) {
            if (later.count(in.prevout.hash)) {
                return state.Invalid(PackageValidationResult::PCKG_POLICY, "package-not-sorted");
            }
        }
        later.erase(tx->GetHash());
    }
    std::set<OutPoint> spent;
    for (const auto& tx : txns) {
        if (tx->vin.empty()) return state.Invalid(PackageValidationResult::PCKG_POLICY, "conflict-in-package");
        for (const TxIn& in : tx->vin) {
            if (!spent.insert(in.prevout).second) {
                return state.Invalid(PackageValidationResult::PCKG_POLICY, "conflict-in-package");
            }
        }
    }
    return true;
}

bool IsChildWithParents(const std::vector<TransactionRef>& txns)
{
    if (txns.size() < 2) return false;
    std::set<uint256> inputs;
    for (const TxIn& in : txns.back()->vin) inputs.insert(in.prevout.hash);
    for (size_t i = 0; i + 1 < txns.size(); ++i) {
        if (!inputs.count(txns[i]->GetHash())) return false;
    }
    return true;
}

PackageMempoolAcceptResult AcceptPackage(TxMemPool& pool, MempoolChainContext& context,
                                         const std::vector<TransactionRef>& txns, int64_t accept_time,
                                         bool test_accept)
{
    std::lock_guard lock(pool.m_mutex);
    PackageMempoolAcceptResult early;
    if (txns.empty()) {
        early.state.Invalid(PackageValidationResult::PCKG_POLICY, "package-empty");
        return early;
    }
    if (test_accept) {
        // testmempoolaccept: every transaction on its own feerate, checked together.
        MemPoolAccept accept(pool, context);
        return accept.AcceptMultiple(txns, accept_time, true, false);
    }
    if (!IsWellFormedPackage(txns, early.state)) return early;
    if (txns.size() > 1 && !IsChildWithParents(txns)) {
        early.state.Invalid(PackageValidationResult::PCKG_POLICY, "package-not-child-with-parents");
        return early;
    }
    std::map<uint256, MempoolAcceptResult> final_results, nonfinal;
    std::vector<TransactionRef> package_eval;
    bool quit_early = false;
    for (const auto& tx : txns) {
        const uint256& wtxid = tx->GetWitnessHash();
        if (const MempoolEntry* e = pool.GetEntryByWtxid(wtxid)) {
            MempoolAcceptResult r;
            r.result_type = MempoolAcceptResult::ResultType::MEMPOOL_ENTRY;
            r.vsize = e->vsize;
            r.base_fees = e->fee;
            final_results.emplace(wtxid, r);
        } else if (const MempoolEntry* e2 = pool.GetEntry(tx->GetHash())) {
            MempoolAcceptResult r;
            r.result_type = MempoolAcceptResult::ResultType::DIFFERENT_WITNESS;
            r.other_wtxid = e2->tx->GetWitnessHash();
            final_results.emplace(wtxid, r);
        } else {
            MemPoolAccept single(pool, context);
            single.m_package_submission = true;
            MempoolAcceptResult r = single.AcceptSingle(tx, accept_time, false, false);
            if (r.IsValid()) {
                final_results.emplace(wtxid, r);
            } else if (txns.size() == 1 || (r.state.GetResult() != TxValidationResult::TX_RECONSIDERABLE &&
                                            r.state.GetResult() != TxValidationResult::TX_MISSING_INPUTS)) {
                quit_early = true;
                early.state.Invalid(PackageValidationResult::PCKG_TX, "transaction failed");
                nonfinal.emplace(wtxid, r);
            } else {
                nonfinal.emplace(wtxid, r);
                package_eval.push_back(tx);
            }
        }
    }
    PackageMempoolAcceptResult multi;
    if (quit_early || package_eval.empty()) {
        multi.state = early.state;
    } else {
        MemPoolAccept accept(pool, context);
        accept.m_package_submission = true;
        multi = accept.AcceptMultiple(package_eval, accept_time, false, true);
    }
    {
        MemPoolAccept trim(pool, context);
        trim.LimitSize();
    }
    PackageMempoolAcceptResult out;
    out.state = multi.state;
    auto mempool_full = [&]() {
        out.state.Invalid(PackageValidationResult::PCKG_TX, "transaction failed");
        MempoolAcceptResult r;
        r.state.Invalid(TxValidationResult::TX_MEMPOOL_POLICY, "mempool full");
        return r;
    };
    for (const auto& tx : txns) {
        const uint256& wtxid = tx->GetWitnessHash();
        if (auto it = multi.tx_results.find(wtxid); it != multi.tx_results.end()) {
            if (it->second.IsValid() && !pool.ExistsWtxid(wtxid)) {
                out.tx_results.emplace(wtxid, mempool_full());
            } else {
                out.tx_results.emplace(wtxid, it->second);
            }
        } else if (auto f = final_results.find(wtxid); f != final_results.end()) {
            if (!pool.Exists(tx->GetHash())) {
                out.tx_results.emplace(wtxid, mempool_full());
            } else {
                out.tx_results.emplace(wtxid, f->second);
            }
        } else if (auto n = nonfinal.find(wtxid); n != nonfinal.end()) {
            out.tx_results.emplace(wtxid, n->second);
        }
    }
    return out;
}

MempoolAcceptResult AcceptToMemoryPool(TxMemPool& pool, MempoolChainContext& context, const TransactionRef& tx,
                                       int64_t accept_time, bool bypass_limits, bool test_accept)
{
    std::lock_guard lock(pool.m_mutex);
    MemPoolAccept accept(pool, context);
    return accept.AcceptSingle(tx, accept_time, bypass_limits, test_accept);
}

void RemoveForReorg(TxMemPool& pool, MempoolChainContext& context)
{
    std::lock_guard lock(pool.m_mutex);
    CoinsViewMemPool view(&context.TipCoins(), pool);
    const int next_height = context.TipHeight() + 1;
    pool.RemoveForReorg([&](const MempoolEntry& e) {
        const Transaction& tx = *e.tx;
        if (!IsFinalTx(tx, next_height, context.TipMedianTimePast())) return true;
        const std::vector<Coin> spent = SpentCoins(view, tx);
        const auto lp = CalculateLockPointsAtTip(context, tx, spent);
        if (!lp || !CheckSequenceLocksAtTip(context, *lp)) return true;
        if (e.spends_coinbase) {
            for (size_t i = 0; i < tx.vin.size(); ++i) {
                if (pool.Exists(tx.vin[i].prevout.hash)) continue;
                if (spent[i].coinbase && next_height - static_cast<int>(spent[i].height) < COINBASE_MATURITY) {
                    return true;
                }
            }
        }
        return false;
    });
}

void UpdateMempoolForReorg(TxMemPool& pool, MempoolChainContext& context,
                           const std::vector<TransactionRef>& disconnected_txs, bool add_to_mempool)
{
    std::lock_guard lock(pool.m_mutex);
    for (const TransactionRef& tx : disconnected_txs) {
        if (!add_to_mempool || tx->IsCoinBase() ||
            !AcceptToMemoryPool(pool, context, tx, context.Now(), /*bypass_limits=*/true, /*test_accept=*/false)
                 .IsValid()) {
            pool.RemoveRecursive(*tx, MemPoolRemovalReason::REORG);
        }
    }
    RemoveForReorg(pool, context);
    const int64_t now = context.Now();
    pool.Expire(now - pool.Options().expiry_seconds);
    std::vector<OutPoint> no_spends;
    pool.TrimToSize(pool.Options().max_size_bytes, now, &no_spends);
    for (const OutPoint& o : no_spends) context.Uncache(o);
}

bool LoadMempool(TxMemPool& pool, MempoolChainContext& context, const std::filesystem::path& path,
                 MempoolLoadStats* stats)
{
    std::optional<MempoolDump> dump = ReadMempoolDat(path);
    if (!dump) return false;
    MempoolLoadStats s;
    const int64_t now = context.Now();
    std::lock_guard lock(pool.m_mutex);
    for (const auto& item : dump->txs) {
        if (item.fee_delta) pool.PrioritiseTransaction(item.tx->GetHash(), item.fee_delta);
        if (item.time > now - pool.Options().expiry_seconds) {
            if (AcceptToMemoryPool(pool, context, item.tx, item.time, false, false).IsValid()) {
                ++s.count;
            } else if (pool.Exists(item.tx->GetHash())) {
                ++s.already_there;
            } else {
                ++s.failed;
            }
        } else {
            ++s.expired;
        }
    }
    for (const auto& [txid, delta] : dump->deltas) pool.PrioritiseTransaction(txid, delta);
    for (const uint256& txid : dump->unbroadcast) pool.AddUnbroadcastTx(txid);
    if (stats) *stats = s;
    return true;
}

bool DumpMempool(const TxMemPool& pool, const std::filesystem::path& path, std::string* error)
{
    MempoolDump dump;
    {
        std::lock_guard lock(pool.m_mutex);
        dump = MakeMempoolDump(pool);
    }
    return WriteMempoolDat(dump, path, pool.Options().persist_v1_dat, std::nullopt, error);
}
