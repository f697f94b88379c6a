// Fuzz target: output descriptor text. ParseDescriptor never crashes; what parses prints back to text that
// parses to the same descriptor, expands without crashing, and its scripts can be inferred back.
#include "descriptor/descriptor.h"
#include "fuzz_check.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size < 1 || size > 2000) return 0;
    static constexpr Chain CHAINS[] = {Chain::MAIN, Chain::TESTNET, Chain::REGTEST};
    const Chain chain = CHAINS[data[0] % 3];
    const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);

    std::string error;
    auto descs = ParseDescriptor(text, chain, error);
    (void)GetDescriptorChecksum(text);
    if (descs.empty()) return 0;
    for (const auto& d : descs) {
        const std::string pub = d->ToString();
        FUZZ_CHECK(!GetDescriptorChecksum(pub).empty());
        std::string err2;
        auto again = ParseDescriptor(pub, chain, err2, /*require_checksum=*/true);
        FUZZ_CHECK(again.size() == 1);
        FUZZ_CHECK(again[0]->ToString() == pub);
        FUZZ_CHECK(again[0]->IsRange() == d->IsRange());

        std::string priv;
        if (d->ToPrivateString(priv)) {
            auto from_priv = ParseDescriptor(priv, chain, err2, true);
            FUZZ_CHECK(from_priv.size() == 1);
            FUZZ_CHECK(from_priv[0]->ToString() == pub);
        }
        std::string norm;
        if (d->ToNormalizedString(norm)) FUZZ_CHECK(ParseDescriptor(norm, chain, err2, true).size() == 1);

        for (int pos = 0; pos < 2; ++pos) {
            std::vector<Script> scripts;
            FlatSigningProvider out;
            if (!d->Expand(pos, scripts, out)) continue;
            std::vector<Script> scripts2;
            FlatSigningProvider out2;
            // The public form expands to the same scripts (it may lack a private key for a hardened step).
            if (again[0]->Expand(pos, scripts2, out2)) {
                FUZZ_CHECK(scripts2 == scripts);
            } else {
                FUZZ_CHECK(d->HavePrivateKeys());
            }
            for (const Script& s : scripts) {
                // Inference never fails (raw() at worst); its text need not parse (Core infers multi() with
                // more than 3 keys for a bare script, which the parser refuses at top level).
                FUZZ_CHECK(!InferDescriptor(s, out, chain)->ToString().empty());
            }
            if (!d->IsRange()) break;
        }
    }
    return 0;
}
