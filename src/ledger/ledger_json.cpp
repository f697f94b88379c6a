// Ledger JSON; see ledger_json.h.
#include "ledger/ledger_json.h"

#include "json/json_value.h"
#include "util/hex.h"
#include "util/strencodings.h"

namespace {
JsonValue OptionalNumber(const std::optional<int64_t>& v) { return v ? JsonValue(*v) : JsonValue(); }

/** A decimal amount given as a JSON number or string, with at most `decimals` places. */
std::optional<int64_t> DecimalField(const JsonValue& v, int decimals)
{
    if (!v.IsNum() && !v.IsStr()) return std::nullopt;
    return ParseFixedPoint(v.GetValStr(), decimals);
}

std::optional<std::string> OptionalText(const JsonValue& j, const char* key, size_t max, std::string* error)
{
    const JsonValue& v = j[key];
    if (v.IsNull()) return std::string();
    if (!v.IsStr() || v.GetValStr().size() > max) {
        if (error) *error = std::string(key) + " must be a string of at most " + std::to_string(max) + " characters";
        return std::nullopt;
    }
    return v.GetValStr();
}
}  // namespace

JsonValue LedgerEntryToJson(const LedgerEntry& e)
{
    JsonValue x = JsonValue::Object();
    x.PushKV("id", e.id);
    x.PushKV("date", DateOf(e.time));
    x.PushKV("kind", EntryKindName(e.kind));
    x.PushKV("amount_btc", FormatMoney(e.amount));
    x.PushKV("fiat", FormatFiat(e.fiat));
    x.PushKV("currency", e.currency);
    x.PushKV("venue", e.venue);
    x.PushKV("source", e.source);
    x.PushKV("txid", e.txid.value_or(""));
    x.PushKV("memo", e.memo);
    return x;
}

std::optional<LedgerEntry> LedgerEntryFromJson(const JsonValue& b, const std::string& default_currency,
                                               std::string* error)
{
    auto fail = [&](std::string why) -> std::optional<LedgerEntry> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    if (!b.IsObject()) return fail("expected a JSON object");
    LedgerEntry e;
    auto kind = ParseEntryKind(b["kind"].GetValStr());
    if (!kind) return fail("kind must be one of purchase, mining, transfer_in, sale, payment, transfer_out, fee");
    e.kind = *kind;
    auto day = ParseDate(b["date"].GetValStr());
    if (!day) return fail("date must be YYYY-MM-DD");
    e.time = *day + 12 * 3600;  // midday UTC: the entry belongs to that day whatever the reader's time zone
    auto sats = DecimalField(b["amount_btc"], 8);
    if (!sats) return fail("amount_btc must be a BTC amount such as 0.5");
    e.amount = *sats;
    auto fiat = b["fiat"].IsNull() ? std::optional<int64_t>(0) : DecimalField(b["fiat"], 2);
    if (!fiat) return fail("fiat must be an amount such as 1234.56");
    e.fiat = *fiat;
    auto currency = OptionalText(b, "currency", 3, error);
    auto venue = OptionalText(b, "venue", 200, error);
    auto source = OptionalText(b, "source", 200, error);
    auto memo = OptionalText(b, "memo", 1000, error);
    auto txid = OptionalText(b, "txid", 64, error);
    if (!currency || !venue || !source || !memo || !txid) return std::nullopt;
    e.currency = currency->empty() ? default_currency : *currency;
    e.venue = *venue;
    e.source = *source;
    e.memo = *memo;
    if (!txid->empty()) {
        if (txid->size() != 64 || !IsHex(*txid)) return fail("txid must be 64 hex characters");
        e.txid = *txid;
    }
    return e;
}

JsonValue PnlReportToJson(const PnlReport& r)
{
    JsonValue j = JsonValue::Object();
    j.PushKV("holdings_sat", r.holdings);
    j.PushKV("cost_basis", r.cost_basis);
    j.PushKV("realized", r.realized);
    j.PushKV("price", OptionalNumber(r.price));
    j.PushKV("price_date", r.price_date);
    j.PushKV("market_value", OptionalNumber(r.market_value));
    j.PushKV("unrealized", OptionalNumber(r.unrealized));
    return j;
}

JsonValue LedgerPolicyToJson(const LedgerPolicy& p)
{
    JsonValue j = JsonValue::Object();
    j.PushKV("freeze_acquisitions", p.freeze_acquisitions);
    j.PushKV("freeze_disposals", p.freeze_disposals);
    j.PushKV("freeze_reason", p.freeze_reason);
    j.PushKV("max_purchase_per_entry", FormatMoney(p.max_purchase_per_entry));
    j.PushKV("max_purchase_per_day", FormatMoney(p.max_purchase_per_day));
    j.PushKV("max_disposal_per_entry", FormatMoney(p.max_disposal_per_entry));
    return j;
}

std::optional<LedgerPolicy> LedgerPolicyFromJson(const JsonValue& j, LedgerPolicy p, std::string* error)
{
    auto fail = [&](std::string why) -> std::optional<LedgerPolicy> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    if (!j.IsObject()) return fail("expected a JSON object");
    for (const std::string& key : j.keys()) {
        const JsonValue& v = j[key];
        if (key == "freeze_acquisitions" || key == "freeze_disposals") {
            if (!v.IsBool()) return fail(key + " must be true or false");
            (key == "freeze_acquisitions" ? p.freeze_acquisitions : p.freeze_disposals) = v.GetBool();
        } else if (key == "freeze_reason") {
            if (!v.IsStr() || v.GetValStr().size() > 500) return fail("freeze_reason must be a string of at most 500 characters");
            p.freeze_reason = v.GetValStr();
        } else if (key == "max_purchase_per_entry" || key == "max_purchase_per_day" || key == "max_disposal_per_entry") {
            auto sats = DecimalField(v, 8);
            if (!sats || *sats < 0) return fail(key + " must be a BTC amount (0 for no limit)");
            (key == "max_purchase_per_entry" ? p.max_purchase_per_entry
             : key == "max_purchase_per_day" ? p.max_purchase_per_day
                                             : p.max_disposal_per_entry) = *sats;
        } else {
            return fail("unknown policy key '" + key.substr(0, 40) + "'");
        }
    }
    return p;
}

JsonValue DiscrepancyToJson(const Discrepancy& d)
{
    JsonValue x = JsonValue::Object();
    x.PushKV("kind", d.kind);
    x.PushKV("txid", d.txid);
    JsonValue ids = JsonValue::Array();
    for (int64_t id : d.entry_ids) ids.PushBack(id);
    x.PushKV("entry_ids", std::move(ids));
    x.PushKV("ledger_btc", FormatMoney(d.ledger_delta));
    x.PushKV("chain_btc", FormatMoney(d.chain_delta));
    x.PushKV("detail", d.detail);
    return x;
}
