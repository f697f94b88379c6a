// Treasury ledger RPC commands; see ledger.h.
#include "rpc/ledger.h"

#include "ledger/ledger_json.h"
#include "rpc/protocol.h"
#include "rpc/util.h"
#include "util/fs_util.h"

#include <memory>

namespace {
using Arg = RpcArg;
using Res = RpcResult;
using Context = std::shared_ptr<const LedgerRpcContext>;

Ledger& GetLedger(const Context& ctx)
{
    Ledger* ledger = ctx->ledger ? ctx->ledger() : nullptr;
    if (!ledger) {
        throw RpcError(RPC_MISC_ERROR, "The treasury ledger is not enabled on this node (restart sovereignd with "
                                       "-ledger or -dashboard)");
    }
    return *ledger;
}

std::optional<CostMethod> ParseCostMethod(const std::string& s)
{
    if (s == "fifo") return CostMethod::FIFO;
    if (s == "average") return CostMethod::AVERAGE;
    return std::nullopt;
}

const std::vector<Res> ENTRY_FIELDS = {
    Res{Res::Type::NUM, "id", "The entry's number"},
    Res{Res::Type::STR, "date", "YYYY-MM-DD"},
    Res{Res::Type::STR, "kind", "purchase, mining, transfer_in, sale, payment, transfer_out or fee"},
    Res{Res::Type::STR, "amount_btc", "Bitcoin moved (decimal string)"},
    Res{Res::Type::STR, "fiat", "Fiat value (decimal string, two places)"},
    Res{Res::Type::STR, "currency", "ISO 4217 code"},
    Res{Res::Type::STR, "venue", "Exchange, desk, pool or counterparty"},
    Res{Res::Type::STR, "source", "Source of funds or purpose"},
    Res{Res::Type::STR_HEX, "txid", "The on-chain transaction (empty when none)"},
    Res{Res::Type::STR, "memo", "Free text"},
};

RpcMethod LedgerAddEntry(Context ctx)
{
    return RpcMethod{
        "ledgeraddentry",
        "Records an acquisition (purchase, mining, transfer_in), a disposal (sale, payment, transfer_out) or a fee in "
        "the treasury ledger, linked to its on-chain transaction when there is one. The entry is checked against the "
        "ledger's policy (limits, purchase schedule, freezes) and refused with the reason when it breaks it; an "
        "accepted entry is durable.\n",
        {Arg{"entry", Arg::Type::OBJ_USER_KEYS, Arg::Optional::NO, "The entry",
             {Arg{"kind", Arg::Type::STR, Arg::Optional::NO, "purchase, mining, transfer_in, sale, payment, transfer_out or fee"},
              Arg{"date", Arg::Type::STR, Arg::Optional::NO, "YYYY-MM-DD (UTC)"},
              Arg{"amount_btc", Arg::Type::AMOUNT, Arg::Optional::NO, "Bitcoin moved, > 0"},
              Arg{"fiat", Arg::Type::AMOUNT, Arg::Optional::OMITTED, "Fiat paid or received (two decimals)"},
              Arg{"currency", Arg::Type::STR, Arg::Optional::OMITTED, "ISO 4217 code (default: -currency)"},
              Arg{"venue", Arg::Type::STR, Arg::Optional::OMITTED, "Exchange, desk, pool or counterparty"},
              Arg{"source", Arg::Type::STR, Arg::Optional::OMITTED, "Source of funds (budget line) or purpose"},
              Arg{"txid", Arg::Type::STR_HEX, Arg::Optional::OMITTED, "The on-chain transaction"},
              Arg{"memo", Arg::Type::STR, Arg::Optional::OMITTED, "Free text"}}}},
        {Res{Res::Type::OBJ, "", "", {Res{Res::Type::NUM, "id", "The entry's number"}}}},
        HelpExampleCli("ledgeraddentry", R"('{"kind":"purchase","date":"2026-11-28","amount_btc":1,"fiat":"91234.50","venue":"National exchange","txid":"..."}')"),
        [ctx](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            Ledger& ledger = GetLedger(ctx);
            std::string error;
            auto entry = LedgerEntryFromJson(req.params[0], ctx->currency(), &error);
            if (!entry) throw RpcError(RPC_INVALID_PARAMETER, error);
            auto id = ledger.AddEntry(*entry, &error);
            if (!id) throw RpcError(RPC_MISC_ERROR, "Entry refused: " + error);
            if (ctx->audit) ctx->audit("ledger.add", "{\"entry\":" + std::to_string(*id) + "}");
            JsonValue r = JsonValue::Object();
            r.PushKV("id", *id);
            return r;
        }};
}

RpcMethod LedgerListEntries(Context ctx)
{
    return RpcMethod{
        "ledgerlistentries",
        "Lists every ledger entry in date order.\n",
        {},
        {Res{Res::Type::ARR, "", "", {Res{Res::Type::OBJ, "", "", ENTRY_FIELDS}}}},
        HelpExampleCli("ledgerlistentries", ""),
        [ctx](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
            JsonValue r = JsonValue::Array();
            for (const LedgerEntry& e : GetLedger(ctx).Entries()) r.PushBack(LedgerEntryToJson(e));
            return r;
        }};
}

RpcMethod LedgerReport(Context ctx)
{
    return RpcMethod{
        "ledgerreport",
        "Holdings, cost basis, realized and unrealized profit and loss at a date, marked to the imported price series. "
        "Fiat amounts are in minor units (cents).\n",
        {Arg{"date", Arg::Type::STR, Arg::DefaultHint{"today"}, "YYYY-MM-DD"},
         Arg{"method", Arg::Type::STR, Arg::Default{"fifo"}, "Cost basis: fifo or average"}},
        {Res{Res::Type::OBJ, "", "",
             {Res{Res::Type::NUM, "holdings_sat", "Bitcoin held (satoshis)"},
              Res{Res::Type::NUM, "cost_basis", "Cost of what is held"},
              Res{Res::Type::NUM, "realized", "Proceeds minus cost of what was disposed of"},
              Res{Res::Type::NUM, "price", true, "Price per BTC used (null without a price)"},
              Res{Res::Type::STR, "price_date", "The date of that price"},
              Res{Res::Type::NUM, "market_value", true, "Holdings at that price"},
              Res{Res::Type::NUM, "unrealized", true, "Market value minus cost basis"}}}},
        HelpExampleCli("ledgerreport", "2026-11-28 average"),
        [ctx](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            Ledger& ledger = GetLedger(ctx);
            const std::string date = req.params[0].IsNull() ? DateOf(ctx->now()) : JsonGetStr(req.params[0]);
            if (!ParseDate(date)) throw RpcError(RPC_INVALID_PARAMETER, "date must be YYYY-MM-DD");
            auto method = ParseCostMethod(req.params[1].IsNull() ? "fifo" : JsonGetStr(req.params[1]));
            if (!method) throw RpcError(RPC_INVALID_PARAMETER, "method must be fifo or average");
            return PnlReportToJson(ledger.Report(*method, date, ctx->currency()));
        }};
}

RpcMethod LedgerImportPrices(Context ctx)
{
    return RpcMethod{
        "ledgerimportprices",
        "Imports a price series, one \"date,price,currency\" row per line (header optional). All or nothing: a bad "
        "row refuses the whole file with its line number.\n",
        {Arg{"csv", Arg::Type::STR, Arg::Optional::NO, "The file's contents (sovereign-cli reads a file name)"}},
        {Res{Res::Type::OBJ, "", "", {Res{Res::Type::NUM, "imported", "Rows imported"}}}},
        HelpExampleCli("ledgerimportprices", "prices.csv"),
        [ctx](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            std::string error;
            auto n = GetLedger(ctx).ImportPricesCsv(JsonGetStr(req.params[0]), &error);
            if (!n) throw RpcError(RPC_INVALID_PARAMETER, "Price file refused: " + error);
            if (ctx->audit) ctx->audit("ledger.prices", "{\"rows\":" + std::to_string(*n) + "}");
            JsonValue r = JsonValue::Object();
            r.PushKV("imported", static_cast<uint64_t>(*n));
            return r;
        }};
}

const std::vector<Res> POLICY_FIELDS = {
    Res{Res::Type::BOOL, "freeze_acquisitions", "No new acquisitions"},
    Res{Res::Type::BOOL, "freeze_disposals", "No new disposals"},
    Res{Res::Type::STR, "freeze_reason", "Why"},
    Res{Res::Type::STR, "max_purchase_per_entry", "BTC per purchase (0: no limit)"},
    Res{Res::Type::STR, "max_purchase_per_day", "BTC bought per UTC day, the purchase schedule (0: no limit)"},
    Res{Res::Type::STR, "max_disposal_per_entry", "BTC per disposal (0: no limit)"},
};

RpcMethod LedgerGetPolicy(Context ctx)
{
    return RpcMethod{
        "ledgergetpolicy",
        "Returns the ledger's acquisition and disposal policy.\n",
        {},
        {Res{Res::Type::OBJ, "", "", POLICY_FIELDS}},
        HelpExampleCli("ledgergetpolicy", ""),
        [ctx](const RpcMethod&, const JsonRpcRequest&) -> JsonValue { return LedgerPolicyToJson(GetLedger(ctx).Policy()); }};
}

RpcMethod LedgerSetPolicy(Context ctx)
{
    return RpcMethod{
        "ledgersetpolicy",
        "Changes the ledger's policy; keys left out keep their value. Recorded in the custody audit log.\n",
        {Arg{"policy", Arg::Type::OBJ_USER_KEYS, Arg::Optional::NO, "Any of the keys ledgergetpolicy returns"}},
        {Res{Res::Type::OBJ, "", "The policy now in force", POLICY_FIELDS}},
        HelpExampleCli("ledgersetpolicy", R"('{"max_purchase_per_day":1}')"),
        [ctx](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            Ledger& ledger = GetLedger(ctx);
            std::string error;
            auto policy = LedgerPolicyFromJson(req.params[0], ledger.Policy(), &error);
            if (!policy) throw RpcError(RPC_INVALID_PARAMETER, error);
            if (!ledger.SetPolicy(*policy, &error)) throw RpcError(RPC_DATABASE_ERROR, error);
            JsonValue j = LedgerPolicyToJson(*policy);
            if (ctx->audit) ctx->audit("ledger.policy", j.Write());
            return j;
        }};
}

RpcMethod LedgerReconcile(Context ctx)
{
    return RpcMethod{
        "ledgerreconcile",
        "Matches every confirmed on-chain movement of the reserve wallets (-reservewallet) against the ledger entries "
        "that name its transaction, and lists every difference: movements without entries (unrecorded), entries "
        "whose transaction is not in the wallets (not-on-chain), and amounts that do not add up (amount-mismatch).\n",
        {},
        {Res{Res::Type::OBJ, "", "",
             {Res{Res::Type::BOOL, "reconciled", "No differences"},
              Res{Res::Type::NUM, "entries", "Ledger entries"},
              Res{Res::Type::NUM, "movements", "On-chain movements"},
              Res{Res::Type::ARR, "discrepancies", "",
                  {Res{Res::Type::OBJ, "", "",
                       {Res{Res::Type::STR, "kind", "unrecorded, not-on-chain or amount-mismatch"},
                        Res{Res::Type::STR_HEX, "txid", "The transaction"},
                        Res{Res::Type::ARR, "entry_ids", "The entries naming it", {Res{Res::Type::NUM, "", ""}}},
                        Res{Res::Type::STR, "ledger_btc", "Net amount in the ledger"},
                        Res{Res::Type::STR, "chain_btc", "Net amount on chain"},
                        Res{Res::Type::STR, "detail", "In words"}}}}}}}},
        HelpExampleCli("ledgerreconcile", ""),
        [ctx](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
            const std::vector<LedgerEntry> entries = GetLedger(ctx).Entries();
            const std::vector<ChainMovement> chain = ctx->movements ? ctx->movements() : std::vector<ChainMovement>{};
            JsonValue list = JsonValue::Array();
            for (const Discrepancy& d : Reconcile(entries, chain)) list.PushBack(DiscrepancyToJson(d));
            JsonValue r = JsonValue::Object();
            r.PushKV("reconciled", list.size() == 0);
            r.PushKV("entries", static_cast<uint64_t>(entries.size()));
            r.PushKV("movements", static_cast<uint64_t>(chain.size()));
            r.PushKV("discrepancies", std::move(list));
            return r;
        }};
}
RpcMethod LedgerExport(Context ctx)
{
    return RpcMethod{
        "ledgerexport",
        "Writes an export of the ledger to a file on the node's machine, atomically: the entries or daily holdings as "
        "CSV, or a month's printable statement as HTML or PDF. Refuses to overwrite an existing file.\n",
        {Arg{"format", Arg::Type::STR, Arg::Optional::NO, "entries.csv, holdings.csv, statement.html or statement.pdf"},
         Arg{"path", Arg::Type::STR, Arg::Optional::NO, "The file to write (relative paths are in the data directory)"},
         Arg{"month", Arg::Type::STR, Arg::Optional::OMITTED, "YYYY-MM, for statements"},
         Arg{"method", Arg::Type::STR, Arg::Default{"fifo"}, "Cost basis: fifo or average"}},
        {Res{Res::Type::OBJ, "", "",
             {Res{Res::Type::STR, "path", "The file written"}, Res{Res::Type::NUM, "bytes", "Its size"}}}},
        HelpExampleCli("ledgerexport", "statement.pdf /srv/reports/statement-2026-11.pdf 2026-11"),
        [ctx](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            Ledger& ledger = GetLedger(ctx);
            auto method = ParseCostMethod(req.params[3].IsNull() ? "fifo" : JsonGetStr(req.params[3]));
            if (!method) throw RpcError(RPC_INVALID_PARAMETER, "method must be fifo or average");
            std::string error;
            auto file = ExportLedger(ledger, JsonGetStr(req.params[0]), req.params[2].IsNull() ? "" : JsonGetStr(req.params[2]),
                                     *method, ctx->currency(), ctx->institution(), &error);
            if (!file) throw RpcError(RPC_INVALID_PARAMETER, error);
            std::filesystem::path path = JsonGetStr(req.params[1]);
            if (path.empty()) throw RpcError(RPC_INVALID_PARAMETER, "path must not be empty");
            if (path.is_relative()) path = ctx->data_dir / path;
            if (std::filesystem::exists(path)) {
                throw RpcError(RPC_INVALID_PARAMETER, path.string() + " already exists. If you are sure this is what you "
                                                      "want, move it out of the way first.");
            }
            if (!WriteFileAtomic(path, file->content, &error)) throw RpcError(RPC_MISC_ERROR, "Cannot write the export: " + error);
            JsonValue r = JsonValue::Object();
            r.PushKV("path", path.string());
            r.PushKV("bytes", static_cast<uint64_t>(file->content.size()));
            return r;
        }};
}
}  // namespace

void RegisterLedgerRpcCommands(RpcTable& table, LedgerRpcContext context)
{
    const Context ctx = std::make_shared<const LedgerRpcContext>(std::move(context));
    for (RpcMethod m : {LedgerAddEntry(ctx), LedgerListEntries(ctx), LedgerReport(ctx), LedgerImportPrices(ctx),
                        LedgerGetPolicy(ctx), LedgerSetPolicy(ctx), LedgerReconcile(ctx), LedgerExport(ctx)}) {
        table.Register("ledger", std::move(m));
    }
}
