// sovereign-util commands: getchainparams (the selected chain's hard-coded parameters as JSON), grind (search a
// header nonce that meets its own nBits target) and buildliabilities (a proof-of-liabilities tree from an
// accounts file: the commitment to publish and one inclusion proof per account holder).
#include "app/util_tool.h"

#include "app/tool_args.h"
#include "chain/params.h"
#include "json/json_value.h"
#include "reserves/liabilities.h"
#include "util/arith_uint256.h"
#include "util/fs_util.h"
#include "util/hex.h"
#include "util/strencodings.h"

#include <openssl/rand.h>

#include <fstream>
#include <iostream>
#include <limits>

namespace {
int Grind(const std::vector<std::string>& args, std::string& result) {
    if (args.size() != 1) {
        result = "Must specify block header to grind";
        return 1;
    }
    // Like Core's DecodeHexBlockHeader, bytes after the 80-byte header are ignored.
    BlockHeader header;
    bool ok = IsHex(args[0]);
    if (ok) {
        const std::vector<uint8_t> bytes = ParseHex(args[0]);
        try {
            SpanReader reader(bytes);
            header = UnserializeHeader(reader);
        } catch (const DeserializeError&) {
            ok = false;
        }
    }
    if (!ok) {
        result = "Could not decode block header";
        return 1;
    }
    bool negative = false, overflow = false;
    arith_uint256 target;
    target.SetCompact(header.bits, &negative, &overflow);
    bool found = false;
    if (!(target == arith_uint256()) && !negative && !overflow) {
        // One search thread from nonce 0 upward: the result is the smallest passing nonce (Core splits the
        // range over threads, so its answer may differ when several nonces pass; any passing nonce is
        // correct).
        const uint32_t finish = std::numeric_limits<uint32_t>::max() - 1;
        for (uint32_t nonce = 0; nonce < finish; ++nonce) {
            header.nonce = nonce;
            if (UintToArith256(header.GetHash()) <= target) {
                found = true;
                break;
            }
        }
    }
    if (!found) {
        result = "Could not satisfy difficulty target";
        return 1;
    }
    result = HexStr(EncodeBlockHeader(header));
    return 0;
}

/** buildliabilities <accounts.csv> <outdir> [tree_height]: writes outdir/liabilities-commitment.json (publish it,
 *  and pass it to createreserveproof), outdir/liabilities-proofs.jsonl (one proof per line, in the file's
 *  account order; hand each holder theirs) and outdir/liabilities-secret.hex (private: it derives the salts and
 *  padding, so keep it to re-issue proofs). A fresh secret per build unlinks successive trees. */
int BuildLiabilities(const std::vector<std::string>& args, std::string& result)
{
    if (args.size() < 2 || args.size() > 3) {
        result = "Usage: buildliabilities <accounts.csv> <outdir> [tree_height]";
        return 1;
    }
    int height = DEFAULT_LIABILITY_TREE_HEIGHT;
    if (args.size() == 3) {
        auto h = ParseInt64(args[2]);
        if (!h || *h < 1 || *h > MAX_LIABILITY_TREE_HEIGHT) {
            result = "tree_height must be between 1 and " + std::to_string(MAX_LIABILITY_TREE_HEIGHT);
            return 1;
        }
        height = static_cast<int>(*h);
    }
    std::ifstream in(args[0], std::ios::binary);
    if (!in) {
        result = "Cannot read the accounts file " + args[0];
        return 1;
    }
    std::string csv;
    in.seekg(0, std::ios::end);
    const auto size = static_cast<size_t>(std::max<std::streamoff>(in.tellg(), 0));
    if (size > MAX_LIABILITY_CSV_BYTES) {
        result = "The accounts file is larger than 2 GiB";
        return 1;
    }
    csv.resize(size);
    in.seekg(0);
    in.read(csv.data(), static_cast<std::streamsize>(size));
    std::string error;
    auto accounts = ParseLiabilityAccountsCsv(csv, &error);
    if (!accounts) {
        result = args[0] + ": " + error;
        return 1;
    }
    std::array<uint8_t, 32> secret;
    if (RAND_bytes(secret.data(), static_cast<int>(secret.size())) != 1) {
        result = "No randomness for the tree's secret";
        return 1;
    }
    auto tree = LiabilityTree::Build(*accounts, secret, height, &error);
    if (!tree) {
        result = "Cannot build the tree: " + error;
        return 1;
    }
    const std::filesystem::path dir = args[1];
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        result = "Cannot create " + dir.string() + ": " + ec.message();
        return 1;
    }
    const LiabilityCommitment commitment = tree->Commitment();
    auto write_proofs = [&](const ChunkWriter& put) {
        std::string buffer;
        for (const LiabilityAccount& a : *accounts) {
            buffer += LiabilityProofToJson(*tree->Prove(a.id), commitment).Write() + "\n";
            if (buffer.size() > (1u << 20)) {
                if (!put(buffer)) return false;
                buffer.clear();
            }
        }
        return put(buffer);
    };
    const std::filesystem::path secret_file = dir / "liabilities-secret.hex", proofs_file = dir / "liabilities-proofs.jsonl",
                                commitment_file = dir / "liabilities-commitment.json";
    // The secret first: proofs without it could not be re-issued; the commitment last, as the sign of a whole set.
    if (!WriteFileAtomic(secret_file, HexStr(secret) + "\n", &error, /*private_file=*/true) ||
        !WriteFileAtomic(proofs_file, write_proofs, &error) ||
        !WriteFileAtomic(commitment_file, LiabilityCommitmentToJson(commitment).Write(2) + "\n", &error)) {
        result = "Cannot write the output: " + error;
        return 1;
    }
    JsonValue r = JsonValue::Object();
    r.PushKV("accounts", static_cast<uint64_t>(accounts->size()));
    r.PushKV("commitment", LiabilityCommitmentToJson(commitment));
    r.PushKV("commitment_file", commitment_file.string());
    r.PushKV("proofs_file", proofs_file.string());
    r.PushKV("secret_file", secret_file.string());
    result = r.Write(2);
    return 0;
}

int GetChainParams(const std::vector<std::string>& args, const ChainParams& params, std::string& result) {
    if (!args.empty()) {
        result = "getchainparams does not take arguments";
        return 1;
    }
    const ConsensusParams& consensus = params.consensus;
    JsonValue r = JsonValue::Object();
    r.PushKV("chain", ChainName(params.chain));
    r.PushKV("test_chain", params.is_test_chain);
    // Core prints the genesis hash with HexStr, i.e. in byte order, unlike the reversed display form.
    r.PushKV("genesis", HexStr(std::span<const uint8_t>(consensus.hash_genesis_block.begin(),
                                                        consensus.hash_genesis_block.end())));
    r.PushKV("subsidy_halving_interval", consensus.subsidy_halving_interval);
    if (consensus.signet_blocks) {
        JsonValue signet = JsonValue::Object();
        signet.PushKV("challenge", HexStr(consensus.signet_challenge));
        r.PushKV("signet", std::move(signet));
    }
    JsonValue pow = JsonValue::Object();
    pow.PushKV("limit", consensus.pow_limit.GetHex());
    if (!consensus.pow_no_retargeting) {
        pow.PushKV("target_spacing", consensus.pow_target_spacing);
        pow.PushKV("difficulty_retarget_interval", consensus.DifficultyAdjustmentInterval());
        pow.PushKV("mindiff_blocks", consensus.pow_allow_min_difficulty_blocks
                                         ? (consensus.enforce_bip94 ? "bip94" : "yes")
                                         : "no");
    }
    r.PushKV("pow", std::move(pow));
    JsonValue net = JsonValue::Object();
    net.PushKV("default_port", static_cast<int>(params.default_port));
    net.PushKV("magic", HexStr(params.message_start));
    JsonValue seeds = JsonValue::Array();
    for (const std::string& seed : params.dns_seeds) seeds.PushBack(seed);
    net.PushKV("dns_seeds", std::move(seeds));
    r.PushKV("net", std::move(net));
    JsonValue addresses = JsonValue::Object();
    addresses.PushKV("bech32_hrp", params.Prefixes().bech32_hrp);
    r.PushKV("addresses", std::move(addresses));
    result = r.Write(2);
    return 0;
}

int Run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    ToolArgs opts;
    std::string error;
    if (!opts.Parse(args, ToolArgs::CommonOptions(), {"grind", "getchainparams", "buildliabilities"}, error)) {
        err << "Error parsing command line arguments: " << error << "\n";
        return 1;
    }
    if (opts.GetBool("?") || opts.GetBool("h") || opts.GetBool("help") || opts.GetBool("version")) {
        out << "Sovereign sovereign-util utility (compatible with Bitcoin Core's bitcoin-util)\n"
               "\n"
               "Usage:  sovereign-util [options] [command]\n"
               "or:     sovereign-util [options] grind <hex-block-header>\n"
               "\n"
               "Options:\n"
               "  -?, -h, -help          Print this help message and exit\n"
               "  -version               Print version and exit\n"
               "  -chain=<chain>         Use the chain: main, test, testnet4, signet, regtest (default: "
               "main)\n"
               "  -regtest, -signet, -testnet, -testnet4   Same as -chain=<name>\n"
               "  -signetchallenge=<hex> Custom signet block challenge (default: the public signet's)\n"
               "\n"
               "Commands:\n"
               "  getchainparams         Get hardcoded parameters for the selected chain\n"
               "  grind <hex-header>     Perform proof of work on hex header string\n"
               "  buildliabilities <accounts.csv> <outdir> [tree_height]\n"
               "                         Build a proof-of-liabilities tree (account,balance per line): writes the\n"
               "                         commitment to publish, one inclusion proof per account and the tree's secret\n";
        return 0;
    }
    const auto chain = opts.SelectChain(error);
    if (!chain) {
        err << "Error: " << error << "\n";
        return 1;
    }
    ChainOptions chain_options;
    if (auto challenge = opts.GetArg("signetchallenge"); challenge && *chain == Chain::SIGNET) {
        const auto bytes = TryParseHex(*challenge);
        if (!bytes) {
            err << "Error: -signetchallenge must be hex, not '" << *challenge << "'.\n";
            return 1;
        }
        chain_options.signet_challenge = *bytes;
    }
    const auto params = CreateChainParams(*chain, chain_options);
    if (opts.Command().empty()) {
        err << "Error: must specify a command\n";
        return 1;
    }
    const std::string& command = opts.Command()[0];
    const std::vector<std::string> command_args(opts.Command().begin() + 1, opts.Command().end());
    std::string result;
    int ret = 1;
    if (command == "grind") {
        ret = Grind(command_args, result);
    } else if (command == "buildliabilities") {
        ret = BuildLiabilities(command_args, result);
    } else {
        ret = GetChainParams(command_args, *params, result);
    }
    if (!result.empty()) (ret == 0 ? out : err) << result << "\n";
    return ret;
}
}  // namespace

int RunUtilTool(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    try {
        return Run(args, out, err);
    } catch (const std::exception& e) {
        err << "error: " << e.what() << "\n";
    }
    return 1;
}
