// Wallet costs against their floors: 10,000 addresses from an xpub (baseline: one secp256k1 tweak-add and
// serialization per child), signing a 100-input PSBT (baseline: 100 raw secp256k1 ECDSA signatures over the same
// sighashes), and coin selection over 10,000 UTXOs (baseline: sorting the 10,000 values).
#include "bench.h"

#include "address/destination.h"
#include "crypto/key.h"
#include "descriptor/bip32.h"
#include "psbt/psbt_roles.h"
#include "script/sighash.h"
#include "wallet/coinselection.h"

#include <secp256k1.h>

#include <algorithm>
#include <cstring>

namespace {
constexpr int ADDRESSES = 10000;
constexpr int PSBT_INPUTS = 100;
constexpr int UTXOS = 10000;

ExtPubKey BenchXpub()
{
    ExtKey master;
    std::vector<uint8_t> seed(32, 0x5a);
    master.SetSeed(seed);
    return master.Neuter();
}

void XpubDerive10kAddresses(benchmark::State& state)
{
    const ExtPubKey xpub = BenchXpub();
    std::string last;
    for (auto _ : state) {
        for (uint32_t i = 0; i < ADDRESSES; ++i) {
            ExtPubKey child;
            if (!xpub.Derive(child, i)) {
                state.SkipWithError("derivation failed");
                return;
            }
            last = EncodeDestination(WitnessV0KeyHash{child.pubkey.GetID()}, Chain::MAIN);
        }
        benchmark::DoNotOptimize(last.data());
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * ADDRESSES);
}

/** The elliptic-curve floor of BIP32 public derivation: tweak the parent key and serialize the child, per child. */
void Secp256k1TweakAdd10k(benchmark::State& state)
{
    const ExtPubKey xpub = BenchXpub();
    secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    secp256k1_pubkey parent;
    if (!secp256k1_ec_pubkey_parse(ctx, &parent, xpub.pubkey.data(), xpub.pubkey.size())) {
        state.SkipWithError("bad pubkey");
        return;
    }
    uint8_t out[33];
    for (auto _ : state) {
        for (uint32_t i = 0; i < ADDRESSES; ++i) {
            uint8_t tweak[32] = {0};
            std::memcpy(tweak + 28, &i, 4);
            tweak[0] = 0x11;
            secp256k1_pubkey child = parent;
            if (!secp256k1_ec_pubkey_tweak_add(ctx, &child, tweak)) {
                state.SkipWithError("tweak failed");
                return;
            }
            size_t len = sizeof(out);
            secp256k1_ec_pubkey_serialize(ctx, out, &len, &child, SECP256K1_EC_COMPRESSED);
        }
        benchmark::DoNotOptimize(out);
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * ADDRESSES);
    secp256k1_context_destroy(ctx);
}

struct SigningSetup {
    Key key;
    Script spk;
    Psbt psbt;
    std::vector<uint256> sighashes;

    SigningSetup()
    {
        std::vector<uint8_t> secret(32, 0x42);
        key.Set(secret, true);
        spk = GetScriptForDestination(WitnessV0KeyHash{key.GetPubKey().GetID()});
        MutableTransaction tx;
        tx.version = 2;
        std::vector<TxOut> spent;
        for (int i = 0; i < PSBT_INPUTS; ++i) {
            uint256 h;
            h.data()[0] = static_cast<uint8_t>(i);
            h.data()[1] = static_cast<uint8_t>(i >> 8);
            tx.vin.emplace_back();
            tx.vin.back().prevout = OutPoint(h, 0);
            tx.vin.back().sequence = 0xfffffffd;
            spent.emplace_back(100000 + i, spk);
        }
        tx.vout.emplace_back(PSBT_INPUTS * 90000, spk);
        psbt = Psbt(tx, 0);
        for (int i = 0; i < PSBT_INPUTS; ++i) psbt.inputs[i].witness_utxo = spent[i];
        // The same BIP143 sighashes the signer computes (script code: P2PKH of the key hash).
        PrecomputedTransactionData txdata;
        std::vector<TxOut> spent_copy = spent;
        txdata.Init(tx, std::move(spent_copy));
        const Script code = GetScriptForDestination(PKHash{key.GetPubKey().GetID()});
        for (int i = 0; i < PSBT_INPUTS; ++i) {
            sighashes.push_back(SignatureHash(code, tx, i, 1 /* SIGHASH_ALL */, spent[i].value, SigVersion::WITNESS_V0, &txdata));
        }
    }
};

void SignPsbt100Inputs(benchmark::State& state)
{
    SigningSetup s;
    PsbtKeyStore store;
    store.AddKey(s.key);
    {
        Psbt check = s.psbt;
        if (!SignPsbtWithKeys(store, check, std::nullopt, true, false)) {
            state.SkipWithError("PSBT signing incomplete");
            return;
        }
    }
    for (auto _ : state) {
        Psbt p = s.psbt;
        const bool complete = SignPsbtWithKeys(store, p, std::nullopt, false, false);
        benchmark::DoNotOptimize(complete);
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * PSBT_INPUTS);
}

void Secp256k1Sign100(benchmark::State& state)
{
    SigningSetup s;
    secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    std::vector<uint8_t> secret(32, 0x42);
    uint8_t der[72];
    for (auto _ : state) {
        for (const uint256& h : s.sighashes) {
            secp256k1_ecdsa_signature sig;
            secp256k1_ecdsa_sign(ctx, &sig, h.data(), secret.data(), secp256k1_nonce_function_rfc6979, nullptr);
            size_t len = sizeof(der);
            secp256k1_ecdsa_signature_serialize_der(ctx, der, &len, &sig);
        }
        benchmark::DoNotOptimize(der);
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * PSBT_INPUTS);
    secp256k1_context_destroy(ctx);
}

std::vector<SelectionCoin> BenchUtxos(const FeeRate& rate)
{
    std::vector<SelectionCoin> coins;
    SelectionRng rng(2026);
    Script spk;
    spk << OP_0 << std::vector<uint8_t>(20, 7);
    for (int i = 0; i < UTXOS; ++i) {
        uint256 h;
        h.data()[0] = static_cast<uint8_t>(i);
        h.data()[1] = static_cast<uint8_t>(i >> 8);
        // Values from 1,000 sat to ~1 BTC, log-spread like a real wallet.
        const Amount value = static_cast<Amount>(1000 + rng.RandRange(1000) * rng.RandRange(100000));
        coins.emplace_back(OutPoint(h, 0), TxOut(value, spk), 68, 6, false, 1, rate, FeeRate(DEFAULT_CONSOLIDATE_FEERATE));
    }
    return coins;
}

void CoinSelection10kUtxos(benchmark::State& state)
{
    const FeeRate rate(5000);
    const auto coins = BenchUtxos(rate);
    CoinSelectionParams params;
    params.effective_feerate = rate;
    params.tx_noinputs_size = 10 + 1 + 2 * 31;
    SelectionRng rng(1);
    params.Derive(2 * COIN, 1, 294, rng);
    const Amount target = 2 * COIN + rate.GetFee(params.tx_noinputs_size);
    for (auto _ : state) {
        auto r = AutomaticCoinSelection(coins, target, params, rng);
        if (!r) {
            state.SkipWithError("selection failed");
            return;
        }
        benchmark::DoNotOptimize(r.result->GetWaste());
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * UTXOS);
}

void Sort10kUtxos(benchmark::State& state)
{
    const auto coins = BenchUtxos(FeeRate(5000));
    std::vector<Amount> values;
    for (const SelectionCoin& c : coins) values.push_back(c.Value());
    for (auto _ : state) {
        std::vector<Amount> v = values;
        std::sort(v.begin(), v.end(), std::greater<>());
        benchmark::DoNotOptimize(v.data());
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * UTXOS);
}
}  // namespace

BENCHMARK(Secp256k1TweakAdd10k);
SOV_BENCHMARK_VS(XpubDerive10kAddresses, Secp256k1TweakAdd10k);
BENCHMARK(Secp256k1Sign100);
SOV_BENCHMARK_VS(SignPsbt100Inputs, Secp256k1Sign100);
BENCHMARK(Sort10kUtxos);
SOV_BENCHMARK_VS(CoinSelection10kUtxos, Sort10kUtxos);
