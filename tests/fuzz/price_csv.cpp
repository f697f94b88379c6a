// Fuzz target: treasury price files. Parsing never crashes; every accepted row has a real date, a positive price
// and a currency code, and a file made of the accepted rows parses to the same rows.
#include "fuzz_check.h"
#include "ledger/ledger.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string error;
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
