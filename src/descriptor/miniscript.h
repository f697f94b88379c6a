// Miniscript (BIP379): fragments, the type system, sanity checks, script generation, text form and satisfaction,
// for the P2WSH and Tapscript contexts. Keys are indices into a list owned by the caller (the descriptor).
#pragma once

#include "primitives/script.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace miniscript {

enum class MsContext { P2WSH, TAPSCRIPT };

inline bool IsTapscript(MsContext ctx) { return ctx == MsContext::TAPSCRIPT; }

/** A set of type properties (BIP379): basic types B V K W, and z o n d u e f s m x, plus the timelock-mix
 *  tracking properties g h i j k. */
class Type
{
public:
    constexpr Type() = default;
    /** From property letters, e.g. Type::Of("Bdu"). Unknown letters are ignored. */
    static constexpr Type Of(std::string_view letters)
    {
        uint32_t f = 0;
        for (char c : letters) f |= Bit(c);
        return Type(f);
    }
    constexpr bool Has(std::string_view letters) const { return (m_flags & Of(letters).m_flags) == Of(letters).m_flags; }
    constexpr Type operator|(Type o) const { return Type(m_flags | o.m_flags); }
    constexpr Type operator&(Type o) const { return Type(m_flags & o.m_flags); }
    constexpr Type If(bool b) const { return b ? *this : Type(); }
    constexpr bool operator==(const Type& o) const = default;
    constexpr bool Empty() const { return m_flags == 0; }
    /** The letters of the type in the order BVKWzondufesmxghijk (as Core's tests print them). */
    std::string ToString() const;

private:
    constexpr explicit Type(uint32_t f) : m_flags(f) {}
    static constexpr uint32_t Bit(char c)
    {
        constexpr std::string_view ALL = "BVKWzondufesmxghijk";
        const size_t p = ALL.find(c);
        return p == std::string_view::npos ? 0 : (uint32_t{1} << p);
    }
    uint32_t m_flags{0};
};

enum class Fragment {
    JUST_0, JUST_1, PK_K, PK_H, OLDER, AFTER, SHA256, HASH256, RIPEMD160, HASH160,
    WRAP_A, WRAP_S, WRAP_C, WRAP_D, WRAP_V, WRAP_J, WRAP_N,
    AND_V, AND_B, OR_B, OR_C, OR_D, OR_I, ANDOR, THRESH, MULTI, MULTI_A,
};

/** Stack effect of a set of execution traces (Core's SatInfo): net number of elements removed and the most the
 *  stack grows above its final size. Invalid = no trace. */
struct SatInfo {
    bool valid{false};
    int32_t netdiff{0};
    int32_t exec{0};
    static SatInfo Of(int32_t n, int32_t e) { return {true, n, e}; }
};

struct Node;
using NodeRef = std::shared_ptr<const Node>;

/** One miniscript expression. Immutable once built; derived properties are computed on construction. */
struct Node {
    Fragment fragment;
    uint32_t k{0};
    std::vector<uint32_t> keys;
    std::vector<uint8_t> data;
    std::vector<NodeRef> subs;
    MsContext ctx;

    // Derived.
    Type type;
    size_t script_len{0};
    /** Height of the tree (1 for a leaf). */
    uint32_t depth{1};
    uint32_t ops_count{0};
    std::optional<uint32_t> ops_sat, ops_dsat;
    SatInfo ss_sat, ss_dsat;
    /** Whether the subtree repeats a key (set by CheckDuplicateKeys; nullopt before). */
    std::optional<bool> has_duplicate_keys;

    Node(MsContext c, Fragment f, std::vector<NodeRef> s = {}, std::vector<uint32_t> ks = {},
         std::vector<uint8_t> d = {}, uint32_t kk = 0);

    bool IsValid() const;
    bool IsValidTopLevel() const { return IsValid() && type.Has("B"); }
    bool IsNonMalleable() const { return type.Has("m"); }
    bool NeedsSignature() const { return type.Has("s"); }
    bool CheckTimeLocksMix() const { return type.Has("k"); }
    bool CheckDuplicateKey() const { return has_duplicate_keys && !*has_duplicate_keys; }
    std::optional<uint32_t> GetOps() const;
    bool CheckOpsLimit() const;
    std::optional<uint32_t> GetStackSize() const;
    std::optional<uint32_t> GetExecStackSize() const;
    bool CheckStackSize() const;
    bool IsNotSatisfiable() const { return !GetStackSize(); }
    bool ValidSatisfactions() const { return IsValid() && CheckOpsLimit() && CheckStackSize(); }
    bool IsSaneSubexpression() const
    {
        return ValidSatisfactions() && IsNonMalleable() && CheckTimeLocksMix() && CheckDuplicateKey();
    }
    bool IsSane() const { return IsValidTopLevel() && IsSaneSubexpression() && NeedsSignature(); }
    /** The first (deepest, leftmost) subexpression that is not sane, else nullptr. */
    const Node* FindInsaneSub() const;
};

/** Largest script Core accepts in a context: 3600 bytes (standard P2WSH) or what fits a standard tx. */
uint32_t MaxScriptSize(MsContext ctx);

/** Key callbacks. FromString parses a key expression and returns its index (nullopt on failure, the callee
 *  keeps its error); ToString prints a key; ToBytes gives the key as it appears in the script (33 bytes, or 32
 *  x-only in Tapscript); Identity is what makes two keys equal for the duplicate-key check. */
struct KeyCallbacks {
    std::function<std::optional<uint32_t>(std::string_view)> from_string;
    std::function<std::optional<std::string>(uint32_t)> to_string;
    std::function<std::vector<uint8_t>(uint32_t)> to_bytes;
    std::function<std::vector<uint8_t>(uint32_t)> identity;
};

/** Nesting limit of the parser: deeper input is rejected (Core has none; this bounds our recursion). */
constexpr size_t MAX_PARSE_DEPTH = 800;

/** Parse miniscript text (Core's miniscript::FromString). Checks nothing beyond syntax and types being
 *  computable; callers test IsValidTopLevel / IsSane. Duplicate keys are computed when keys.identity is set. */
NodeRef FromString(std::string_view text, MsContext ctx, const KeyCallbacks& keys);

/** Canonical text (wrappers merged, pk/pkh/and_n/t/u/l sugar); nullopt when a key cannot be printed. */
std::optional<std::string> ToString(const Node& node, const KeyCallbacks& keys);

/** The script, byte-exact as Core's ToScript. */
Script ToScript(const Node& node, const KeyCallbacks& keys);


/** Key callbacks for decoding a script: key bytes (33, or 32 x-only in Tapscript) and HASH160s of keys. */
struct ScriptKeyCallbacks {
    std::function<std::optional<uint32_t>(std::span<const uint8_t>)> from_bytes;
    std::function<std::optional<uint32_t>(std::span<const uint8_t>)> from_pkh;
};

/** Decode a script back into miniscript (Core's FromScript): nullptr unless it is exactly the script of a valid
 *  top-level (B) miniscript with minimal pushes. Trees deeper than MAX_PARSE_DEPTH are refused. */
NodeRef FromScript(const Script& script, MsContext ctx, const ScriptKeyCallbacks& keys);

/** Sets has_duplicate_keys on every node of the (freshly built) tree. */
void ComputeDuplicateKeys(Node& root, const std::function<std::vector<uint8_t>(uint32_t)>& identity);

enum class Availability { NO, YES, MAYBE };

/** What the satisfier knows: signatures, preimages and the spending transaction's timelocks. */
class Satisfier
{
public:
    virtual ~Satisfier() = default;
    virtual Availability Sign(uint32_t key, std::vector<uint8_t>& sig) const = 0;
    /** The key bytes as in the script (pk_h satisfactions push the key). */
    virtual std::vector<uint8_t> KeyBytes(uint32_t key) const = 0;
    virtual bool CheckAfter(uint32_t value) const = 0;
    virtual bool CheckOlder(uint32_t value) const = 0;
    virtual Availability SatSHA256(const std::vector<uint8_t>& hash, std::vector<uint8_t>& preimage) const = 0;
    virtual Availability SatRIPEMD160(const std::vector<uint8_t>& hash, std::vector<uint8_t>& preimage) const = 0;
    virtual Availability SatHASH256(const std::vector<uint8_t>& hash, std::vector<uint8_t>& preimage) const = 0;
    virtual Availability SatHASH160(const std::vector<uint8_t>& hash, std::vector<uint8_t>& preimage) const = 0;
};

/** The smallest witness stack (bottom first, without the script) that satisfies node, as Core's Satisfy: with
 *  nonmalleable, only a non-malleable satisfaction that includes a signature is accepted. */
Availability Satisfy(const Node& node, const Satisfier& sat, std::vector<std::vector<uint8_t>>& stack,
                     bool nonmalleable = true);

} // namespace miniscript
