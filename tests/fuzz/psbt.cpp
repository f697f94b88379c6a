// Fuzz target: PSBT decoding and the roles on what decodes. Whatever decodes re-serializes to a fixed point, its
// base64 round-trips, it combines with itself, and finalizing and analysis never crash.
#include "fuzz_check.h"
#include "psbt/psbt.h"
#include "psbt/psbt_roles.h"

#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::span<const uint8_t> bytes(data, size);
    auto res = DecodeRawPsbt(bytes);
    if (!res.psbt) {
        FUZZ_CHECK(!res.error.empty());
        return 0;
    }
    const Psbt& psbt = *res.psbt;
    const auto once = SerializePsbt(psbt);
    auto again = DecodeRawPsbt(once);
    FUZZ_CHECK(again.psbt.has_value());
    FUZZ_CHECK(SerializePsbt(*again.psbt) == once);
    auto b64 = Base64Decode(Base64Encode(once));
    FUZZ_CHECK(b64 && *b64 == once);

    auto combined = CombinePsbts({psbt, psbt});
    if (psbt.GetUniqueId()) {
        FUZZ_CHECK(combined.has_value());
        FUZZ_CHECK(SerializePsbt(*combined) == once);
    }
    Psbt finalized = psbt;
    MutableTransaction tx;
    (void)FinalizeAndExtractPsbt(finalized, tx);
    (void)AnalyzePsbt(psbt);
    return 0;
}
