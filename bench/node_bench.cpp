// Node benchmarks: ConnectBlock of 1,000-transaction blocks of 5-input spends (P2WPKH, P2TR key path, mixed) vs the
// bare signature verifications of the same inputs; coins-cache hits vs an unordered_map lookup; -reindex of a
// local regtest chain vs reading and deserializing the same blocks.
#include "bench.h"

#include "address/destination.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "node/coins.h"
#include "node/miner.h"
#include "node/validation.h"
#include "script/sighash.h"

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <unistd.h>

namespace fs = std::filesystem;

namespace {
constexpr int TXS_PER_BLOCK = 1000;
constexpr int INPUTS_PER_TX = 5;
constexpr int SPENDS = TXS_PER_BLOCK * INPUTS_PER_TX;

/** One input's bare signature check (the baseline): parsed key and signature, the message. */
struct RawSig {
    bool schnorr{false};
    secp256k1_pubkey pk{};
    secp256k1_ecdsa_signature sig{};
    secp256k1_xonly_pubkey xpk{};
    std::array<uint8_t, 64> sig64{};
    uint256 msg;
};

enum class Kind { ECDSA, SCHNORR, MIXED };

struct Fixture {
    std::unique_ptr<const ChainParams> params = CreateChainParams(Chain::REGTEST);
    fs::path dir = fs::temp_directory_path() / ("sov_node_bench_" + std::to_string(::getpid()));
    int64_t clock = 1'700'000'000;
    std::unique_ptr<ChainstateManager> cm;
    Key key;
    Script wpkh_spk, tr_spk;
    XOnlyPubKey tr_output;
    Script coinbase_spk = Script() << OP_TRUE;
    std::map<Kind, Block> blocks;
    std::map<Kind, std::vector<RawSig>> raw;

    void Load(const fs::path& d, bool reindex)
    {
        cm.reset();
        ChainstateOptions opts;
        opts.data_dir = d;
        opts.params = params.get();
        opts.reindex = reindex;
        opts.now = [this] { return clock; };
        std::string error;
        cm = ChainstateManager::Load(opts, &error);
        if (!cm) {
            std::fprintf(stderr, "bench setup: %s\n", error.c_str());
            std::abort();
        }
    }
    void Mine(const std::vector<TransactionRef>& txs)
    {
        clock += 600;
        std::string error;
        auto tmpl = CreateNewBlock(*cm, coinbase_spk, txs, &error);
        if (!tmpl || !GrindNonce(tmpl->block, params->consensus)) std::abort();
        BlockValidationState state;
        bool new_block;
        if (!cm->ProcessNewBlock(std::make_shared<const Block>(tmpl->block), true, true, &new_block, &state)) {
            std::fprintf(stderr, "bench setup: %s\n", state.ToString().c_str());
            std::abort();
        }
    }
    OutPoint CoinbaseOut(int height)
    {
        auto block = cm->ReadBlock(*cm->Chain()[height]);
        return OutPoint(block->vtx[0]->GetHash(), 0);
    }

    Fixture()
    {
        fs::remove_all(dir);
        key.Set(std::vector<uint8_t>(32, 0x5a), true);
        wpkh_spk = GetScriptForDestination(WitnessV0KeyHash{key.GetPubKey().GetID()});
        tr_output = key.GetXOnlyPubKey().CreateTapTweak(nullptr)->first;
        tr_spk = Script() << OP_1 << std::span<const uint8_t>(tr_output.data(), 32);
        Load(dir / "connect", false);
        for (int i = 0; i < 103; ++i) Mine({});
        // Fan out three mature coinbases into SPENDS outputs each: P2WPKH, P2TR, and alternating.
        const Amount subsidy = GetBlockSubsidy(1, params->consensus);
        const Amount each = (subsidy - 1'000'000) / SPENDS;
        std::vector<TransactionRef> fans;
        for (int k = 0; k < 3; ++k) {
            MutableTransaction tx;
            tx.vin.emplace_back().prevout = CoinbaseOut(k + 1);
            for (int i = 0; i < SPENDS; ++i) {
                const bool taproot = k == 1 || (k == 2 && i % 2 == 1);
                tx.vout.emplace_back(each, taproot ? tr_spk : wpkh_spk);
            }
            fans.push_back(MakeTransactionRef(std::move(tx)));
        }
        Mine(fans);
        const Kind kinds[3] = {Kind::ECDSA, Kind::SCHNORR, Kind::MIXED};
        for (int k = 0; k < 3; ++k) {
            std::vector<TransactionRef> spends;
            for (int t = 0; t < TXS_PER_BLOCK; ++t) {
                MutableTransaction tx;
                std::vector<TxOut> spent;
                for (int j = 0; j < INPUTS_PER_TX; ++j) {
                    const uint32_t n = static_cast<uint32_t>(t * INPUTS_PER_TX + j);
                    tx.vin.emplace_back().prevout = OutPoint(fans[k]->GetHash(), n);
                    spent.push_back(fans[k]->vout[n]);
                }
                tx.vout.emplace_back(each * INPUTS_PER_TX - 1000, wpkh_spk);
                Sign(tx, spent, raw[kinds[k]]);
                spends.push_back(MakeTransactionRef(std::move(tx)));
            }
            std::string error;
            auto tmpl = CreateNewBlock(*cm, coinbase_spk, spends, &error);
            if (!tmpl) {
                std::fprintf(stderr, "bench setup: %s\n", error.c_str());
                std::abort();
            }
            blocks[kinds[k]] = tmpl->block;
        }
        // The reindex chain: a copy with the P2WPKH block and a few more connected.
        cm.reset();
        fs::copy(dir / "connect", dir / "reindex", fs::copy_options::recursive);
        Load(dir / "reindex", false);
        {
            Block b = blocks[Kind::ECDSA];
            GrindNonce(b, params->consensus);
            BlockValidationState state;
            bool new_block;
            if (!cm->ProcessNewBlock(std::make_shared<const Block>(b), true, true, &new_block, &state)) std::abort();
        }
        for (int i = 0; i < 20; ++i) Mine({});
        reindex_height = cm->Chain().Height();
        cm.reset();
        Load(dir / "connect", false);
    }
    ~Fixture()
    {
        cm.reset();
        fs::remove_all(dir);
    }

    void Sign(MutableTransaction& tx, const std::vector<TxOut>& spent, std::vector<RawSig>& out)
    {
        const secp256k1_context* ctx = Secp256k1VerifyContext();
        PrecomputedTransactionData pre;
        pre.Init(tx, std::vector<TxOut>(spent), true);
        const PubKey pub = key.GetPubKey();
        for (size_t j = 0; j < spent.size(); ++j) {
            RawSig r;
            if (spent[j].script_pubkey == tr_spk) {
                ScriptExecutionData execdata;
                execdata.annex_init = true;
                execdata.annex_present = false;
                if (!SignatureHashSchnorr(r.msg, execdata, tx, static_cast<unsigned>(j), SIGHASH_DEFAULT,
                                          SigVersion::TAPROOT, pre, MissingDataBehavior::FAIL)) {
                    std::abort();
                }
                key.SignSchnorr(r.msg, r.sig64, nullptr, uint256());
                tx.vin[j].witness.stack = {std::vector<uint8_t>(r.sig64.begin(), r.sig64.end())};
                r.schnorr = true;
                if (!secp256k1_xonly_pubkey_parse(ctx, &r.xpk, tr_output.data())) std::abort();
            } else {
                Script code;
                code << OP_DUP << OP_HASH160 << std::span<const uint8_t>(pub.GetID().data(), 20) << OP_EQUALVERIFY
                     << OP_CHECKSIG;
                r.msg = SignatureHash(code, tx, static_cast<unsigned>(j), SIGHASH_ALL, spent[j].value,
                                      SigVersion::WITNESS_V0);
                std::vector<uint8_t> der;
                key.Sign(r.msg, der);
                if (!secp256k1_ecdsa_signature_parse_der(ctx, &r.sig, der.data(), der.size()) ||
                    !secp256k1_ec_pubkey_parse(ctx, &r.pk, pub.begin(), pub.size())) {
                    std::abort();
                }
                der.push_back(SIGHASH_ALL);
                tx.vin[j].witness.stack = {der, std::vector<uint8_t>(pub.begin(), pub.end())};
            }
            out.push_back(r);
        }
    }
    int reindex_height{0};
};

Fixture& Get()
{
    static Fixture f;
    return f;
}

void ConnectBlockBench(benchmark::State& state, Kind kind)
{
    Fixture& f = Get();
    const Block& block = f.blocks.at(kind);
    for (auto _ : state) {
        BlockValidationState vs;
        block.checked = false;
        if (!f.cm->TestBlockValidity(vs, block, f.cm->Tip(), false, true)) {
            state.SkipWithError(("block invalid: " + vs.ToString()).c_str());
            break;
        }
    }
    state.counters["inputs/s"] = benchmark::Counter(double(SPENDS) * double(state.iterations()), benchmark::Counter::kIsRate);
}

void RawVerifyBench(benchmark::State& state, Kind kind)
{
    const std::vector<RawSig>& sigs = Get().raw.at(kind);
    const secp256k1_context* ctx = Secp256k1VerifyContext();
    for (auto _ : state) {
        int ok = 0;
        for (const RawSig& r : sigs) {
            ok += r.schnorr ? secp256k1_schnorrsig_verify(ctx, r.sig64.data(), r.msg.data(), 32, &r.xpk)
                            : secp256k1_ecdsa_verify(ctx, &r.sig, r.msg.data(), &r.pk);
        }
        if (ok != SPENDS) {
            state.SkipWithError("raw verification failed");
            break;
        }
    }
}

void ConnectBlockP2wpkhRaw(benchmark::State& s) { RawVerifyBench(s, Kind::ECDSA); }
void ConnectBlockP2wpkh(benchmark::State& s) { ConnectBlockBench(s, Kind::ECDSA); }
void ConnectBlockP2trRaw(benchmark::State& s) { RawVerifyBench(s, Kind::SCHNORR); }
void ConnectBlockP2tr(benchmark::State& s) { ConnectBlockBench(s, Kind::SCHNORR); }
void ConnectBlockMixedRaw(benchmark::State& s) { RawVerifyBench(s, Kind::MIXED); }
void ConnectBlockMixed(benchmark::State& s) { ConnectBlockBench(s, Kind::MIXED); }

// ---- coins cache -----------------------------------------------------------------------------------------

constexpr int COINS = 200'000;

/** An empty parent: everything the benchmark reads is in the cache. */
class EmptyView : public CoinsView
{
public:
    std::optional<Coin> GetCoin(const OutPoint&) const override { return std::nullopt; }
    uint256 GetBestBlock() const override { return uint256(); }
    bool BatchWrite(CoinsMap&, const uint256&, std::string*) override { return true; }
};

struct CoinsFixture {
    EmptyView base;
    CoinsViewCache cache{&base};
    std::unordered_map<OutPoint, Coin, SaltedOutpointHasher> map;
    std::vector<OutPoint> keys;
    CoinsFixture()
    {
        for (int i = 0; i < COINS; ++i) {
            const OutPoint o(Hash256(std::vector<uint8_t>{uint8_t(i), uint8_t(i >> 8), uint8_t(i >> 16)}),
                             static_cast<uint32_t>(i % 7));
            Coin c;
            c.out = TxOut(1000 + i, Script() << OP_TRUE);
            c.height = static_cast<uint32_t>(i);
            cache.AddCoin(o, c, false);
            map.emplace(o, c);
            keys.push_back(o);
        }
        // Lookups in a shuffled order, so the hardware prefetcher does not follow insertion order.
        for (size_t i = keys.size() - 1; i > 0; --i) std::swap(keys[i], keys[(i * 2654435761u) % (i + 1)]);
    }
};

CoinsFixture& Coins()
{
    static CoinsFixture f;
    return f;
}

void CoinsMapLookup(benchmark::State& state)
{
    CoinsFixture& f = Coins();
    size_t i = 0;
    for (auto _ : state) {
        auto it = f.map.find(f.keys[i++ % f.keys.size()]);
        benchmark::DoNotOptimize(it->second.out.value);
    }
}

void CoinsCacheAccessCoin(benchmark::State& state)
{
    CoinsFixture& f = Coins();
    size_t i = 0;
    for (auto _ : state) {
        const Coin& c = f.cache.AccessCoin(f.keys[i++ % f.keys.size()]);
        benchmark::DoNotOptimize(c.out.value);
    }
}

void CoinsCacheHaveCoin(benchmark::State& state)
{
    CoinsFixture& f = Coins();
    size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(f.cache.HaveCoin(f.keys[i++ % f.keys.size()]));
}

// ---- -reindex ----------------------------------------------------------------------------------------------

void ReindexReadBlocks(benchmark::State& state)
{
    Fixture& f = Get();
    f.Load(f.dir / "reindex", false);
    std::vector<const BlockIndex*> chain;
    for (int h = 0; h <= f.cm->Chain().Height(); ++h) chain.push_back(f.cm->Chain()[h]);
    for (auto _ : state) {
        size_t txs = 0;
        for (const BlockIndex* b : chain) {
            auto block = f.cm->ReadBlock(*b);
            if (!block) {
                state.SkipWithError("read failed");
                break;
            }
            txs += block->vtx.size();
        }
        benchmark::DoNotOptimize(txs);
    }
    state.counters["blocks/s"] =
        benchmark::Counter(double(chain.size()) * double(state.iterations()), benchmark::Counter::kIsRate);
    f.Load(f.dir / "connect", false);
}

void Reindex(benchmark::State& state)
{
    Fixture& f = Get();
    for (auto _ : state) {
        f.Load(f.dir / "reindex", true);
        if (f.cm->Chain().Height() != f.reindex_height) {
            state.SkipWithError("reindex did not reach the tip");
            break;
        }
    }
    state.counters["blocks/s"] =
        benchmark::Counter(double(f.reindex_height + 1) * double(state.iterations()), benchmark::Counter::kIsRate);
    f.Load(f.dir / "connect", false);
}
}  // namespace

// Registered by hand (SOV_BENCHMARK_VS cannot take options such as the unit).
#define SOV_NODE_BENCH_VS(func, baseline, unit)   \
    BENCHMARK(func)->Unit(unit);                  \
    static const BaselineRegistration g_baseline_##func{#func, #baseline}

BENCHMARK(ConnectBlockP2wpkhRaw)->Unit(benchmark::kMillisecond);
SOV_NODE_BENCH_VS(ConnectBlockP2wpkh, ConnectBlockP2wpkhRaw, benchmark::kMillisecond);
BENCHMARK(ConnectBlockP2trRaw)->Unit(benchmark::kMillisecond);
SOV_NODE_BENCH_VS(ConnectBlockP2tr, ConnectBlockP2trRaw, benchmark::kMillisecond);
BENCHMARK(ConnectBlockMixedRaw)->Unit(benchmark::kMillisecond);
SOV_NODE_BENCH_VS(ConnectBlockMixed, ConnectBlockMixedRaw, benchmark::kMillisecond);
BENCHMARK(CoinsMapLookup);
SOV_BENCHMARK_VS(CoinsCacheAccessCoin, CoinsMapLookup);
SOV_BENCHMARK_VS(CoinsCacheHaveCoin, CoinsMapLookup);
BENCHMARK(ReindexReadBlocks)->Unit(benchmark::kMillisecond);
SOV_NODE_BENCH_VS(Reindex, ReindexReadBlocks, benchmark::kMillisecond);
