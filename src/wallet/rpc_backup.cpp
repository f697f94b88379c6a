// More of Core's wallet RPCs: backupwallet, restorewallet, abortrescan, listsinceblock,
// signrawtransactionwithwallet, signrawtransactionwithkey and descriptorprocesspsbt.
#include "wallet/rpc.h"

#include "address/destination.h"
#include "app/tx_sign.h"
#include "json/core_json.h"
#include "node/mempool.h"
#include "psbt/psbt_roles.h"
#include "rpc/protocol.h"
#include "rpc/util.h"
#include "script/interpreter.h"
#include "util/hex.h"
#include "wallet/wallet.h"

#include <filesystem>

std::shared_ptr<Wallet> WalletForRequest(WalletManager& wallets, const JsonRpcRequest& req);

namespace fs = std::filesystem;

namespace {
using Arg = RpcArg;
using Res = RpcResult;

RpcMethod BackupWallet(WalletManager& wallets)
{
    return RpcMethod{
        "backupwallet",
        "Safely copies the current wallet file to the specified destination, which can either be a directory or a path with a filename.\n",
        {Arg{"destination", Arg::Type::STR, Arg::Optional::NO, "The destination directory or file"}},
        {Res{Res::Type::NONE, "", ""}},
        HelpExampleCli("backupwallet", "\"backup.dat\""),
        [&wallets](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletForRequest(wallets, req);
            fs::path dest = JsonGetStr(req.params[0]);
            std::error_code ec;
            if (fs::is_directory(dest, ec)) dest /= (w->Name().empty() ? "default_wallet" : w->Name()) + ".dat";
            std::string error;
            if (!w->Backup(dest, &error)) throw RpcError(RPC_WALLET_ERROR, "Error: Wallet backup failed!");
            return JsonValue();
        }};
}

RpcMethod RestoreWallet(WalletManager& wallets)
{
    return RpcMethod{
        "restorewallet",
        "Restores and loads a wallet from backup.\n\nThe rescan is significantly faster if block filters are available\n(using startup option \"-blockfilterindex=1\").\n",
        {Arg{"wallet_name", Arg::Type::STR, Arg::Optional::NO, "The name that will be applied to the restored wallet"},
         Arg{"backup_file", Arg::Type::STR, Arg::Optional::NO, "The backup file that will be used to restore the wallet."},
         Arg{"load_on_startup", Arg::Type::BOOL, Arg::Optional::OMITTED, "Save wallet name to persistent settings and load on startup. True to add wallet to startup list, false to remove, null to leave unchanged."}},
        {Res{Res::Type::OBJ, "", "", {Res{Res::Type::STR, "name", "The wallet name if restored successfully."},
                                      Res{Res::Type::ARR, "warnings", true, "Warning messages, if any, related to restoring and loading the wallet.", {Res{Res::Type::STR, "", ""}}}}}},
        HelpExampleCli("restorewallet", "\"testwallet\" \"home\\backups\\backup-file.bak\""),
        [&wallets](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            const std::string name = JsonGetStr(req.params[0]);
            const fs::path backup = fs::absolute(JsonGetStr(req.params[1]));
            std::error_code ec;
            if (!fs::exists(backup, ec)) throw RpcError(RPC_INVALID_PARAMETER, "Backup file does not exist");
            if (name.find('/') != std::string::npos || name.find("..") != std::string::npos) {
                throw RpcError(RPC_INVALID_PARAMETER, "Wallet name may not contain path separators or '..'");
            }
            const fs::path dir = wallets.Dir() / (name.empty() ? "default_wallet" : name);
            if (fs::exists(dir, ec)) {
                throw RpcError(RPC_INVALID_PARAMETER, "Failed to create database path '" + dir.string() + "'. Database already exists.");
            }
            fs::create_directories(dir, ec);
            if (ec || !fs::copy_file(backup, dir / "wallet.dat", ec) || ec) {
                fs::remove_all(dir, ec);
                throw RpcError(RPC_WALLET_ERROR, "Failed to restore wallet: cannot copy the backup");
            }
            std::string error;
            int code = RPC_WALLET_ERROR;
            if (!wallets.Load(name, &error, &code)) {
                // As Core: a restore that does not load leaves nothing behind (the backup itself is untouched).
                fs::remove_all(dir, ec);
                throw RpcError(code, error);
            }
            JsonValue r = JsonValue::Object();
            r.PushKV("name", name);
            return r;
        }};
}

RpcMethod AbortRescan(WalletManager& wallets)
{
    return RpcMethod{
        "abortrescan", "Stops current wallet rescan triggered by an RPC call, e.g. by a rescanblockchain call.\nNote: Use \"getwalletinfo\" to query the scanning progress.\n",
        {},
        {Res{Res::Type::BOOL, "", "Whether the abort was successful"}},
        HelpExampleCli("abortrescan", ""),
        [&wallets](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletForRequest(wallets, req);
            return w->AbortRescan();
        }};
}

std::string EncodeScriptAddress(const Script& s, Chain chain)
{
    Destination dest;
    return ExtractDestination(s, dest) ? EncodeDestination(dest, chain) : std::string();
}

/** Core's ListTransactions entries of one wallet transaction: a "send" per paid output (when the inputs are ours)
 *  and a "receive"/"generate"/"immature"/"orphan" per output to us. Chainstate lock held. */
void TxDetails(const Wallet& w, const WalletTx& wtx, NodeContext& node, bool include_change, const std::string* label,
               JsonValue& out)
{
    const Chain chain = node.params->chain;
    const auto labels = w.Labels();
    const auto [net, fee] = w.TxAmounts(*wtx.tx);
    int depth = 0;
    const BlockIndex* tip = node.chainman->Tip();
    if (wtx.height >= 0 && tip) depth = tip->height - wtx.height + 1;
    auto common = [&](JsonValue& e) {
        e.PushKV("confirmations", depth);
        if (wtx.tx->IsCoinBase()) e.PushKV("generated", true);
        if (wtx.height >= 0) {
            e.PushKV("blockhash", wtx.block_hash.GetHex());
            e.PushKV("blockheight", wtx.height);
            e.PushKV("blocktime", wtx.block_time);
        } else {
            e.PushKV("trusted", fee.has_value());
        }
        e.PushKV("txid", wtx.tx->GetHash().GetHex());
        e.PushKV("wtxid", wtx.tx->GetWitnessHash().GetHex());
        e.PushKV("walletconflicts", JsonValue::Array());
        e.PushKV("time", wtx.height >= 0 ? std::min(wtx.time_received, wtx.block_time) : wtx.time_received);
        e.PushKV("timereceived", wtx.time_received);
        e.PushKV("bip125-replaceable", wtx.height >= 0 ? "no" : "unknown");
    };
    const bool from_me = fee.has_value();
    for (size_t i = 0; i < wtx.tx->vout.size(); ++i) {
        const TxOut& o = wtx.tx->vout[i];
        const bool mine = w.IsMine(o.script_pubkey);
        const std::string address = EncodeScriptAddress(o.script_pubkey, chain);
        auto l = labels.find(address);
        if (from_me && (!mine || include_change)) {
            // Change (ours, unlabelled, internal) is not a payment.
            const auto origin = w.ScriptOrigin(o.script_pubkey);
            bool change = false;
            if (mine && origin) {
                for (const WalletDescriptor* d : w.Descriptors()) change |= d->id == origin->first && d->internal;
            }
            if (!mine || (include_change && change)) {
                if (!label || (l != labels.end() && l->second == *label)) {
                    JsonValue e = JsonValue::Object();
                    if (!address.empty()) e.PushKV("address", address);
                    e.PushKV("category", "send");
                    e.PushKV("amount", ValueFromAmount(-o.value));
                    if (l != labels.end()) e.PushKV("label", l->second);
                    e.PushKV("vout", static_cast<int64_t>(i));
                    e.PushKV("fee", ValueFromAmount(-*fee));
                    e.PushKV("abandoned", false);
                    common(e);
                    out.PushBack(e);
                }
            }
        }
        if (!mine) continue;
        if (from_me && !include_change) {
            const auto origin = w.ScriptOrigin(o.script_pubkey);
            bool change = false;
            if (origin) {
                for (const WalletDescriptor* d : w.Descriptors()) change |= d->id == origin->first && d->internal;
            }
            if (change) continue;
        }
        if (label && (l == labels.end() || l->second != *label)) continue;
        JsonValue e = JsonValue::Object();
        if (!address.empty()) e.PushKV("address", address);
        std::string category = "receive";
        if (wtx.tx->IsCoinBase()) category = depth < 1 ? "orphan" : depth <= 100 ? "immature" : "generate";
        e.PushKV("category", category);
        e.PushKV("amount", ValueFromAmount(o.value));
        if (l != labels.end()) e.PushKV("label", l->second);
        e.PushKV("vout", static_cast<int64_t>(i));
        common(e);
        out.PushBack(e);
    }
}

RpcMethod ListSinceBlock(WalletManager& wallets, NodeContext& node)
{
    return RpcMethod{
        "listsinceblock",
        "Get all transactions in blocks since block [blockhash], or all transactions if omitted.\n"
        "If \"blockhash\" is no longer a part of the main chain, transactions from the fork point onward are included.\n"
        "Additionally, if include_removed is set, transactions affecting the wallet which were removed are returned in the \"removed\" array.\n",
        {Arg{"blockhash", Arg::Type::STR, Arg::Optional::OMITTED, "If set, the block hash to list transactions since, otherwise list all transactions."},
         Arg{"target_confirmations", Arg::Type::NUM, Arg::Default{1}, "Return the nth block hash from the main chain. e.g. 1 would mean the best block hash. Note: this is not used as a filter, but only affects [lastblock] in the return value"},
         Arg{"include_watchonly", Arg::Type::BOOL, Arg::Default{true}, "(DEPRECATED) No longer used"},
         Arg{"include_removed", Arg::Type::BOOL, Arg::Default{true}, "Show transactions that were removed due to a reorg in the \"removed\" array\n(not guaranteed to work on pruned nodes)"},
         Arg{"include_change", Arg::Type::BOOL, Arg::Default{false}, "Also add entries for change outputs.\n"},
         Arg{"label", Arg::Type::STR, Arg::Optional::OMITTED, "Return only incoming transactions paying to addresses with the specified label.\n"}},
        {Res{Res::Type::OBJ, "", "", {Res{Res::Type::ARR, "transactions", "", {Res{Res::Type::OBJ, "", ""}}},
                                      Res{Res::Type::ARR, "removed", true, "<structure is the same as \"transactions\" above, only present if include_removed=true>\nNote: transactions that were re-added in the active chain will appear as-is in this array, and may thus have a positive confirmation count.", {Res{Res::Type::OBJ, "", ""}}},
                                      Res{Res::Type::STR_HEX, "lastblock", "The hash of the block (target_confirmations-1) from the best block on the main chain, or the genesis hash if the referenced block does not exist yet. This is typically used to feed back into listsinceblock the next time you call it. So you would generally use a target_confirmations of say 6, so you will be continually re-notified of transactions until they've reached 6 confirmations plus any new ones"}}}},
        HelpExampleCli("listsinceblock", "\"000000000000000bacf66f7497b7dc45ef753ee9a7d38764c6d2a91c6c8d4c4d\" 6"),
        [&wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletForRequest(wallets, req);
            const auto& p = req.params;
            int target = 1;
            if (p.size() > 1 && !p[1].IsNull()) {
                target = JsonGetInt(p[1]);
                if (target < 1) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter");
            }
            const bool include_removed = p.size() <= 3 || p[3].IsNull() || JsonGetBool(p[3]);
            const bool include_change = p.size() > 4 && !p[4].IsNull() && JsonGetBool(p[4]);
            std::optional<std::string> label;
            if (p.size() > 5 && !p[5].IsNull()) label = JsonGetStr(p[5]);

            ChainstateManager& cm = *node.chainman;
            std::lock_guard lock(cm.Mutex());
            const BlockIndex* tip = cm.Tip();
            int since_height = -1;  // list transactions in blocks above this height (and unconfirmed ones)
            std::vector<const BlockIndex*> removed_blocks;
            if (p.size() > 0 && !p[0].IsNull()) {
                const uint256 hash = ParseHashV(p[0], "blockhash");
                const BlockIndex* since = cm.LookupBlockIndex(hash);
                if (!since) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Block not found");
                // A block off the active chain: its branch down to the fork point was removed.
                while (since && cm.Chain()[since->height] != since) {
                    removed_blocks.push_back(since);
                    since = since->pprev;
                }
                since_height = since ? since->height : -1;
            }
            JsonValue txs = JsonValue::Array();
            for (const WalletTx& wtx : w->Transactions()) {
                if (wtx.height >= 0 && wtx.height <= since_height) continue;
                TxDetails(*w, wtx, node, include_change, label ? &*label : nullptr, txs);
            }
            JsonValue removed = JsonValue::Array();
            if (include_removed) {
                for (const BlockIndex* b : removed_blocks) {
                    auto block = cm.ReadBlock(*b);
                    if (!block) continue;
                    for (const TransactionRef& tx : block->vtx) {
                        // Only what the wallet still knows (its own record may now be unconfirmed or re-mined).
                        if (auto wtx = w->GetTx(tx->GetHash())) {
                            TxDetails(*w, *wtx, node, include_change, label ? &*label : nullptr, removed);
                        }
                    }
                }
            }
            const int last_height = tip ? tip->height + 1 - target : -1;
            const BlockIndex* last = last_height >= 0 ? cm.Chain()[last_height] : cm.Chain()[0];
            JsonValue r = JsonValue::Object();
            r.PushKV("transactions", txs);
            if (include_removed) r.PushKV("removed", removed);
            r.PushKV("lastblock", last ? last->GetBlockHash().GetHex() : uint256().GetHex());
            return r;
        }};
}

// ---- raw transaction signing ------------------------------------------------------------------------------

std::optional<int> ParseSighash(const JsonValue& v)
{
    if (v.IsNull()) return std::nullopt;
    static const std::map<std::string, int> map{
        {"DEFAULT", SIGHASH_DEFAULT}, {"ALL", SIGHASH_ALL}, {"NONE", SIGHASH_NONE}, {"SINGLE", SIGHASH_SINGLE},
        {"ALL|ANYONECANPAY", SIGHASH_ALL | SIGHASH_ANYONECANPAY},
        {"NONE|ANYONECANPAY", SIGHASH_NONE | SIGHASH_ANYONECANPAY},
        {"SINGLE|ANYONECANPAY", SIGHASH_SINGLE | SIGHASH_ANYONECANPAY}};
    const std::string s = JsonGetStr(v);
    auto it = map.find(s);
    if (it == map.end()) throw RpcError(RPC_INVALID_PARAMETER, "'" + s + "' is not a valid sighash parameter.");
    return it->second;
}

/** Keys and scripts to sign with: a key list (signrawtransactionwithkey) or the wallet's. */
struct Signers {
    SigningKeys keys;              // ECDSA (P2PK, P2PKH, multisig, P2SH, P2WPKH, P2WSH)
    std::vector<Key> key_list;     // for taproot key-path inputs through the PSBT signer
    std::vector<Script> scripts;
};

/** The outputs the inputs spend: prevtxs first (checked as Core's ParsePrevouts), then the chain and mempool. */
std::map<OutPoint, TxOut> FindCoins(NodeContext& node, const MutableTransaction& mtx, const JsonValue& prevtxs,
                                    Signers* signers, bool add_scripts)
{
    std::map<OutPoint, TxOut> coins;
    if (prevtxs.IsArray()) {
        for (const JsonValue& p : prevtxs.values()) {
            if (!p.IsObject()) throw RpcError(RPC_DESERIALIZATION_ERROR, "expected object with {\"txid'\",\"vout\",\"scriptPubKey\"}");
            RpcTypeCheckObj(p, {{"txid", {false, JsonValue::Type::STR}}, {"vout", {false, JsonValue::Type::NUM}},
                                {"scriptPubKey", {false, JsonValue::Type::STR}}});
            const uint256 txid = ParseHashO(p, "txid");
            const int vout = JsonGetInt(p["vout"]);
            if (vout < 0) throw RpcError(RPC_DESERIALIZATION_ERROR, "vout cannot be negative");
            const Script spk(ParseHexO(p, "scriptPubKey"));
            Amount amount = -1;  // unknown: segwit signing then fails with Core's "Missing amount"
            if (p.Exists("amount")) amount = AmountFromValue(p["amount"]);
            coins[OutPoint(txid, static_cast<uint32_t>(vout))] = TxOut(amount, spk);
            if (add_scripts && signers) {
                for (const char* field : {"redeemScript", "witnessScript"}) {
                    if (p.Exists(field)) {
                        const Script s(ParseHexO(p, field));
                        signers->keys.AddScript(s);
                        signers->scripts.push_back(s);
                    }
                }
            }
        }
    }
    std::lock_guard lock(node.chainman->Mutex());
    std::lock_guard mlock(node.mempool->m_mutex);
    CoinsViewMemPool view(&node.chainman->CoinsTip(), *node.mempool);
    for (const TxIn& in : mtx.vin) {
        if (coins.count(in.prevout)) continue;
        if (auto coin = view.GetCoin(in.prevout); coin && !coin->IsSpent()) coins[in.prevout] = coin->out;
    }
    return coins;
}

/** Core's SignTransaction: signs what it can, merging with signatures already present, and reports per input. */
JsonValue SignTransaction(MutableTransaction& mtx, const std::map<OutPoint, TxOut>& coins, const Signers& signers,
                          int sighash)
{
    std::vector<TxOut> spent;
    bool all_known = true;
    for (const TxIn& in : mtx.vin) {
        auto it = coins.find(in.prevout);
        all_known &= it != coins.end();
        spent.push_back(it != coins.end() ? it->second : TxOut());
    }
    // Taproot key path through the PSBT signer (it needs every spent output for the BIP341 sighash).
    if (all_known) {
        Psbt psbt(mtx, 0);
        for (auto& in : psbt.inputs) in.final_script_sig = Script(), in.final_script_witness = ScriptWitness();
        PsbtKeyStore store;
        for (const Key& k : signers.key_list) store.AddKey(k);
        bool any_taproot = false;
        for (size_t i = 0; i < mtx.vin.size(); ++i) {
            psbt.inputs[i].witness_utxo = spent[i];
            int version = 0;
            std::vector<uint8_t> program;
            if (spent[i].script_pubkey.IsWitnessProgram(version, program) && version == 1 && program.size() == 32) {
                any_taproot = true;
                for (const Key& k : signers.key_list) {
                    const XOnlyPubKey internal = k.GetXOnlyPubKey();
                    auto tweaked = internal.CreateTapTweak(nullptr);
                    if (tweaked && std::equal(tweaked->first.begin(), tweaked->first.end(), program.begin())) {
                        psbt.inputs[i].tap_internal_key = internal;
                    }
                }
            }
        }
        if (any_taproot) {
            if (auto txdata = PrecomputePsbtData(psbt)) {
                for (unsigned int i = 0; i < mtx.vin.size(); ++i) {
                    int version = 0;
                    std::vector<uint8_t> program;
                    if (!spent[i].script_pubkey.IsWitnessProgram(version, program) || version != 1) continue;
                    if (!mtx.vin[i].witness.IsNull()) continue;
                    SignPsbtInput(store, psbt, i, &*txdata, sighash, true);
                    if (PsbtInputSigned(psbt.inputs[i])) mtx.vin[i].witness = psbt.inputs[i].final_script_witness;
                }
            }
        }
    }
    const int ecdsa_hash = sighash == SIGHASH_DEFAULT ? SIGHASH_ALL : sighash;
    JsonValue errors = JsonValue::Array();
    PrecomputedTransactionData txdata;
    {
        const Transaction tx(mtx);
        if (all_known) txdata.Init(tx, std::vector<TxOut>(spent));
    }
    auto add_error = [&](size_t i, const std::string& msg) {
        JsonValue e = JsonValue::Object();
        e.PushKV("txid", mtx.vin[i].prevout.hash.GetHex());
        e.PushKV("vout", static_cast<int64_t>(mtx.vin[i].prevout.n));
        JsonValue wit = JsonValue::Array();
        for (const auto& item : mtx.vin[i].witness.stack) wit.PushBack(HexStr(item));
        e.PushKV("witness", wit);
        e.PushKV("scriptSig", HexStr(mtx.vin[i].script_sig));
        e.PushKV("sequence", static_cast<int64_t>(mtx.vin[i].sequence));
        e.PushKV("error", msg);
        errors.PushBack(e);
    };
    for (size_t i = 0; i < mtx.vin.size(); ++i) {
        auto it = coins.find(mtx.vin[i].prevout);
        if (it == coins.end()) {
            add_error(i, "Input not found or already spent");
            continue;
        }
        const TxOut& prev = it->second;
        int version = 0;
        std::vector<uint8_t> program;
        const bool taproot = prev.script_pubkey.IsWitnessProgram(version, program) && version == 1;
        // SIGHASH_SINGLE without a matching output signs nothing (Core leaves such inputs unsigned).
        const bool single_missing = (sighash & ~SIGHASH_ANYONECANPAY) == SIGHASH_SINGLE && i >= mtx.vout.size();
        if (!taproot && !single_missing && prev.value >= 0) {
            SignTxInput(mtx, static_cast<unsigned int>(i), prev, signers.keys, ecdsa_hash);
        }
        if (prev.value < 0 && (!mtx.vin[i].witness.IsNull() || !program.empty())) {
            add_error(i, "Missing amount");
            continue;
        }
        const Transaction tx(mtx);
        const TransactionSignatureChecker checker(&tx, static_cast<unsigned int>(i), prev.value, txdata,
                                                  MissingDataBehavior::FAIL);
        ScriptError err = SCRIPT_ERR_OK;
        if (!VerifyScript(tx.vin[i].script_sig, prev.script_pubkey, &tx.vin[i].witness, StandardScriptVerifyFlags(),
                          checker, &err)) {
            if (err == SCRIPT_ERR_INVALID_STACK_OPERATION) {
                add_error(i, "Unable to sign input, invalid stack size (possibly missing key)");
            } else if (err == SCRIPT_ERR_SIG_NULLFAIL) {
                add_error(i, "Signature must be zero for failed CHECK(MULTI)SIG operation");
            } else {
                add_error(i, ScriptErrorString(err));
            }
        }
    }
    JsonValue r = JsonValue::Object();
    r.PushKV("hex", HexStr(EncodeTransaction(mtx)));
    r.PushKV("complete", errors.size() == 0);
    if (errors.size() > 0) r.PushKV("errors", errors);
    return r;
}

MutableTransaction DecodeTxParam(const JsonValue& v)
{
    const auto bytes = TryParseHex(JsonGetStr(v));
    if (!bytes) throw RpcError(RPC_DESERIALIZATION_ERROR, "TX decode failed. Make sure the tx has at least one input.");
    auto decoded = DecodeTransaction(*bytes, true, true);
    if (!decoded || decoded->vin.empty()) {
        throw RpcError(RPC_DESERIALIZATION_ERROR, "TX decode failed. Make sure the tx has at least one input.");
    }
    return *decoded.value;
}

const std::vector<RpcResult>& SignResultDoc()
{
    static const std::vector<RpcResult> doc{Res{Res::Type::OBJ, "", "", {
        Res{Res::Type::STR_HEX, "hex", "The hex-encoded raw transaction with signature(s)"},
        Res{Res::Type::BOOL, "complete", "If the transaction has a complete set of signatures"},
        Res{Res::Type::ARR, "errors", true, "Script verification errors (if there are any)", {Res{Res::Type::OBJ, "", ""}}}}}};
    return doc;
}

RpcMethod SignRawTransactionWithKey(NodeContext& node)
{
    return RpcMethod{
        "signrawtransactionwithkey",
        "Sign inputs for raw transaction (serialized, hex-encoded).\nThe second argument is an array of base58-encoded private\nkeys that will be the only keys used to sign the transaction.\nThe third optional argument (may be null) is an array of previous transaction outputs that\nthis transaction depends on but may not yet be in the block chain.\n",
        {Arg{"hexstring", Arg::Type::STR, Arg::Optional::NO, "The transaction hex string"},
         Arg{"privkeys", Arg::Type::ARR, Arg::Optional::NO, "The base58-encoded private keys for signing", {Arg{"privatekey", Arg::Type::STR_HEX, Arg::Optional::OMITTED, "private key in base58-encoding"}}},
         Arg{"prevtxs", Arg::Type::ARR, Arg::Optional::OMITTED, "The previous dependent transaction outputs", {Arg{"", Arg::Type::OBJ, Arg::Optional::OMITTED, ""}}},
         Arg{"sighashtype", Arg::Type::STR, Arg::Default{"DEFAULT for Taproot, ALL otherwise"}, "The signature hash type. Must be one of:\n       \"DEFAULT\"\n       \"ALL\"\n       \"NONE\"\n       \"SINGLE\"\n       \"ALL|ANYONECANPAY\"\n       \"NONE|ANYONECANPAY\"\n       \"SINGLE|ANYONECANPAY\"\n"}},
        SignResultDoc(),
        HelpExampleCli("signrawtransactionwithkey", "\"myhex\" \"[\\\"key1\\\",\\\"key2\\\"]\""),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            MutableTransaction mtx = DecodeTxParam(req.params[0]);
            Signers signers;
            for (const JsonValue& k : req.params[1].values()) {
                const Key key = DecodeSecret(JsonGetStr(k), node.params->chain);
                if (!key.IsValid()) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Invalid private key");
                signers.keys.AddKey(key);
                signers.key_list.push_back(key);
            }
            const int sighash = ParseSighash(req.params.size() > 3 ? req.params[3] : JsonValue()).value_or(SIGHASH_DEFAULT);
            auto coins = FindCoins(node, mtx, req.params.size() > 2 ? req.params[2] : JsonValue(), &signers, true);
            return SignTransaction(mtx, coins, signers, sighash);
        }};
}

RpcMethod SignRawTransactionWithWallet(WalletManager& wallets, NodeContext& node)
{
    return RpcMethod{
        "signrawtransactionwithwallet",
        "Sign inputs for raw transaction (serialized, hex-encoded).\nThe second optional argument (may be null) is an array of previous transaction outputs that\nthis transaction depends on but may not yet be in the block chain.\nRequires wallet passphrase to be set with walletpassphrase call if wallet is encrypted.\n",
        {Arg{"hexstring", Arg::Type::STR, Arg::Optional::NO, "The transaction hex string"},
         Arg{"prevtxs", Arg::Type::ARR, Arg::Optional::OMITTED, "The previous dependent transaction outputs", {Arg{"", Arg::Type::OBJ, Arg::Optional::OMITTED, ""}}},
         Arg{"sighashtype", Arg::Type::STR, Arg::Default{"DEFAULT for Taproot, ALL otherwise"}, "The signature hash type."}},
        SignResultDoc(),
        HelpExampleCli("signrawtransactionwithwallet", "\"myhex\""),
        [&wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletForRequest(wallets, req);
            MutableTransaction mtx = DecodeTxParam(req.params[0]);
            if (w->IsLocked()) {
                throw RpcError(RPC_WALLET_UNLOCK_NEEDED, "Error: Please enter the wallet passphrase with walletpassphrase first.");
            }
            const int sighash = ParseSighash(req.params.size() > 2 ? req.params[2] : JsonValue()).value_or(SIGHASH_DEFAULT);
            Signers signers;
            auto coins = FindCoins(node, mtx, req.params.size() > 1 ? req.params[1] : JsonValue(), &signers, false);
            // The wallet's own transactions know outputs the chain may not (unconfirmed, not in the mempool).
            for (const TxIn& in : mtx.vin) {
                if (coins.count(in.prevout)) continue;
                if (auto wtx = w->GetTx(in.prevout.hash); wtx && in.prevout.n < wtx->tx->vout.size()) {
                    coins[in.prevout] = wtx->tx->vout[in.prevout.n];
                }
            }
            for (const auto& [outpoint, out] : coins) {
                auto provider = w->GetSigningProvider(out.script_pubkey, true);
                if (!provider) continue;
                for (const auto& [id, key] : provider->keys) {
                    signers.keys.AddKey(key);
                    signers.key_list.push_back(key);
                }
                for (const auto& [id, script] : provider->scripts) signers.keys.AddScript(script);
            }
            return SignTransaction(mtx, coins, signers, sighash);
        }};
}

RpcMethod DescriptorProcessPsbt(NodeContext& node)
{
    return RpcMethod{
        "descriptorprocesspsbt",
        "Update all segwit inputs in a PSBT with information from output descriptors, the UTXO set or the mempool. \nThen, sign the inputs we are able to with information from the output descriptors. ",
        {Arg{"psbt", Arg::Type::STR, Arg::Optional::NO, "The transaction base64 string"},
         Arg{"descriptors", Arg::Type::ARR, Arg::Optional::NO, "An array of either strings or objects", {Arg{"", Arg::Type::STR, Arg::Optional::OMITTED, "An output descriptor"}}},
         Arg{"sighashtype", Arg::Type::STR, Arg::Default{"DEFAULT for Taproot, ALL otherwise"}, "The signature hash type to sign with if not specified by the PSBT."},
         Arg{"bip32derivs", Arg::Type::BOOL, Arg::Default{true}, "Include BIP 32 derivation paths for public keys if we know them"},
         Arg{"finalize", Arg::Type::BOOL, Arg::Default{true}, "Also finalize inputs if possible"}},
        {Res{Res::Type::OBJ, "", "", {Res{Res::Type::STR, "psbt", "The base64-encoded partially signed transaction"},
                                      Res{Res::Type::BOOL, "complete", "If the transaction has a complete set of signatures"},
                                      Res{Res::Type::STR_HEX, "hex", true, "The hex-encoded network transaction if complete"}}}},
        HelpExampleCli("descriptorprocesspsbt", "\"psbt\" \"[\\\"descriptor1\\\", \\\"descriptor2\\\"]\""),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto decoded = DecodeBase64Psbt(JsonGetStr(req.params[0]));
            if (!decoded.psbt) throw RpcError(RPC_DESERIALIZATION_ERROR, "TX decode failed " + decoded.error);
            Psbt psbt = *decoded.psbt;
            const Chain chain = node.params->chain;
            // Core's EvalDescriptorStringOrObject: a string (range 0..1000 when ranged) or {desc, range}.
            FlatSigningProvider provider;
            for (const JsonValue& d : req.params[1].values()) {
                std::string text;
                int64_t begin = 0, end = 1000;
                if (d.IsStr()) {
                    text = d.GetValStr();
                } else if (d.IsObject()) {
                    text = JsonGetStr(d["desc"]);
                    if (d.Exists("range")) {
                        const JsonValue& r = d["range"];
                        if (r.IsNum()) {
                            end = JsonGetInt64(r);
                        } else if (r.IsArray() && r.size() == 2) {
                            begin = JsonGetInt64(r[0]);
                            end = JsonGetInt64(r[1]);
                        }
                        if (begin < 0 || end < begin) throw RpcError(RPC_INVALID_PARAMETER, "Range should be greater or equal than 0");
                    }
                } else {
                    throw RpcError(RPC_INVALID_PARAMETER, "Invalid descriptor, must be a string or object");
                }
                std::string error;
                auto descs = ParseDescriptor(text, chain, error, false);
                if (descs.empty()) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, error);
                for (const auto& desc : descs) {
                    const int64_t last = desc->IsRange() ? end : begin;
                    for (int64_t i = begin; i <= last; ++i) {
                        std::vector<Script> scripts;
                        desc->Expand(static_cast<int>(i), scripts, provider);
                        desc->ExpandPrivate(static_cast<int>(i), provider);
                    }
                }
            }
            const std::optional<int> sighash = ParseSighash(req.params.size() > 2 ? req.params[2] : JsonValue());
            const bool bip32 = req.params.size() <= 3 || req.params[3].IsNull() || JsonGetBool(req.params[3]);
            const bool finalize = req.params.size() <= 4 || req.params[4].IsNull() || JsonGetBool(req.params[4]);
            // UTXOs of segwit inputs from the chain and mempool (Core's descriptorprocesspsbt does the same).
            auto unsigned_tx = psbt.GetUnsignedTx();
            if (!unsigned_tx) throw RpcError(RPC_DESERIALIZATION_ERROR, "TX decode failed");
            {
                std::lock_guard lock(node.chainman->Mutex());
                std::lock_guard mlock(node.mempool->m_mutex);
                CoinsViewMemPool view(&node.chainman->CoinsTip(), *node.mempool);
                for (size_t i = 0; i < psbt.inputs.size(); ++i) {
                    PsbtInput& in = psbt.inputs[i];
                    if (in.non_witness_utxo || !in.witness_utxo.IsNull()) continue;
                    auto coin = view.GetCoin(unsigned_tx->vin[i].prevout);
                    if (!coin || coin->IsSpent()) continue;
                    int v = 0;
                    std::vector<uint8_t> prog;
                    if (coin->out.script_pubkey.IsWitnessProgram(v, prog) || coin->out.script_pubkey.IsPayToScriptHash()) {
                        in.witness_utxo = coin->out;
                    }
                }
            }
            PsbtKeyStore store;
            for (const auto& [id, key] : provider.keys) store.AddKey(key);
            for (const auto& [id, script] : provider.scripts) store.AddScript(script);
            for (const auto& [id, origin] : provider.origins) store.AddPubKey(origin.first, origin.second);
            for (size_t i = 0; i < psbt.inputs.size(); ++i) {
                PsbtInput& in = psbt.inputs[i];
                TxOut utxo;
                if (!in.GetUTXO(utxo)) continue;
                int v = 0;
                std::vector<uint8_t> prog;
                if (utxo.script_pubkey.IsWitnessProgram(v, prog) && v == 1 && prog.size() == 32 &&
                    in.tap_internal_key == XOnlyPubKey()) {
                    for (const auto& [output_key, tree] : provider.tr_trees) {
                        if (std::equal(output_key.begin(), output_key.end(), prog.begin()) && tree.leaves.empty()) {
                            in.tap_internal_key = tree.internal_key;
                        }
                    }
                }
                int version = 0;
                std::vector<uint8_t> program;
                if (utxo.script_pubkey.IsWitnessProgram(version, program) && version == 0 && program.size() == 32 &&
                    in.witness_script.empty()) {
                    for (const auto& [id, script] : provider.scripts) {
                        uint256 h;
                        Sha256().Write(script.data(), script.size()).Finalize(h.data());
                        if (std::equal(h.begin(), h.end(), program.begin())) in.witness_script = script;
                    }
                }
            }
            auto txdata = PrecomputePsbtData(psbt);
            bool complete = true;
            for (unsigned int i = 0; i < psbt.inputs.size(); ++i) {
                if (PsbtInputSigned(psbt.inputs[i])) continue;
                const PsbtError e = SignPsbtInput(store, psbt, i, txdata ? &*txdata : nullptr, sighash, finalize,
                                                  nullptr, bip32);
                if (e == PsbtError::SIGHASH_MISMATCH) {
                    throw RpcError(RPC_DESERIALIZATION_ERROR, "Specified sighash value does not match value stored in PSBT");
                }
                complete &= PsbtInputSigned(psbt.inputs[i]);
            }
            for (unsigned int i = 0; i < psbt.outputs.size(); ++i) UpdatePsbtOutput(store, psbt, i);
            RemoveUnnecessaryTransactions(psbt);
            JsonValue r = JsonValue::Object();
            r.PushKV("psbt", EncodeBase64Psbt(psbt));
            r.PushKV("complete", complete);
            if (complete) {
                MutableTransaction tx;
                Psbt copy = psbt;
                if (FinalizeAndExtractPsbt(copy, tx)) r.PushKV("hex", HexStr(EncodeTransaction(tx)));
            }
            return r;
        }};
}

}  // namespace

void RegisterWalletMoreRpcCommands(RpcTable& table, NodeContext& node, WalletManager& wallets)
{
    table.Register("wallet", BackupWallet(wallets));
    table.Register("wallet", RestoreWallet(wallets));
    table.Register("wallet", AbortRescan(wallets));
    table.Register("wallet", ListSinceBlock(wallets, node));
    table.Register("wallet", SignRawTransactionWithWallet(wallets, node));
    table.Register("rawtransactions", SignRawTransactionWithKey(node));
    table.Register("rawtransactions", DescriptorProcessPsbt(node));
}
