// Fuzz target: proof-of-liabilities files. Parsing never crashes; whatever parses verifies or fails with a
// reason, and re-serializes to a file that parses to the same proof.
#include "fuzz_check.h"
#include "json/json_value.h"
#include "reserves/liabilities.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string error;
    auto parsed = LiabilityProofFromJson(text, &error);
    if (!parsed) {
        FUZZ_CHECK(!error.empty());
        return 0;
    }
    const auto& [proof, commitment] = *parsed;
    std::string why;
    if (!VerifyLiabilityProof(proof, commitment, &why)) FUZZ_CHECK(!why.empty());
    const std::string again = LiabilityProofToJson(proof, commitment).Write();
    auto reparsed = LiabilityProofFromJson(again, &error);
    FUZZ_CHECK(reparsed);
    FUZZ_CHECK(reparsed->first.siblings == proof.siblings && reparsed->first.balance == proof.balance &&
               reparsed->first.account_id == proof.account_id && reparsed->second.root == commitment.root);
    return 0;
}
