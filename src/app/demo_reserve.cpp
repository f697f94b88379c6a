// The regtest demo reserve; see demo_reserve.h.
#include "app/demo_reserve.h"

#include "descriptor/bip32.h"
#include "json/json_value.h"
#include "ledger/ledger.h"
#include "node/context.h"
#include "node/miner.h"
#include "node/validation.h"
#include "psbt/psbt.h"
#include "reserves/proof_of_reserves.h"
#include "rpc/protocol.h"
#include "rpc/reserves.h"
#include "util/fs_util.h"
#include "util/logging.h"
#include "wallet/wallet.h"

#include <memory>

namespace {
const char* OFFICIAL_WALLETS[] = {"minister", "governor", "auditor"};

/** An official's demo key: BIP32 from a fixed seed, so the demo reserve is the same on every machine. */
ExtKey DemoKey(int official)
{
    ExtKey k;
    k.SetSeed(std::vector<uint8_t>(32, static_cast<uint8_t>(0xd0 + official)));
    return k;
}

/** wsh(sortedmulti(2, ...)) on branch 0 (receive) or 1 (change); with_private: that official's key is a tprv. */
std::string ReserveDescriptor(int branch, int with_private)
{
    std::string d = "wsh(sortedmulti(2";
    for (int i = 0; i < 3; ++i) {
        const ExtKey k = DemoKey(i);
        d += "," + (i == with_private ? EncodeExtKey(k, Chain::REGTEST) : EncodeExtPubKey(k.Neuter(), Chain::REGTEST)) +
             "/" + std::to_string(branch) + "/*";
    }
    return d + "))";
}

std::shared_ptr<Wallet> LoadOrCreate(WalletManager& wallets, const std::string& name, bool watch_only, int official,
                                     std::string* error)
{
    int code = 0;
    if (auto w = wallets.Get(name)) return w;
    std::string why;
    if (auto w = wallets.Load(name, &why, &code)) return w;
    if (code != RPC_WALLET_NOT_FOUND) {  // there, but damaged: never replaced by a fresh one
        if (error) *error = why;
        return nullptr;
    }
    Wallet::CreateOptions options;
    options.disable_private_keys = watch_only;
    options.blank = true;
    auto w = wallets.Create(name, options, error, &code);
    if (!w) return nullptr;
    for (int branch = 0; branch < 2; ++branch) {
        if (!w->ImportDescriptor(ReserveDescriptor(branch, official), /*active=*/true, /*internal=*/branch == 1,
                                 std::make_pair<int64_t, int64_t>(0, 999), /*timestamp=*/0, "", error)) {
            return nullptr;
        }
    }
    return w;
}

void Mine(NodeContext& node, const Script& script, int blocks)
{
    ChainstateManager& cm = *node.chainman;
    for (int i = 0; i < blocks; ++i) {
        std::string error;
        auto tmpl = CreateNewBlock(cm, script, {}, &error);
        if (!tmpl || !GrindNonce(tmpl->block, node.params->consensus)) return;
        BlockValidationState state;
        bool new_block;
        cm.ProcessNewBlock(std::make_shared<const Block>(tmpl->block), true, true, &new_block, &state);
    }
}
}  // namespace

std::vector<std::string> SetUpDemoReserve(NodeContext& node, WalletManager& wallets, const std::string& institution,
                                          std::string* error)
{
    std::vector<std::shared_ptr<Wallet>> officials;
    for (int i = 0; i < 3; ++i) {
        auto w = LoadOrCreate(wallets, OFFICIAL_WALLETS[i], /*watch_only=*/false, i, error);
        if (!w) return {};
        officials.push_back(std::move(w));
    }
    auto reserve = LoadOrCreate(wallets, "reserve", /*watch_only=*/true, -1, error);
    if (!reserve) return {};

    // First start: one block's subsidy to the reserve, then 100 more so it matures.
    if (reserve->ListCoins(true).empty()) {
        auto script = reserve->GetNewScript(OutputType::BECH32, false, "mined by the demo", error);
        if (!script) return {};
        Mine(node, *script, 1);
        Mine(node, Script() << OP_TRUE, 100);
        node.chainman->Flush();
    }

    // A fresh proof of reserves, signed by the minister and the governor (two of three).
    ReserveStatement st;
    st.institution = institution;
    st.date = DateOf(node.Now());
    st.nonce = "demo-" + std::to_string(node.Now());
    {
        std::lock_guard lock(node.chainman->Mutex());
        st.height = node.chainman->Chain().Height();
        st.block_hash = node.chainman->Tip()->GetBlockHash();
    }
    std::vector<std::string> descriptors;
    for (const WalletDescriptor* d : reserve->Descriptors()) descriptors.push_back(d->parsed->ToString());
    st.descriptors = descriptors;
    std::vector<std::pair<OutPoint, TxOut>> utxos;
    for (const WalletCoin& c : reserve->ListCoins(true)) {
        if (c.depth >= 1) utxos.emplace_back(c.outpoint, c.out);
    }
    if (utxos.empty()) {
        if (error) *error = "the demo reserve has no confirmed coins";
        return {};
    }
    Psbt unsigned_psbt = CreateReservePsbt(st, utxos);
    reserve->FillPsbt(unsigned_psbt, false, false);
    std::vector<Psbt> parts;
    for (int i : {0, 1}) {
        Psbt p = unsigned_psbt;  // each official signs their own copy
        officials[i]->FillPsbt(p, true, false);
        parts.push_back(std::move(p));
    }
    auto combined = CombinePsbts(parts);
    auto proof = combined ? FinalizeReserveProof(*combined, error) : std::nullopt;
    if (!proof) return {};
    const std::filesystem::path dir = ProofsDir(node);
    std::filesystem::create_directories(dir);
    if (!WriteFileAtomic(dir / ("demo-" + st.date + ".json"), ReserveProofToJson(st, *proof).Write(2), error)) return {};
    LogPrintf("Demo reserve: wallets reserve, minister, governor, auditor; proof of reserves at height %d published\n", st.height);
    return descriptors;
}
