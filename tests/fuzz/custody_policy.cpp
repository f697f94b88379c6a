// Fuzz target: custody policy JSON (reservesetpolicy's argument and the policy rows of custody.sqlite).
// JsonValue::Parse and CustodyPolicyFromJson never crash; an accepted policy is consistent (Check() passes) and
// survives CustodyPolicyToJson -> text -> parse -> CustodyPolicyFromJson unchanged.
#include "custody/policy.h"
#include "fuzz_check.h"
#include "json/json_value.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size > 20000) return 0;
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto json = JsonValue::Parse(text);
    if (!json) return 0;
    std::string error;
    auto policy = CustodyPolicyFromJson(*json, &error);
    if (!policy) {
        FUZZ_CHECK(!error.empty());
        return 0;
    }
    FUZZ_CHECK(policy->Check().empty());
    for (const auto& s : policy->signers) FUZZ_CHECK(policy->IsSigner(s.name));
    const std::string written = CustodyPolicyToJson(*policy).Write();
    auto reparsed = JsonValue::Parse(written);
    FUZZ_CHECK(reparsed.has_value());
    std::string error2;
    auto again = CustodyPolicyFromJson(*reparsed, &error2);
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(CustodyPolicyToJson(*again).Write() == written);
    FUZZ_CHECK(again->threshold == policy->threshold && again->change_quorum == policy->change_quorum);
    FUZZ_CHECK(again->signers.size() == policy->signers.size() && again->allowlist == policy->allowlist);
    return 0;
}
