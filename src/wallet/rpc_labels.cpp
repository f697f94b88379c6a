// Label RPCs: Core's setlabel, listlabels and getaddressesbylabel, and BIP329 label export/import (exportlabels,
// importlabels) as JSON lines.
#include "wallet/rpc.h"

#include "address/destination.h"
#include "rpc/protocol.h"
#include "rpc/util.h"
#include "util/strencodings.h"
#include "wallet/wallet.h"

#include <set>

std::shared_ptr<Wallet> WalletForRequest(WalletManager& wallets, const JsonRpcRequest& req);

namespace {
using Arg = RpcArg;
using Res = RpcResult;

/** Core's LabelFromValue: "*" is reserved (it means "all labels" in listtransactions). */
std::string LabelFromValue(const JsonValue& v)
{
    const std::string label = JsonGetStr(v);
    if (label == "*") throw RpcError(RPC_WALLET_INVALID_LABEL_NAME, "Invalid label name");
    return label;
}

/** Core's address book purpose: our addresses are "receive", others "send". */
std::string Purpose(const Wallet& w, const std::string& address, Chain chain)
{
    const Destination dest = DecodeDestination(address, chain);
    return IsValidDestination(dest) && w.IsMine(GetScriptForDestination(dest)) ? "receive" : "send";
}

RpcMethod SetLabel(WalletManager& wallets, NodeContext& node)
{
    return RpcMethod{
        "setlabel", "Sets the label associated with the given address.\n",
        {Arg{"address", Arg::Type::STR, Arg::Optional::NO, "The bitcoin address to be associated with a label."},
         Arg{"label", Arg::Type::STR, Arg::Optional::NO, "The label to assign to the address."}},
        {Res{Res::Type::NONE, "", ""}},
        HelpExampleCli("setlabel", "\"bc1q09vm5lfy0j5reeulh4x5752q25uqqvz34hufdl\" \"tabby\""),
        [&wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletForRequest(wallets, req);
            const std::string address = JsonGetStr(req.params[0]);
            const Destination dest = DecodeDestination(address, node.params->chain);
            if (!IsValidDestination(dest)) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Invalid Bitcoin address");
            const std::string label = LabelFromValue(req.params[1]);
            // Stored under the canonical encoding (bech32 in lower case), as Core's address book keys by destination.
            w->SetLabel(EncodeDestination(dest, node.params->chain), label);
            return JsonValue();
        }};
}

RpcMethod ListLabels(WalletManager& wallets, NodeContext& node)
{
    return RpcMethod{
        "listlabels", "Returns the list of all labels, or labels that are assigned to addresses with a specific purpose.\n",
        {Arg{"purpose", Arg::Type::STR, Arg::Optional::OMITTED, "Address purpose to list labels for ('send','receive'). An empty string is the same as not providing this argument."}},
        {Res{Res::Type::ARR, "", "", {Res{Res::Type::STR, "label", "Label name"}}}},
        HelpExampleCli("listlabels", "receive"),
        [&wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletForRequest(wallets, req);
            std::string purpose;
            if (req.params.size() > 0 && !req.params[0].IsNull()) purpose = JsonGetStr(req.params[0]);
            if (!purpose.empty() && purpose != "send" && purpose != "receive" && purpose != "refund") {
                throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Invalid 'purpose' argument, must be a known purpose string, typically 'send', or 'receive'.");
            }
            std::set<std::string> labels;
            for (const auto& [address, label] : w->Labels()) {
                if (purpose.empty() || Purpose(*w, address, node.params->chain) == purpose) labels.insert(label);
            }
            JsonValue r = JsonValue::Array();
            for (const auto& l : labels) r.PushBack(l);
            return r;
        }};
}

RpcMethod GetAddressesByLabel(WalletManager& wallets, NodeContext& node)
{
    return RpcMethod{
        "getaddressesbylabel", "Returns the list of addresses assigned the specified label.\n",
        {Arg{"label", Arg::Type::STR, Arg::Optional::NO, "The label."}},
        {Res{Res::Type::OBJ_DYN, "", "json object with addresses as keys",
             {Res{Res::Type::OBJ, "address", "json object with information about address",
                  {Res{Res::Type::STR, "purpose", "Purpose of address (\"send\" for sending address, \"receive\" for receiving address)"}}}}}},
        HelpExampleCli("getaddressesbylabel", "\"tabby\""),
        [&wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletForRequest(wallets, req);
            const std::string label = LabelFromValue(req.params[0]);
            JsonValue r = JsonValue::Object();
            for (const auto& [address, l] : w->Labels()) {
                if (l != label) continue;
                JsonValue o = JsonValue::Object();
                o.PushKV("purpose", Purpose(*w, address, node.params->chain));
                r.PushKV(address, o);
            }
            if (r.size() == 0) throw RpcError(RPC_WALLET_INVALID_LABEL_NAME, "No addresses with label " + label);
            return r;
        }};
}

// ---- BIP329 ----------------------------------------------------------------------------------------------

const std::set<std::string>& Bip329Types()
{
    static const std::set<std::string> types{"tx", "addr", "pubkey", "input", "output", "xpub"};
    return types;
}

RpcMethod ExportLabels(WalletManager& wallets)
{
    return RpcMethod{
        "exportlabels",
        "Exports the wallet's labels in the BIP329 format: one JSON object per line with type (tx, addr, pubkey,\n"
        "input, output, xpub), ref, label, and origin and spendable when known.\n",
        {},
        {Res{Res::Type::STR, "", "The labels as JSON lines (BIP329)"}},
        HelpExampleCli("exportlabels", "") + "> labels.jsonl\n",
        [&wallets](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletForRequest(wallets, req);
            std::string out;
            for (const auto& [address, label] : w->Labels()) {
                JsonValue o = JsonValue::Object();
                o.PushKV("type", "addr");
                o.PushKV("ref", address);
                o.PushKV("label", label);
                out += o.Write() + "\n";
            }
            for (const auto& [key, l] : w->RefLabels()) {
                JsonValue o = JsonValue::Object();
                o.PushKV("type", key.first);
                o.PushKV("ref", key.second);
                if (!l.label.empty() || !l.spendable) o.PushKV("label", l.label);
                if (l.origin) o.PushKV("origin", *l.origin);
                if (l.spendable) o.PushKV("spendable", *l.spendable);
                out += o.Write() + "\n";
            }
            return out;
        }};
}

/** One BIP329 record, checked; nullopt and *error for lines an importer must refuse. */
struct Bip329Record {
    std::string type, ref, label;
    std::optional<std::string> origin;
    std::optional<bool> spendable;
    bool has_label{false};
};

std::optional<Bip329Record> ParseBip329Line(std::string_view line, Chain chain, bool* unknown_type, std::string* error)
{
    *unknown_type = false;
    auto v = JsonValue::Parse(line);
    if (!v || !v->IsObject()) {
        *error = "not a JSON object";
        return std::nullopt;
    }
    const JsonValue& type = (*v)["type"];
    const JsonValue& ref = (*v)["ref"];
    if (!type.IsStr() || !ref.IsStr() || ref.GetValStr().empty()) {
        *error = "type and ref must be strings";
        return std::nullopt;
    }
    Bip329Record r;
    r.type = type.GetValStr();
    r.ref = ref.GetValStr();
    if (!Bip329Types().count(r.type)) {
        *unknown_type = true;  // BIP329: importers ignore types they do not know
        return std::nullopt;
    }
    const JsonValue& label = (*v)["label"];
    if (!label.IsNull()) {
        if (!label.IsStr()) {
            *error = "label must be a string";
            return std::nullopt;
        }
        r.label = label.GetValStr();
        r.has_label = true;
    }
    const JsonValue& origin = (*v)["origin"];
    if (!origin.IsNull()) {
        if (!origin.IsStr()) {
            *error = "origin must be a string";
            return std::nullopt;
        }
        r.origin = origin.GetValStr();
    }
    const JsonValue& spendable = (*v)["spendable"];
    if (!spendable.IsNull()) {
        if (!spendable.IsBool() || r.type != "output") {
            *error = "spendable must be a boolean on an output";
            return std::nullopt;
        }
        r.spendable = spendable.GetBool();
    }
    if (r.type == "addr") {
        const Destination dest = DecodeDestination(r.ref, chain);
        if (!IsValidDestination(dest)) {
            *error = "invalid address for this network";
            return std::nullopt;
        }
        r.ref = EncodeDestination(dest, chain);
        if (r.label == "*") {
            *error = "Invalid label name";
            return std::nullopt;
        }
    } else if (r.type == "tx" || r.type == "input" || r.type == "output") {
        // tx: a txid; input/output: txid:index.
        const size_t colon = r.ref.find(':');
        const std::string txid = r.type == "tx" ? r.ref : r.ref.substr(0, colon);
        const bool index_ok = r.type == "tx" ? colon == std::string::npos
                                             : colon != std::string::npos && ParseUInt32(r.ref.substr(colon + 1));
        if (txid.size() != 64 || !uint256::FromHex(txid) || !index_ok) {
            *error = r.type == "tx" ? "ref must be a txid" : "ref must be txid:index";
            return std::nullopt;
        }
    }
    if (!r.has_label && !r.spendable) {
        *error = "a record needs a label (or spendable on an output)";
        return std::nullopt;
    }
    return r;
}

RpcMethod ImportLabels(WalletManager& wallets, NodeContext& node)
{
    return RpcMethod{
        "importlabels",
        "Imports BIP329 labels (JSON lines, as exportlabels writes). Address labels become the address book's\n"
        "labels (setlabel); the other types are kept and exported again. Unknown types are ignored, as BIP329 asks;\n"
        "a malformed line is reported and skipped. Later lines replace earlier ones for the same reference.\n",
        {Arg{"labels", Arg::Type::STR, Arg::Optional::NO, "The JSON lines"}},
        {Res{Res::Type::OBJ, "", "", {Res{Res::Type::NUM, "imported", "Records stored"},
                                      Res{Res::Type::NUM, "ignored", "Records of unknown types"},
                                      Res{Res::Type::ARR, "errors", "Malformed lines", {Res{Res::Type::STR, "", "line N: reason"}}}}}},
        HelpExampleCli("importlabels", "\"$(cat labels.jsonl)\""),
        [&wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletForRequest(wallets, req);
            const std::string text = JsonGetStr(req.params[0]);
            int64_t imported = 0, ignored = 0;
            JsonValue errors = JsonValue::Array();
            size_t line_no = 0;
            for (const std::string& raw : SplitString(text, '\n')) {
                ++line_no;
                std::string_view line = raw;
                while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
                if (line.empty()) continue;
                bool unknown = false;
                std::string error;
                auto rec = ParseBip329Line(line, node.params->chain, &unknown, &error);
                if (!rec) {
                    if (unknown) {
                        ++ignored;
                    } else {
                        errors.PushBack("line " + std::to_string(line_no) + ": " + error);
                    }
                    continue;
                }
                if (rec->type == "addr") {
                    w->SetLabel(rec->ref, rec->label);
                } else if (!w->SetRefLabel(rec->type, rec->ref, {rec->label, rec->origin, rec->spendable}, &error)) {
                    throw RpcError(RPC_DATABASE_ERROR, "Cannot store labels: " + error);
                }
                ++imported;
            }
            JsonValue r = JsonValue::Object();
            r.PushKV("imported", imported);
            r.PushKV("ignored", ignored);
            r.PushKV("errors", errors);
            return r;
        }};
}

}  // namespace

void RegisterWalletLabelRpcCommands(RpcTable& table, NodeContext& node, WalletManager& wallets)
{
    table.Register("wallet", SetLabel(wallets, node));
    table.Register("wallet", ListLabels(wallets, node));
    table.Register("wallet", GetAddressesByLabel(wallets, node));
    table.Register("wallet", ExportLabels(wallets));
    table.Register("wallet", ImportLabels(wallets, node));
}
