// Fuzz target: published proof-of-reserves files and liabilities account files. Parsing never crashes; a proof
// that parses re-serializes to a file that parses to the same statement and transaction; an accounts file that
// parses has only valid ids and balances.
//
// Input: byte 0 even = a proof file, odd = an accounts CSV; the rest is the file.
#include "fuzz_check.h"
#include "json/json_value.h"
#include "primitives/transaction.h"
#include "reserves/liabilities.h"
#include "reserves/proof_of_reserves.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size == 0) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    std::string error;
    if (data[0] & 1) {
        auto accounts = ParseLiabilityAccountsCsv(text, &error);
        if (!accounts) {
            FUZZ_CHECK(!error.empty());
            return 0;
        }
        for (const LiabilityAccount& a : *accounts) {
            FUZZ_CHECK(!a.id.empty() && a.id.size() <= MAX_LIABILITY_ACCOUNT_ID);
            FUZZ_CHECK(a.balance >= 0 && a.balance <= MAX_MONEY);
        }
        return 0;
    }
    auto parsed = ReserveProofFromJson(text, &error);
    if (!parsed) {
        FUZZ_CHECK(!error.empty());
        return 0;
    }
    const auto& [statement, tx] = *parsed;
    const std::string again = ReserveProofToJson(statement, tx).Write();
    auto reparsed = ReserveProofFromJson(again, &error);
    FUZZ_CHECK(reparsed);
    FUZZ_CHECK(ReserveMessage(reparsed->first) == ReserveMessage(statement));
    FUZZ_CHECK(EncodeTransaction(reparsed->second) == EncodeTransaction(tx));
    return 0;
}
