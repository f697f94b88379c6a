// Fuzz target: miniscript text (BIP379). FromString never crashes; what parses prints back to text that parses to
// the same script; a valid top-level expression's script decodes back (FromScript) to the same script; the
// satisfier with every signature and preimage available never crashes.
#include "descriptor/miniscript.h"
#include "fuzz_check.h"
#include "util/hex.h"

#include <cstdint>
#include <string>

namespace {

/** Keys are 66 hex characters of a compressed key (as Core's miniscript fuzzer); printed back as they were. */
struct Keys {
    bool tap;
    std::vector<std::vector<uint8_t>> list;
    miniscript::KeyCallbacks Callbacks()
    {
        miniscript::KeyCallbacks kc;
        kc.from_string = [this](std::string_view s) -> std::optional<uint32_t> {
            auto b = TryParseHex(s);
            if (!b || b->size() != 33 || ((*b)[0] != 2 && (*b)[0] != 3)) return std::nullopt;
            list.emplace_back(b->begin(), b->end());
            return uint32_t(list.size() - 1);
        };
        kc.to_string = [this](uint32_t i) -> std::optional<std::string> { return HexStr(list.at(i)); };
        kc.to_bytes = [this](uint32_t i) -> std::vector<uint8_t> {
            if (tap) return {list.at(i).begin() + 1, list.at(i).end()};
            return list.at(i);
        };
        kc.identity = [this](uint32_t i) { return list.at(i); };
        return kc;
    }
};

class AllAvailable final : public miniscript::Satisfier
{
public:
    explicit AllAvailable(const Keys& k) : m_keys(k) {}
    miniscript::Availability Sign(uint32_t, std::vector<uint8_t>& sig) const override
    {
        sig.assign(m_keys.tap ? 64 : 72, 1);
        return miniscript::Availability::YES;
    }
    std::vector<uint8_t> KeyBytes(uint32_t key) const override { return m_keys.list.at(key); }
    bool CheckAfter(uint32_t) const override { return true; }
    bool CheckOlder(uint32_t) const override { return true; }
    miniscript::Availability SatSHA256(const std::vector<uint8_t>&, std::vector<uint8_t>& p) const override
    {
        p.assign(32, 2);
        return miniscript::Availability::YES;
    }
    miniscript::Availability SatRIPEMD160(const std::vector<uint8_t>&, std::vector<uint8_t>& p) const override
    {
        return SatSHA256({}, p);
    }
    miniscript::Availability SatHASH256(const std::vector<uint8_t>&, std::vector<uint8_t>& p) const override
    {
        return SatSHA256({}, p);
    }
    miniscript::Availability SatHASH160(const std::vector<uint8_t>&, std::vector<uint8_t>& p) const override
    {
        return SatSHA256({}, p);
    }

private:
    const Keys& m_keys;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size < 1 || size > 20000) return 0;
    const bool tap = data[0] & 1;
    const auto ctx = tap ? miniscript::MsContext::TAPSCRIPT : miniscript::MsContext::P2WSH;
    const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
    Keys keys{tap, {}};
    auto kc = keys.Callbacks();
    auto node = miniscript::FromString(text, ctx, kc);
    if (!node) return 0;
    (void)node->IsSane();
    (void)node->FindInsaneSub();
    const auto printed = miniscript::ToString(*node, kc);
    FUZZ_CHECK(printed);
    const Script script = miniscript::ToScript(*node, kc);
    FUZZ_CHECK(script.size() == node->script_len);
    Keys keys2{tap, {}};
    auto kc2 = keys2.Callbacks();
    auto again = miniscript::FromString(*printed, ctx, kc2);
    FUZZ_CHECK(again);
    FUZZ_CHECK(miniscript::ToScript(*again, kc2) == script);
    FUZZ_CHECK(miniscript::ToString(*again, kc2) == printed);
    if (node->IsValidTopLevel()) {
        Keys keys3{tap, {}};
        auto kc3 = keys3.Callbacks();
        miniscript::ScriptKeyCallbacks skc;
        skc.from_bytes = [&](std::span<const uint8_t> b) -> std::optional<uint32_t> {
            for (const auto& k : keys.list) {
                if (std::equal(b.begin(), b.end(), tap ? k.begin() + 1 : k.begin(), k.end())) {
                    keys3.list.push_back(k);
                    return uint32_t(keys3.list.size() - 1);
                }
            }
            return std::nullopt;
        };
        skc.from_pkh = [&](std::span<const uint8_t>) -> std::optional<uint32_t> {
            if (keys.list.empty()) return std::nullopt;
            keys3.list.push_back(keys.list[0]);
            return uint32_t(keys3.list.size() - 1);
        };
        if (auto decoded = miniscript::FromScript(script, ctx, skc)) {
            (void)miniscript::ToScript(*decoded, kc3);
        }
        std::vector<std::vector<uint8_t>> stack;
        (void)miniscript::Satisfy(*node, AllAvailable(keys), stack);
    }
    return 0;
}
