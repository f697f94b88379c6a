// Funding transactions as Core's CreateTransaction (coin selection, change, fee, RBF, anti-fee-sniping), signing and
// broadcasting, locked coins and replacement records; Wallet members declared in wallet.h.
#include "wallet/wallet.h"

#include "address/destination.h"
#include "crypto/sha256.h"
#include "descriptor/miniscript.h"
#include "policy/fees.h"
#include "policy/policy.h"
#include "policy/rbf.h"
#include "psbt/psbt_roles.h"
#include "rpc/protocol.h"
#include "sqlite/sqlite.h"
#include "util/args.h"
#include "util/strencodings.h"

#include <algorithm>
#include <ctime>

namespace {
/** Core's CTxIn::MAX_SEQUENCE_NONFINAL: final for BIP125, but lets nLockTime apply. */
constexpr uint32_t MAX_SEQUENCE_NONFINAL{0xfffffffe};
/** Anti-fee-sniping only when the tip is recent (Core's MAX_ANTI_FEE_SNIPING_TIP_AGE, 8 hours). */
constexpr int64_t MAX_ANTI_FEE_SNIPING_TIP_AGE{8 * 60 * 60};

/** Satisfies any miniscript with placeholder signatures and preimages, all "maybe" available, so that the
 *  largest non-malleable witness is chosen (fee estimation before signing). */
class MaxSizeSatisfier final : public miniscript::Satisfier
{
public:
    explicit MaxSizeSatisfier(bool tap) : m_tap(tap) {}
    miniscript::Availability Sign(uint32_t, std::vector<uint8_t>& sig) const override
    {
        sig.assign(m_tap ? 65 : 72, 0);
        return miniscript::Availability::MAYBE;
    }
    std::vector<uint8_t> KeyBytes(uint32_t) const override { return std::vector<uint8_t>(m_tap ? 32 : 33, 2); }
    bool CheckAfter(uint32_t) const override { return true; }
    bool CheckOlder(uint32_t) const override { return true; }
    miniscript::Availability SatSHA256(const std::vector<uint8_t>&, std::vector<uint8_t>& p) const override
    {
        p.assign(32, 0);
        return miniscript::Availability::MAYBE;
    }
    miniscript::Availability SatRIPEMD160(const std::vector<uint8_t>& h, std::vector<uint8_t>& p) const override
    {
        return SatSHA256(h, p);
    }
    miniscript::Availability SatHASH256(const std::vector<uint8_t>& h, std::vector<uint8_t>& p) const override
    {
        return SatSHA256(h, p);
    }
    miniscript::Availability SatHASH160(const std::vector<uint8_t>& h, std::vector<uint8_t>& p) const override
    {
        return SatSHA256(h, p);
    }

private:
    bool m_tap;
};

/** Serialized size of the largest miniscript witness stack for script (without the script), or nullopt. */
std::optional<int64_t> MiniscriptWitnessSize(const Script& script, bool tap)
{
    miniscript::ScriptKeyCallbacks kc;
    uint32_t n = 0;
    kc.from_bytes = [&](std::span<const uint8_t>) -> std::optional<uint32_t> { return n++; };
    kc.from_pkh = [&](std::span<const uint8_t>) -> std::optional<uint32_t> { return n++; };
    auto node = miniscript::FromScript(script, tap ? miniscript::MsContext::TAPSCRIPT : miniscript::MsContext::P2WSH, kc);
    if (!node) return std::nullopt;
    std::vector<std::vector<uint8_t>> stack;
    if (miniscript::Satisfy(*node, MaxSizeSatisfier(tap), stack) == miniscript::Availability::NO) return std::nullopt;
    int64_t size = 0;
    for (const auto& e : stack) size += int64_t(CompactSizeLen(e.size()) + e.size());
    return size;
}

/** Virtual size of a signed input by the script it spends (for fee estimation before signing). */
std::optional<int64_t> InputVSize(const Script& spk, const FlatSigningProvider& provider)
{
    Destination dest;
    if (!ExtractDestination(spk, dest)) return std::nullopt;
    if (std::holds_alternative<WitnessV0KeyHash>(dest)) return 68;  // 41 bytes + (1+1+72+1+33)/4
    if (const auto* tr = std::get_if<WitnessV1Taproot>(&dest)) {
        // Script leaves (miniscript): the largest leaf spend, leaf script and control block included.
        int64_t best = 0;
        for (const auto& [output_key, tree] : provider.tr_trees) {
            if (!(output_key == tr->output_key)) continue;
            for (const auto& [depth, leaf] : tree.leaves) {
                auto sat = MiniscriptWitnessSize(leaf, true);
                if (!sat) continue;
                const int64_t control = 33 + 32 * depth;
                const int64_t witness = 1 + *sat + int64_t(CompactSizeLen(leaf.size()) + leaf.size()) +
                                        int64_t(CompactSizeLen(control)) + control;
                best = std::max(best, 41 + (witness + 3) / 4);
            }
        }
        return std::max<int64_t>(best, 58);  // key path: 41 bytes + (1+1+64)/4, rounded up
    }
    if (std::holds_alternative<PKHash>(dest)) return 148;
    if (const auto* wsh = std::get_if<WitnessV0ScriptHash>(&dest)) {
        // Multisig witness: an empty element, m signatures and the script.
        for (const auto& [id, script] : provider.scripts) {
            uint256 h;
            Sha256().Write(script.data(), script.size()).Finalize(h.data());
            if (h != wsh->hash) continue;
            const bool plain_multisig = script.size() > 0 && script[0] >= OP_1 && script[0] <= OP_16 &&
                                        script.bytes().back() == OP_CHECKMULTISIG;
            if (auto sat = plain_multisig ? std::nullopt : MiniscriptWitnessSize(script, false)) {
                const int64_t witness = 1 + *sat + int64_t(CompactSizeLen(script.size()) + script.size());
                return 41 + (witness + 3) / 4;
            }
            const int m = script.size() > 0 && script[0] >= OP_1 && script[0] <= OP_16 ? script[0] - OP_1 + 1 : 1;
            const int64_t witness = 1 + 1 + 73 * m + 3 + static_cast<int64_t>(script.size());
            return 41 + (witness + 3) / 4;
        }
        return std::nullopt;
    }
    if (std::holds_alternative<ScriptHash>(dest)) return 91;  // P2SH-P2WPKH
    return std::nullopt;
}

int64_t OutputSize(const Script& spk) { return 8 + static_cast<int64_t>(CompactSizeLen(spk.size()) + spk.size()); }

/** The output type coin selection keeps apart (Core selects within one type before mixing). */
int ScriptType(const Script& spk)
{
    Destination dest;
    if (!ExtractDestination(spk, dest)) return 0;
    return static_cast<int>(dest.index()) + 1;
}

template <typename T>
std::optional<T> Fail(std::string* error, int* code, int rpc_code, std::string message)
{
    if (error) *error = std::move(message);
    if (code) *code = rpc_code;
    return std::nullopt;
}
}  // namespace

std::optional<int64_t> Wallet::InputSizeFor(const Script& spk) const
{
    std::lock_guard lock(m_mutex);
    auto s = m_scripts.find(spk);
    if (s == m_scripts.end()) return std::nullopt;
    FlatSigningProvider provider;
    std::vector<Script> scripts;
    m_descriptors.at(s->second.first).parsed->Expand(static_cast<int>(s->second.second), scripts, provider);
    return InputVSize(spk, provider);
}

FeeRate Wallet::DiscardRate() const
{
    FeeRate rate;
    if (m_node.fee_estimator) {
        rate = m_node.fee_estimator->EstimateSmartFee(
            static_cast<int>(m_node.fee_estimator->HighestTargetTracked(FeeEstimateHorizon::LONG_HALFLIFE)), nullptr, false);
    }
    Amount discard = DEFAULT_DISCARD_FEE;
    if (m_node.args) {
        if (auto v = ParseFixedPoint(m_node.args->GetArg("-discardfee", ""), 8)) discard = *v;
    }
    rate = rate.GetFeePerK() == 0 ? FeeRate(discard) : std::min(rate, FeeRate(discard));
    return std::max(rate, FeeRate(DUST_RELAY_TX_FEE));
}

bool Wallet::IsMineOutPoint(const OutPoint& out, TxOut* txout) const
{
    std::lock_guard lock(m_mutex);
    auto it = m_txs.find(out.hash);
    if (it == m_txs.end() || out.n >= it->second.tx->vout.size()) return false;
    const TxOut& o = it->second.tx->vout[out.n];
    if (!m_scripts.count(o.script_pubkey)) return false;
    if (txout) *txout = o;
    return true;
}

std::optional<FundResult> Wallet::FundTransaction(const std::vector<Recipient>& recipients, const FeeRate& fee_rate,
                                                  const FundOptions& options, std::string* error, int* code)
{
    SelectionRng own_rng;
    SelectionRng& rng = options.rng ? *options.rng : own_rng;
    if (recipients.empty()) return Fail<FundResult>(error, code, RPC_INVALID_PARAMETER, "Transaction must have at least one recipient");
    Amount recipients_sum = 0;
    int subtractors = 0;
    for (const Recipient& r : recipients) {
        if (r.amount < 0) return Fail<FundResult>(error, code, RPC_INVALID_PARAMETER, "Transaction amounts must not be negative");
        recipients_sum += r.amount;
        subtractors += r.subtract_fee;
    }

    // Change destination and its sizes (creating it now, spending it later).
    Script change_script;
    if (options.change_script) {
        change_script = *options.change_script;
    } else {
        std::string change_error;
        auto s = GetNewScript(options.change_type.value_or(ChangeType(recipients)), true, "", &change_error);
        if (!s) {
            return Fail<FundResult>(error, code, RPC_WALLET_ERROR,
                                    "Transaction needs a change address, but we can't generate it. " + change_error);
        }
        change_script = *s;
    }
    CoinSelectionParams params;
    params.effective_feerate = fee_rate;
    params.discard_feerate = DiscardRate();
    params.subtract_fee_outputs = subtractors > 0;
    params.avoid_partial_spends = options.avoid_partial_spends;
    params.change_output_size = static_cast<int>(OutputSize(change_script));
    // A change script we cannot size is assumed P2SH-P2WPKH, as Core (a lower bound that lets BnB work).
    params.change_spend_size = static_cast<int>(InputSizeFor(change_script).value_or(91));
    const Amount dust = GetDustThreshold(TxOut(0, change_script), params.discard_feerate);
    params.Derive(recipients_sum, recipients.size(), dust, rng);
    params.tx_noinputs_size = 10 + static_cast<int>(CompactSizeLen(recipients.size()));
    for (const Recipient& r : recipients) {
        params.tx_noinputs_size += static_cast<int>(OutputSize(r.script));
        if (IsDust(TxOut(r.amount, r.script), FeeRate(DUST_RELAY_TX_FEE))) {
            return Fail<FundResult>(error, code, RPC_WALLET_ERROR, "Transaction amount too small");
        }
    }
    const Amount not_input_fees = fee_rate.GetFee(params.subtract_fee_outputs ? 0 : params.tx_noinputs_size);
    const Amount selection_target = recipients_sum + not_input_fees;
    const FeeRate long_term = params.long_term_feerate;

    // Preset inputs: spent whatever the selection does.
    std::vector<SelectionCoin> preset;
    std::set<OutPoint> preset_set;
    for (const OutPoint& op : options.preset_inputs) {
        if (!preset_set.insert(op).second) return Fail<FundResult>(error, code, RPC_INVALID_PARAMETER, "Invalid parameter, duplicated input");
        TxOut out;
        if (!IsMineOutPoint(op, &out)) {
            return Fail<FundResult>(error, code, RPC_INVALID_PARAMETER, "Not solvable pre-selected input " + op.ToString());
        }
        const auto bytes = InputSizeFor(out.script_pubkey);
        if (!bytes) return Fail<FundResult>(error, code, RPC_INVALID_PARAMETER, "Not solvable pre-selected input " + op.ToString());
        preset.emplace_back(op, out, static_cast<int>(*bytes), 0, true, ScriptType(out.script_pubkey), fee_rate, long_term);
    }
    Amount preset_amount = 0;
    for (const SelectionCoin& c : preset) preset_amount += params.subtract_fee_outputs ? c.Value() : c.effective_value;

    SelectionResult result(selection_target, SelectionAlgorithm::MANUAL);
    const Amount remaining = selection_target - preset_amount;
    if (!options.add_inputs && remaining > 0) {
        return Fail<FundResult>(error, code, RPC_WALLET_ERROR,
                                "The preselected coins total amount does not cover the transaction target. Please allow other "
                                "inputs to be automatically selected or include more coins manually");
    }
    if (remaining > 0) {
        std::vector<SelectionCoin> available;
        for (const WalletCoin& c : ListCoins()) {
            if (preset_set.count(c.outpoint) || IsLockedCoin(c.outpoint) || options.avoid_txids.count(c.outpoint.hash)) continue;
            // Unconfirmed coins from others are unsafe (they can be double-spent); our own change is trusted.
            if (c.depth == 0 && !c.from_me && !options.include_unsafe) continue;
            const auto bytes = InputSizeFor(c.out.script_pubkey);
            if (!bytes) continue;
            available.emplace_back(c.outpoint, c.out, static_cast<int>(*bytes), c.depth, c.from_me, ScriptType(c.out.script_pubkey),
                                   fee_rate, long_term);
        }
        params.include_unsafe = options.include_unsafe;
        auto selected = AutomaticCoinSelection(available, remaining, params, rng);
        if (!selected) {
            if (selected.error.max_weight_exceeded) {
                return Fail<FundResult>(error, code, RPC_WALLET_ERROR,
                                        "The inputs size exceeds the maximum weight. Please try sending a smaller amount or "
                                        "manually consolidating your wallet's UTXOs");
            }
            return Fail<FundResult>(error, code, RPC_WALLET_INSUFFICIENT_FUNDS, "Insufficient funds");
        }
        result = SelectionResult(selection_target, selected.result->Algorithm());
        OutputGroup chosen;
        chosen.subtract_fee_outputs = params.subtract_fee_outputs;
        for (const SelectionCoin& c : selected.result->Inputs()) chosen.Insert(c);
        result.AddInput(chosen);
    }
    if (!preset.empty()) {
        OutputGroup pg;
        pg.subtract_fee_outputs = params.subtract_fee_outputs;
        for (const SelectionCoin& c : preset) pg.Insert(c);
        result.AddInput(pg);
    }
    result.RecalculateWaste(params.min_viable_change, params.cost_of_change, params.change_fee);

    MutableTransaction tx;
    tx.version = options.tx_version;
    for (const Recipient& r : recipients) tx.vout.emplace_back(r.amount, r.script);
    const Amount change_amount = result.GetChange(params.min_viable_change, params.change_fee);
    int change_pos = -1;
    if (change_amount > 0) {
        if (options.change_position > static_cast<int>(tx.vout.size())) {
            return Fail<FundResult>(error, code, RPC_INVALID_PARAMETER, "Transaction change output index out of range");
        }
        change_pos = options.change_position >= 0 ? options.change_position
                                                  : static_cast<int>(rng.RandRange(tx.vout.size() + 1));
        tx.vout.insert(tx.vout.begin() + change_pos, TxOut(change_amount, change_script));
    }

    // Inputs in random order (Core shuffles the selection).
    std::vector<SelectionCoin> inputs = result.Inputs();
    rng.Shuffle(inputs);
    const uint32_t sequence = options.replaceable ? MAX_BIP125_RBF_SEQUENCE : MAX_SEQUENCE_NONFINAL;
    for (const SelectionCoin& c : inputs) {
        tx.vin.emplace_back();
        tx.vin.back().prevout = c.outpoint;
        tx.vin.back().sequence = sequence;
    }
    if (options.locktime) {
        tx.lock_time = *options.locktime;
    } else {
        // Anti-fee-sniping (Core's DiscourageFeeSniping): lock to the tip so a miner re-mining the tip cannot take
        // the fee, sometimes further back so that delayed transactions do not stand out. Only with a recent tip.
        std::lock_guard lock(m_node.chainman->Mutex());
        const BlockIndex* tip = m_node.chainman->Tip();
        if (tip && !m_node.chainman->IsInitialBlockDownload() && tip->GetBlockTime() >= m_node.Now() - MAX_ANTI_FEE_SNIPING_TIP_AGE) {
            int64_t height = tip->height;
            if (rng.RandRange(10) == 0) height = std::max<int64_t>(0, height - static_cast<int64_t>(rng.RandRange(100)));
            tx.lock_time = static_cast<uint32_t>(height);
        } else {
            tx.lock_time = 0;
        }
    }

    // The fee the final size needs; the surplus of a changeless selection stays in the fee, a change output absorbs it.
    int64_t vsize = 10 + static_cast<int64_t>(CompactSizeLen(tx.vout.size()));
    for (const TxOut& o : tx.vout) vsize += OutputSize(o.script_pubkey);
    for (const SelectionCoin& c : inputs) vsize += c.input_bytes;
    const Amount fee_needed = fee_rate.GetFee(vsize);
    Amount outputs_value = 0;
    for (const TxOut& o : tx.vout) outputs_value += o.value;
    Amount current_fee = result.GetSelectedValue() - outputs_value;
    if (!params.subtract_fee_outputs && fee_needed > current_fee) {
        return Fail<FundResult>(error, code, RPC_WALLET_ERROR, "Fee needed > fee paid");
    }
    if (change_pos >= 0 && fee_needed < current_fee) {
        tx.vout[change_pos].value += current_fee - fee_needed;
        current_fee = fee_needed;
    }
    if (params.subtract_fee_outputs) {
        // Core splits what is missing evenly over the subtracting outputs; the first also takes the remainder.
        const Amount to_reduce = fee_needed - current_fee;
        bool first = true;
        size_t i = 0;
        for (const Recipient& r : recipients) {
            if (static_cast<int>(i) == change_pos) ++i;
            TxOut& out = tx.vout[i];
            if (r.subtract_fee) {
                out.value -= to_reduce / subtractors;
                if (first) {
                    first = false;
                    out.value -= to_reduce % subtractors;
                }
                if (IsDust(out, FeeRate(DUST_RELAY_TX_FEE))) {
                    return Fail<FundResult>(error, code, RPC_WALLET_ERROR,
                                            out.value < 0 ? "The transaction amount is too small to pay the fee"
                                                          : "The transaction amount is too small to send after the fee has been deducted");
                }
            }
            ++i;
        }
        current_fee = fee_needed;
    }
    if (current_fee > DEFAULT_TRANSACTION_MAXFEE) {
        return Fail<FundResult>(error, code, RPC_WALLET_ERROR, "Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)");
    }
    if (vsize * 4 > MAX_STANDARD_TX_WEIGHT_SEL) return Fail<FundResult>(error, code, RPC_WALLET_ERROR, "Transaction too large");

    FundResult out;
    out.fee = current_fee;
    out.change_pos = change_pos;
    out.algorithm = result.Algorithm();
    out.waste = result.GetWaste();
    out.psbt = Psbt(tx, options.psbt_version);
    for (size_t i = 0; i < inputs.size(); ++i) out.psbt.inputs[i].witness_utxo = inputs[i].txout;
    FillPsbt(out.psbt, false, false);
    if (options.lock_unspents) {
        for (const SelectionCoin& c : inputs) LockCoin(c.outpoint, false);
    }
    return out;
}

std::optional<Psbt> Wallet::CreateFundedPsbt(const std::vector<Recipient>& recipients, const FeeRate& fee_rate,
                                             std::string* error, Amount* fee_out, int* change_pos, uint32_t tx_version,
                                             uint32_t psbt_version)
{
    FundOptions options;
    options.tx_version = tx_version;
    options.psbt_version = psbt_version;
    auto r = FundTransaction(recipients, fee_rate, options, error);
    if (!r) return std::nullopt;
    if (fee_out) *fee_out = r->fee;
    if (change_pos) *change_pos = r->change_pos;
    return std::move(r->psbt);
}

std::optional<uint256> Wallet::SignAndBroadcast(Psbt& psbt, std::string* error, int* code)
{
    if (m_disable_private_keys) return Fail<uint256>(error, code, RPC_WALLET_ERROR, "Error: Private keys are disabled for this wallet");
    if (IsLocked()) {
        return Fail<uint256>(error, code, RPC_WALLET_UNLOCK_NEEDED, "Error: Please enter the wallet passphrase with walletpassphrase first.");
    }
    MutableTransaction tx;
    if (!FillPsbt(psbt, true, true) || !FinalizeAndExtractPsbt(psbt, tx)) {
        return Fail<uint256>(error, code, RPC_WALLET_ERROR, "Signing transaction failed");
    }
    TransactionRef ref = MakeTransactionRef(std::move(tx));
    const MempoolAcceptResult result = m_node.ProcessTransaction(ref, false);
    if (!result.IsValid() && result.result_type != MempoolAcceptResult::ResultType::MEMPOOL_ENTRY) {
        return Fail<uint256>(error, code, RPC_VERIFY_REJECTED, result.state.ToString());
    }
    {
        std::lock_guard lock(m_mutex);
        if (!m_txs.count(ref->GetHash())) AddTx(ref, -1, uint256(), 0);
    }
    return ref->GetHash();
}

std::optional<uint256> Wallet::Send(const std::vector<Recipient>& recipients, const FeeRate& fee_rate, std::string* error, int* code)
{
    return Send(recipients, fee_rate, FundOptions(), error, code);
}

std::optional<uint256> Wallet::Send(const std::vector<Recipient>& recipients, const FeeRate& fee_rate, const FundOptions& options,
                                    std::string* error, int* code)
{
    if (m_disable_private_keys) return Fail<uint256>(error, code, RPC_WALLET_ERROR, "Error: Private keys are disabled for this wallet");
    if (IsLocked()) {
        return Fail<uint256>(error, code, RPC_WALLET_UNLOCK_NEEDED, "Error: Please enter the wallet passphrase with walletpassphrase first.");
    }
    int fund_code = RPC_WALLET_INSUFFICIENT_FUNDS;
    auto funded = FundTransaction(recipients, fee_rate, options, error, &fund_code);
    if (!funded) {
        // Core's SendMoney reports every CreateTransaction failure as RPC_WALLET_INSUFFICIENT_FUNDS.
        if (code) *code = RPC_WALLET_INSUFFICIENT_FUNDS;
        return std::nullopt;
    }
    return SignAndBroadcast(funded->psbt, error, code);
}

// ---- Locked coins and replacements -----------------------------------------------------------------------------

void Wallet::LoadLockedCoins()
{
    std::lock_guard lock(m_mutex);
    m_db->Exec("CREATE TABLE IF NOT EXISTS locked_coins (txid TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (txid, n));");
    auto s = m_db->Prepare("SELECT txid, n FROM locked_coins;");
    while (s.Step()) {
        if (auto h = uint256::FromHex(s.Text(0))) m_locked.insert(OutPoint(*h, static_cast<uint32_t>(s.Int(1))));
    }
}

bool Wallet::LockCoin(const OutPoint& out, bool persistent)
{
    std::lock_guard lock(m_mutex);
    m_locked.insert(out);
    if (!persistent) return true;
    m_db->Exec("CREATE TABLE IF NOT EXISTS locked_coins (txid TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (txid, n));");
    auto s = m_db->Prepare("INSERT OR REPLACE INTO locked_coins (txid, n) VALUES (?, ?);");
    s.Bind(1, std::string_view(out.hash.GetHex())).Bind(2, static_cast<int64_t>(out.n));
    return s.Run();
}

bool Wallet::UnlockCoin(const OutPoint& out)
{
    std::lock_guard lock(m_mutex);
    const bool was = m_locked.erase(out) > 0;
    m_db->Exec("CREATE TABLE IF NOT EXISTS locked_coins (txid TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (txid, n));");
    auto s = m_db->Prepare("DELETE FROM locked_coins WHERE txid = ? AND n = ?;");
    s.Bind(1, std::string_view(out.hash.GetHex())).Bind(2, static_cast<int64_t>(out.n));
    s.Run();
    return was;
}

void Wallet::UnlockAllCoins()
{
    std::lock_guard lock(m_mutex);
    m_locked.clear();
    m_db->Exec("DELETE FROM locked_coins;");
}

bool Wallet::IsLockedCoin(const OutPoint& out) const
{
    std::lock_guard lock(m_mutex);
    return m_locked.count(out) > 0;
}

std::vector<OutPoint> Wallet::ListLockedCoins() const
{
    std::lock_guard lock(m_mutex);
    return {m_locked.begin(), m_locked.end()};
}

std::optional<uint256> Wallet::ReplacedBy(const uint256& txid) const
{
    std::lock_guard lock(m_mutex);
    auto it = m_replaced_by.find(txid);
    if (it == m_replaced_by.end()) return std::nullopt;
    return it->second;
}

void Wallet::MarkReplaced(const uint256& txid, const uint256& replacement)
{
    std::lock_guard lock(m_mutex);
    m_replaced_by[txid] = replacement;
}

bool Wallet::HasWalletSpend(const uint256& txid) const
{
    std::lock_guard lock(m_mutex);
    auto it = m_spends.lower_bound(OutPoint(txid, 0));
    return it != m_spends.end() && it->first.hash == txid;
}
