// Fuzz target: the ledger's import parsers. Input starting with '{' is a JSON ledger entry and policy (RPC and
// dashboard input): parsing never crashes, a parsed entry re-encodes to JSON that parses to the same entry, a
// parsed policy has no negative limit. Anything else is a price file: every accepted row has a real date, a
// positive price and a currency code, and a file made of the accepted rows parses to the same rows.
#include "fuzz_check.h"
#include "json/json_value.h"
#include "ledger/ledger.h"
#include "ledger/ledger_json.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string error;
    if (!text.empty() && text[0] == '{') {
        auto json = JsonValue::Parse(text);
        if (!json) return 0;
        if (auto entry = LedgerEntryFromJson(*json, "USD", &error)) {
            auto again = LedgerEntryFromJson(*JsonValue::Parse(LedgerEntryToJson(*entry).Write()), "USD", &error);
            FUZZ_CHECK(again && again->amount == entry->amount && again->fiat == entry->fiat &&
                       again->kind == entry->kind && again->txid == entry->txid && again->venue == entry->venue);
        } else {
            FUZZ_CHECK(!error.empty());
        }
        if (auto policy = LedgerPolicyFromJson(*json, LedgerPolicy{}, &error)) {
            FUZZ_CHECK(policy->max_purchase_per_entry >= 0 && policy->max_purchase_per_day >= 0 &&
                       policy->max_disposal_per_entry >= 0);
        }
        return 0;
    }
    auto rows = ParsePriceCsv(text, &error);
    if (!rows) {
        FUZZ_CHECK(!error.empty());
        return 0;
    }
    std::string again;
    for (const PriceRow& r : *rows) {
        FUZZ_CHECK(ParseDate(r.date).has_value());
        FUZZ_CHECK(r.price > 0);
        FUZZ_CHECK(r.currency.size() == 3);
        again += r.date + "," + FormatFiat(r.price) + "," + r.currency + "\n";
    }
    auto reparsed = ParsePriceCsv(again, &error);
    FUZZ_CHECK(reparsed && reparsed->size() == rows->size());
    for (size_t i = 0; i < rows->size(); ++i) {
        FUZZ_CHECK((*reparsed)[i].date == (*rows)[i].date && (*reparsed)[i].price == (*rows)[i].price);
    }
    return 0;
}
