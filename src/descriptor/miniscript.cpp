// Miniscript (BIP379) implementation: type rules, resource accounting, parser, printer, script builder and the
// non-malleable satisfier, following Bitcoin Core's semantics.
#include "descriptor/miniscript.h"

#include "crypto/hash.h"
#include "util/hex.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <set>

namespace miniscript {

namespace {

constexpr uint32_t SEQ_TYPE_FLAG = 1U << 22;        // BIP68: relative lock in units of 512 seconds
constexpr uint32_t LOCKTIME_THRESHOLD = 500000000;  // nLockTime below: height, above: time
constexpr uint32_t MAX_STANDARD_P2WSH_SCRIPT = 3600;
constexpr uint32_t MAX_STANDARD_P2WSH_ITEMS = 100;

Type T(std::string_view s) { return Type::Of(s); }

/** Bytes of the minimal push of a number (Core's BuildScript(k).size()). */
size_t NumSize(int64_t k)
{
    Script s;
    s.PushInt(k);
    return s.size();
}

/** True when a and b mix heights and times of the same lock kind (the k property's condition). */
bool MixesLocks(Type a, Type b)
{
    return (a.Has("g") && b.Has("h")) || (a.Has("h") && b.Has("g")) || (a.Has("i") && b.Has("j")) ||
           (a.Has("j") && b.Has("i"));
}

// Ops accounting with "no value" for impossible paths (Core's MaxInt).
using OptU = std::optional<uint32_t>;
OptU Add(OptU a, OptU b) { return (a && b) ? OptU(*a + *b) : std::nullopt; }
OptU Max(OptU a, OptU b)
{
    if (!a) return b;
    if (!b) return a;
    return std::max(*a, *b);
}

SatInfo SAdd(SatInfo a, SatInfo b)
{
    if (!a.valid || !b.valid) return {};
    return SatInfo::Of(a.netdiff + b.netdiff, std::max(b.exec, b.netdiff + a.exec));
}
SatInfo SOr(SatInfo a, SatInfo b)
{
    if (!a.valid) return b;
    if (!b.valid) return a;
    return SatInfo::Of(std::max(a.netdiff, b.netdiff), std::max(a.exec, b.exec));
}
SatInfo SPush() { return SatInfo::Of(-1, 0); }
SatInfo SZero() { return SatInfo::Of(0, 0); }
SatInfo SOne() { return SatInfo::Of(1, 1); }  // OP_IF/NOTIF, binary ops, EQUAL, CHECKSIG, VERIFY
SatInfo SEqualVerify() { return SatInfo::Of(2, 2); }

Type ComputeType(const Node& n)
{
    const auto& s = n.subs;
    const Type x = s.size() > 0 ? s[0]->type : Type();
    const Type y = s.size() > 1 ? s[1]->type : Type();
    const Type z = s.size() > 2 ? s[2]->type : Type();
    const bool tap = IsTapscript(n.ctx);
    switch (n.fragment) {
    case Fragment::PK_K: return T("Konudemsxk");
    case Fragment::PK_H: return T("Knudemsxk");
    case Fragment::OLDER:
        return T("g").If(n.k & SEQ_TYPE_FLAG) | T("h").If(!(n.k & SEQ_TYPE_FLAG)) | T("Bzfmxk");
    case Fragment::AFTER:
        return T("i").If(n.k >= LOCKTIME_THRESHOLD) | T("j").If(n.k < LOCKTIME_THRESHOLD) | T("Bzfmxk");
    case Fragment::SHA256:
    case Fragment::RIPEMD160:
    case Fragment::HASH256:
    case Fragment::HASH160: return T("Bonudmk");
    case Fragment::JUST_1: return T("Bzufmxk");
    case Fragment::JUST_0: return T("Bzudemsxk");
    case Fragment::WRAP_A: return T("W").If(x.Has("B")) | (x & T("ghijk")) | (x & T("udfems")) | T("x");
    case Fragment::WRAP_S: return T("W").If(x.Has("Bo")) | (x & T("ghijk")) | (x & T("udfemsx"));
    case Fragment::WRAP_C: return T("B").If(x.Has("K")) | (x & T("ghijk")) | (x & T("ondfem")) | T("us");
    case Fragment::WRAP_D:
        // d: is u in Tapscript only, where MINIMALIF is consensus.
        return T("B").If(x.Has("Vz")) | T("o").If(x.Has("z")) | T("e").If(x.Has("f")) | (x & T("ghijk")) |
               (x & T("ms")) | T("u").If(tap) | T("ndx");
    case Fragment::WRAP_V: return T("V").If(x.Has("B")) | (x & T("ghijk")) | (x & T("zonms")) | T("fx");
    case Fragment::WRAP_J:
        return T("B").If(x.Has("Bn")) | T("e").If(x.Has("f")) | (x & T("ghijk")) | (x & T("oums")) | T("ndx");
    case Fragment::WRAP_N: return (x & T("ghijk")) | (x & T("Bzondfems")) | T("ux");
    case Fragment::AND_V:
        return (y & T("KVB")).If(x.Has("V")) | (x & T("n")) | (y & T("n")).If(x.Has("z")) |
               ((x | y) & T("o")).If((x | y).Has("z")) | (x & y & T("mz")) | ((x | y) & T("s")) |
               T("f").If(y.Has("f") || x.Has("s")) | (y & T("ux")) | ((x | y) & T("ghij")) |
               T("k").If((x & y).Has("k") && !MixesLocks(x, y));
    case Fragment::AND_B:
        return (x & T("B")).If(y.Has("W")) | ((x | y) & T("o")).If((x | y).Has("z")) | (x & T("n")) |
               (y & T("n")).If(x.Has("z")) | (x & y & T("e")).If((x & y).Has("s")) | (x & y & T("dzm")) |
               T("f").If((x & y).Has("f") || x.Has("sf") || y.Has("sf")) | ((x | y) & T("s")) | T("ux") |
               ((x | y) & T("ghij")) | T("k").If((x & y).Has("k") && !MixesLocks(x, y));
    case Fragment::OR_B:
        return T("B").If(x.Has("Bd") && y.Has("Wd")) | ((x | y) & T("o")).If((x | y).Has("z")) |
               (x & y & T("m")).If((x | y).Has("s") && (x & y).Has("e")) | (x & y & T("zse")) | T("dux") |
               ((x | y) & T("ghij")) | (x & y & T("k"));
    case Fragment::OR_D:
        return (y & T("B")).If(x.Has("Bdu")) | (x & T("o")).If(y.Has("z")) |
               (x & y & T("m")).If(x.Has("e") && (x | y).Has("s")) | (x & y & T("zs")) | (y & T("ufde")) | T("x") |
               ((x | y) & T("ghij")) | (x & y & T("k"));
    case Fragment::OR_C:
        return (y & T("V")).If(x.Has("Bdu")) | (x & T("o")).If(y.Has("z")) |
               (x & y & T("m")).If(x.Has("e") && (x | y).Has("s")) | (x & y & T("zs")) | T("fx") |
               ((x | y) & T("ghij")) | (x & y & T("k"));
    case Fragment::OR_I:
        return (x & y & T("VBKufs")) | T("o").If((x & y).Has("z")) | ((x | y) & T("e")).If((x | y).Has("f")) |
               (x & y & T("m")).If((x | y).Has("s")) | ((x | y) & T("d")) | T("x") | ((x | y) & T("ghij")) |
               (x & y & T("k"));
    case Fragment::ANDOR:
        return (y & z & T("BKV")).If(x.Has("Bdu")) | (x & y & z & T("z")) |
               ((x | (y & z)) & T("o")).If((x | (y & z)).Has("z")) | (y & z & T("u")) |
               (z & T("f")).If(x.Has("s") || y.Has("f")) | (z & T("d")) |
               (z & T("e")).If(x.Has("s") || y.Has("f")) |
               (x & y & z & T("m")).If(x.Has("e") && (x | y | z).Has("s")) | (z & (x | y) & T("s")) | T("x") |
               ((x | y | z) & T("ghij")) | T("k").If((x & y & z).Has("k") && !MixesLocks(x, y));
    case Fragment::MULTI: return T("Bnudemsk");
    case Fragment::MULTI_A: return T("Budemsk");
    case Fragment::THRESH: {
        bool all_e = true, all_m = true;
        uint32_t args = 0, num_s = 0;
        Type acc = T("k");
        for (size_t i = 0; i < s.size(); ++i) {
            const Type t = s[i]->type;
            if (!t.Has(i ? "Wdu" : "Bdu")) return Type();
            if (!t.Has("e")) all_e = false;
            if (!t.Has("m")) all_m = false;
            if (t.Has("s")) ++num_s;
            args += t.Has("z") ? 0 : t.Has("o") ? 1 : 2;
            // With k > 1 two children with different lock kinds may both be needed.
            acc = ((acc | t) & T("ghij")) | T("k").If((acc & t).Has("k") && (n.k <= 1 || !MixesLocks(acc, t)));
        }
        const size_t nsubs = s.size();
        return T("Bdu") | T("z").If(args == 0) | T("o").If(args == 1) | T("e").If(all_e && num_s == nsubs) |
               T("m").If(all_e && all_m && num_s >= nsubs - n.k) | T("s").If(num_s >= nsubs - n.k + 1) | acc;
    }
    }
    return Type();
}

/** Drops types that violate BIP379's consistency rules (cannot happen with correct rules; defensive). */
Type Sanitize(Type e)
{
    int basics = e.Has("K") + e.Has("V") + e.Has("B") + e.Has("W");
    if (basics != 1) return Type();
    return e;
}

size_t ComputeScriptLen(const Node& n)
{
    size_t sub = 0;
    for (const auto& s : n.subs) sub += s->script_len;
    switch (n.fragment) {
    case Fragment::JUST_1:
    case Fragment::JUST_0: return 1;
    case Fragment::PK_K: return IsTapscript(n.ctx) ? 33 : 34;
    case Fragment::PK_H: return 3 + 21;
    case Fragment::OLDER:
    case Fragment::AFTER: return 1 + NumSize(n.k);
    case Fragment::HASH256:
    case Fragment::SHA256: return 4 + 2 + 33;
    case Fragment::HASH160:
    case Fragment::RIPEMD160: return 4 + 2 + 21;
    case Fragment::MULTI: return 1 + NumSize(n.keys.size()) + NumSize(n.k) + 34 * n.keys.size();
    case Fragment::MULTI_A: return (1 + 32 + 1) * n.keys.size() + NumSize(n.k) + 1;
    case Fragment::AND_V: return sub;
    case Fragment::WRAP_V: return sub + (n.subs[0]->type.Has("x") ? 1 : 0);
    case Fragment::WRAP_S:
    case Fragment::WRAP_C:
    case Fragment::WRAP_N:
    case Fragment::AND_B:
    case Fragment::OR_B: return sub + 1;
    case Fragment::WRAP_A:
    case Fragment::OR_C: return sub + 2;
    case Fragment::WRAP_D:
    case Fragment::OR_D:
    case Fragment::OR_I:
    case Fragment::ANDOR: return sub + 3;
    case Fragment::WRAP_J: return sub + 4;
    case Fragment::THRESH: return sub + n.subs.size() + NumSize(n.k);
    }
    return 0;
}

void ComputeOps(Node& n)
{
    const auto& s = n.subs;
    auto set = [&](uint32_t c, OptU sat, OptU dsat) {
        n.ops_count = c;
        n.ops_sat = sat;
        n.ops_dsat = dsat;
    };
    switch (n.fragment) {
    case Fragment::JUST_1: return set(0, 0, std::nullopt);
    case Fragment::JUST_0: return set(0, std::nullopt, 0);
    case Fragment::PK_K: return set(0, 0, 0);
    case Fragment::PK_H: return set(3, 0, 0);
    case Fragment::OLDER:
    case Fragment::AFTER: return set(1, 0, std::nullopt);
    case Fragment::SHA256:
    case Fragment::RIPEMD160:
    case Fragment::HASH256:
    case Fragment::HASH160: return set(4, 0, std::nullopt);
    case Fragment::AND_V: return set(s[0]->ops_count + s[1]->ops_count, Add(s[0]->ops_sat, s[1]->ops_sat), std::nullopt);
    case Fragment::AND_B:
        return set(1 + s[0]->ops_count + s[1]->ops_count, Add(s[0]->ops_sat, s[1]->ops_sat),
                   Add(s[0]->ops_dsat, s[1]->ops_dsat));
    case Fragment::OR_B:
        return set(1 + s[0]->ops_count + s[1]->ops_count,
                   Max(Add(s[0]->ops_sat, s[1]->ops_dsat), Add(s[1]->ops_sat, s[0]->ops_dsat)),
                   Add(s[0]->ops_dsat, s[1]->ops_dsat));
    case Fragment::OR_D:
        return set(3 + s[0]->ops_count + s[1]->ops_count, Max(s[0]->ops_sat, Add(s[1]->ops_sat, s[0]->ops_dsat)),
                   Add(s[0]->ops_dsat, s[1]->ops_dsat));
    case Fragment::OR_C:
        return set(2 + s[0]->ops_count + s[1]->ops_count, Max(s[0]->ops_sat, Add(s[1]->ops_sat, s[0]->ops_dsat)),
                   std::nullopt);
    case Fragment::OR_I:
        return set(3 + s[0]->ops_count + s[1]->ops_count, Max(s[0]->ops_sat, s[1]->ops_sat),
                   Max(s[0]->ops_dsat, s[1]->ops_dsat));
    case Fragment::ANDOR:
        return set(3 + s[0]->ops_count + s[1]->ops_count + s[2]->ops_count,
                   Max(Add(s[1]->ops_sat, s[0]->ops_sat), Add(s[0]->ops_dsat, s[2]->ops_sat)),
                   Add(s[0]->ops_dsat, s[2]->ops_dsat));
    case Fragment::MULTI: return set(1, uint32_t(n.keys.size()), uint32_t(n.keys.size()));
    case Fragment::MULTI_A: return set(uint32_t(n.keys.size()) + 1, 0, 0);
    case Fragment::WRAP_S:
    case Fragment::WRAP_C:
    case Fragment::WRAP_N: return set(1 + s[0]->ops_count, s[0]->ops_sat, s[0]->ops_dsat);
    case Fragment::WRAP_A: return set(2 + s[0]->ops_count, s[0]->ops_sat, s[0]->ops_dsat);
    case Fragment::WRAP_D: return set(3 + s[0]->ops_count, s[0]->ops_sat, 0);
    case Fragment::WRAP_J: return set(4 + s[0]->ops_count, s[0]->ops_sat, 0);
    case Fragment::WRAP_V:
        return set(s[0]->ops_count + (s[0]->type.Has("x") ? 1 : 0), s[0]->ops_sat, std::nullopt);
    case Fragment::THRESH: {
        uint32_t count = 0;
        std::vector<OptU> sats{OptU(0)};
        for (const auto& sub : s) {
            count += sub->ops_count + 1;
            std::vector<OptU> next{Add(sats[0], sub->ops_dsat)};
            for (size_t j = 1; j < sats.size(); ++j) {
                next.push_back(Max(Add(sats[j], sub->ops_dsat), Add(sats[j - 1], sub->ops_sat)));
            }
            next.push_back(Add(sats.back(), sub->ops_sat));
            sats = std::move(next);
        }
        return set(count, n.k < sats.size() ? sats[n.k] : std::nullopt, sats[0]);
    }
    }
}

void ComputeStack(Node& n)
{
    const auto& s = n.subs;
    auto set = [&](SatInfo sat, SatInfo dsat) {
        n.ss_sat = sat;
        n.ss_dsat = dsat;
    };
    const SatInfo none{};
    switch (n.fragment) {
    case Fragment::JUST_0: return set(none, SPush());
    case Fragment::JUST_1: return set(SPush(), none);
    case Fragment::OLDER:
    case Fragment::AFTER: return set(SAdd(SPush(), SZero()), none);
    case Fragment::PK_K: return set(SPush(), SPush());
    case Fragment::PK_H: {
        // DUP HASH160 <h> EQUALVERIFY
        const SatInfo t = SAdd(SAdd(SAdd(SPush(), SZero()), SPush()), SEqualVerify());
        return set(t, t);
    }
    case Fragment::SHA256:
    case Fragment::RIPEMD160:
    case Fragment::HASH256:
    case Fragment::HASH160: {
        // SIZE <32> EQUALVERIFY HASH <h> EQUAL
        SatInfo t = SAdd(SPush(), SPush());
        t = SAdd(SAdd(SAdd(SAdd(t, SEqualVerify()), SZero()), SPush()), SOne());
        return set(t, none);
    }
    case Fragment::ANDOR:
        return set(SOr(SAdd(SAdd(s[0]->ss_sat, SOne()), s[1]->ss_sat), SAdd(SAdd(s[0]->ss_dsat, SOne()), s[2]->ss_sat)),
                   SAdd(SAdd(s[0]->ss_dsat, SOne()), s[2]->ss_dsat));
    case Fragment::AND_V: return set(SAdd(s[0]->ss_sat, s[1]->ss_sat), none);
    case Fragment::AND_B:
        return set(SAdd(SAdd(s[0]->ss_sat, s[1]->ss_sat), SOne()), SAdd(SAdd(s[0]->ss_dsat, s[1]->ss_dsat), SOne()));
    case Fragment::OR_B:
        return set(SAdd(SOr(SAdd(s[0]->ss_sat, s[1]->ss_dsat), SAdd(s[0]->ss_dsat, s[1]->ss_sat)), SOne()),
                   SAdd(SAdd(s[0]->ss_dsat, s[1]->ss_dsat), SOne()));
    case Fragment::OR_C:
        return set(SOr(SAdd(s[0]->ss_sat, SOne()), SAdd(SAdd(s[0]->ss_dsat, SOne()), s[1]->ss_sat)), none);
    case Fragment::OR_D: {
        // IFDUP pushes a copy when the top is non-zero.
        const SatInfo ifdup_t = SatInfo::Of(-1, 0), ifdup_f = SZero();
        return set(SOr(SAdd(SAdd(s[0]->ss_sat, ifdup_t), SOne()),
                       SAdd(SAdd(SAdd(s[0]->ss_dsat, ifdup_f), SOne()), s[1]->ss_sat)),
                   SAdd(SAdd(SAdd(s[0]->ss_dsat, ifdup_f), SOne()), s[1]->ss_dsat));
    }
    case Fragment::OR_I:
        return set(SAdd(SOne(), SOr(s[0]->ss_sat, s[1]->ss_sat)), SAdd(SOne(), SOr(s[0]->ss_dsat, s[1]->ss_dsat)));
    case Fragment::MULTI: {
        // Starts with k+1 elements, peaks k+n+2 above the single result.
        const SatInfo t = SatInfo::Of(int32_t(n.k), int32_t(n.k + n.keys.size() + 2));
        return set(t, t);
    }
    case Fragment::MULTI_A: {
        const SatInfo t = SatInfo::Of(int32_t(n.keys.size()) - 1, int32_t(n.keys.size()));
        return set(t, t);
    }
    case Fragment::WRAP_A:
    case Fragment::WRAP_N:
    case Fragment::WRAP_S: return set(s[0]->ss_sat, s[0]->ss_dsat);
    case Fragment::WRAP_C: return set(SAdd(s[0]->ss_sat, SOne()), SAdd(s[0]->ss_dsat, SOne()));
    case Fragment::WRAP_D: {
        const SatInfo pre = SAdd(SPush(), SOne());  // DUP IF
        return set(SAdd(pre, s[0]->ss_sat), pre);
    }
    case Fragment::WRAP_V: return set(SAdd(s[0]->ss_sat, SOne()), none);
    case Fragment::WRAP_J: {
        const SatInfo pre = SAdd(SAdd(SPush(), SZero()), SOne());  // SIZE 0NOTEQUAL IF
        return set(SAdd(pre, s[0]->ss_sat), pre);
    }
    case Fragment::THRESH: {
        std::vector<SatInfo> sats{SZero()};
        for (size_t i = 0; i < s.size(); ++i) {
            const SatInfo add = i ? SOne() : SZero();
            std::vector<SatInfo> next{SAdd(SAdd(sats[0], s[i]->ss_dsat), add)};
            for (size_t j = 1; j < sats.size(); ++j) {
                next.push_back(SAdd(SOr(SAdd(sats[j], s[i]->ss_dsat), SAdd(sats[j - 1], s[i]->ss_sat)), add));
            }
            next.push_back(SAdd(SAdd(sats.back(), s[i]->ss_sat), add));
            sats = std::move(next);
        }
        const SatInfo tail = SAdd(SPush(), SOne());
        return set(n.k < sats.size() ? SAdd(sats[n.k], tail) : none, SAdd(sats[0], tail));
    }
    }
}

} // namespace

std::string Type::ToString() const
{
    constexpr std::string_view ALL = "BVKWzondufesmxghijk";
    std::string r;
    for (size_t i = 0; i < ALL.size(); ++i) {
        if (m_flags & (uint32_t{1} << i)) r += ALL[i];
    }
    return r;
}

uint32_t MaxScriptSize(MsContext ctx)
{
    if (IsTapscript(ctx)) {
        // 400000 standard weight, minus a one-input one-output tx body (378 WU) and the largest Tapscript
        // witness (1000 items of 65 bytes plus a 4129-byte control block: 70135), minus the length prefix.
        constexpr uint32_t max_size = 400000 - 378 - 70135;
        return max_size - 5;
    }
    return MAX_STANDARD_P2WSH_SCRIPT;
}

Node::Node(MsContext c, Fragment f, std::vector<NodeRef> s, std::vector<uint32_t> ks, std::vector<uint8_t> d,
           uint32_t kk)
    : fragment(f), k(kk), keys(std::move(ks)), data(std::move(d)), subs(std::move(s)), ctx(c)
{
    bool subs_typed = true;
    for (const auto& sub : subs) subs_typed = subs_typed && !sub->type.Empty();
    ComputeOps(*this);
    ComputeStack(*this);
    type = subs_typed || fragment == Fragment::THRESH ? Sanitize(ComputeType(*this)) : Type();
    if (fragment == Fragment::THRESH) {
        for (const auto& sub : subs) {
            if (sub->type.Empty()) type = Type();
        }
    }
    script_len = ComputeScriptLen(*this);
    for (const auto& sub : subs) depth = std::max(depth, sub->depth + 1);
}

bool Node::IsValid() const { return !type.Empty() && script_len <= MaxScriptSize(ctx); }

std::optional<uint32_t> Node::GetOps() const
{
    if (!ops_sat) return std::nullopt;
    return ops_count + *ops_sat;
}

bool Node::CheckOpsLimit() const
{
    if (IsTapscript(ctx)) return true;
    if (auto o = GetOps()) return *o <= uint32_t(MAX_OPS_PER_SCRIPT);
    return true;
}

std::optional<uint32_t> Node::GetStackSize() const
{
    if (!ss_sat.valid) return std::nullopt;
    const bool bkw = type.Has("B") || type.Has("K") || type.Has("W");
    return uint32_t(ss_sat.netdiff + (bkw ? 1 : 0));
}

std::optional<uint32_t> Node::GetExecStackSize() const
{
    if (!ss_sat.valid) return std::nullopt;
    const bool bkw = type.Has("B") || type.Has("K") || type.Has("W");
    return uint32_t(ss_sat.exec + (bkw ? 1 : 0));
}

bool Node::CheckStackSize() const
{
    // Tapscript has no standardness limit on witness items, but execution must stay within MAX_STACK_SIZE.
    if (IsTapscript(ctx)) {
        if (auto e = GetExecStackSize()) return *e <= uint32_t(MAX_STACK_SIZE);
        return true;
    }
    if (auto s = GetStackSize()) return *s <= MAX_STANDARD_P2WSH_ITEMS;
    return true;
}

const Node* Node::FindInsaneSub() const
{
    for (const auto& s : subs) {
        if (const Node* r = s->FindInsaneSub()) return r;
    }
    return IsSaneSubexpression() ? nullptr : this;
}

// -------------------------------------------------------------------------------------------------------------
// Duplicate keys.

namespace {

void CollectKeys(Node& n, const std::function<std::vector<uint8_t>(uint32_t)>& identity,
                 std::set<std::vector<uint8_t>>& out)
{
    bool dup = false;
    std::set<std::vector<uint8_t>> mine;
    for (const auto& s : n.subs) {
        std::set<std::vector<uint8_t>> sub_keys;
        CollectKeys(const_cast<Node&>(*s), identity, sub_keys);
        if (s->has_duplicate_keys && *s->has_duplicate_keys) dup = true;
        for (auto& k : sub_keys) {
            if (!mine.insert(k).second) dup = true;
        }
    }
    for (uint32_t k : n.keys) {
        if (!mine.insert(identity(k)).second) dup = true;
    }
    n.has_duplicate_keys = dup;
    out = std::move(mine);
}

} // namespace

void ComputeDuplicateKeys(Node& root, const std::function<std::vector<uint8_t>(uint32_t)>& identity)
{
    std::set<std::vector<uint8_t>> all;
    CollectKeys(root, identity, all);
}

// -------------------------------------------------------------------------------------------------------------
// Parsing from text (BIP379 syntax; accepts and rejects what Core's Parse does).

namespace {

using Sp = std::string_view;

bool ConstP(Sp str, Sp& sp, bool skip = true)
{
    if (sp.substr(0, str.size()) == str) {
        if (skip) sp.remove_prefix(str.size());
        return true;
    }
    return false;
}

/** Core's script::Expr: up to ',' or ')' at nesting level 0. */
Sp ExprP(Sp& sp)
{
    int level = 0;
    size_t i = 0;
    for (; i < sp.size(); ++i) {
        const char c = sp[i];
        if (c == '(' || c == '{') {
            ++level;
        } else if (level && (c == ')' || c == '}')) {
            --level;
        } else if (level == 0 && (c == ')' || c == '}' || c == ',')) {
            break;
        }
    }
    Sp r = sp.substr(0, i);
    sp.remove_prefix(i);
    return r;
}

bool FuncP(Sp name, Sp& sp)
{
    if (sp.size() >= name.size() + 2 && sp[name.size()] == '(' && sp.back() == ')' &&
        sp.substr(0, name.size()) == name) {
        sp = sp.substr(name.size() + 1, sp.size() - name.size() - 2);
        return true;
    }
    return false;
}

/** Core's FindNextChar: position of m before the next ')', else npos. */
size_t FindNext(Sp sp, char m)
{
    for (size_t i = 0; i < sp.size(); ++i) {
        if (sp[i] == m) return i;
        if (sp[i] == ')') break;
    }
    return Sp::npos;
}

std::optional<int64_t> ToI64(Sp s)
{
    int64_t v{};
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

class Parser
{
public:
    Parser(MsContext ctx, const KeyCallbacks& keys) : m_ctx(ctx), m_keys(keys), m_max(MaxScriptSize(ctx)) {}

    NodeRef Wrapped(Sp& in, size_t depth)
    {
        if (depth > MAX_PARSE_DEPTH) return nullptr;
        std::optional<size_t> colon;
        for (size_t i = 1; i < in.size(); ++i) {
            if (in[i] == ':') {
                colon = i;
                break;
            }
            if (in[i] < 'a' || in[i] > 'z') break;
        }
        std::string wrappers;
        if (colon) {
            bool last_v = false;
            for (size_t j = 0; j < *colon; ++j) {
                const char c = in[j];
                if (std::string_view("asctdvjnlu").find(c) == std::string_view::npos) return nullptr;
                if (c == 'v' && last_v) return nullptr;  // "vv:" is not accepted (as Core)
                last_v = c == 'v';
                wrappers += c;
            }
            if (depth + wrappers.size() > MAX_PARSE_DEPTH) return nullptr;
            in.remove_prefix(*colon + 1);
        }
        NodeRef node = Expression(in, depth + wrappers.size() + 1);
        if (!node) return nullptr;
        // The innermost wrapper is the one closest to the expression.
        for (size_t j = wrappers.size(); j-- > 0;) {
            switch (wrappers[j]) {
            case 'a': node = Make(Fragment::WRAP_A, {node}); break;
            case 's': node = Make(Fragment::WRAP_S, {node}); break;
            case 'c': node = Make(Fragment::WRAP_C, {node}); break;
            case 'd': node = Make(Fragment::WRAP_D, {node}); break;
            case 'v': node = Make(Fragment::WRAP_V, {node}); break;
            case 'j': node = Make(Fragment::WRAP_J, {node}); break;
            case 'n': node = Make(Fragment::WRAP_N, {node}); break;
            case 't': node = Make(Fragment::AND_V, {node, Make(Fragment::JUST_1)}); break;
            case 'u': node = Make(Fragment::OR_I, {node, Make(Fragment::JUST_0)}); break;
            case 'l': node = Make(Fragment::OR_I, {Make(Fragment::JUST_0), node}); break;
            }
            if (node->script_len > m_max) return nullptr;
        }
        return node;
    }

    bool failed_key{false};

private:
    NodeRef Make(Fragment f, std::vector<NodeRef> subs = {}, std::vector<uint32_t> keys = {},
                 std::vector<uint8_t> data = {}, uint32_t k = 0)
    {
        return std::make_shared<Node>(m_ctx, f, std::move(subs), std::move(keys), std::move(data), k);
    }

    std::optional<uint32_t> Key(Sp name, Sp& in)
    {
        Sp expr = ExprP(in);
        if (!FuncP(name, expr)) return std::nullopt;
        auto k = m_keys.from_string(expr);
        if (!k) failed_key = true;
        return k;
    }

    std::optional<std::vector<uint8_t>> Hex(Sp name, Sp& in, size_t size)
    {
        Sp expr = ExprP(in);
        if (!FuncP(name, expr)) return std::nullopt;
        if (!IsHex(expr)) return std::nullopt;
        auto h = ParseHex(expr);
        if (h.size() != size) return std::nullopt;
        return std::vector<uint8_t>(h.begin(), h.end());
    }

    std::optional<uint32_t> Lock(Sp name, Sp& in)
    {
        Sp expr = ExprP(in);
        if (!FuncP(name, expr)) return std::nullopt;
        auto num = ToI64(expr);
        if (!num || *num < 1 || *num >= 0x80000000L) return std::nullopt;
        return uint32_t(*num);
    }

    NodeRef Multi(Sp& in, bool is_a)
    {
        if (m_ctx != (is_a ? MsContext::TAPSCRIPT : MsContext::P2WSH)) return nullptr;
        const size_t max_keys = is_a ? MAX_PUBKEYS_PER_MULTI_A : MAX_PUBKEYS_PER_MULTISIG;
        size_t comma = FindNext(in, ',');
        if (comma == Sp::npos || comma < 1) return nullptr;
        auto k = ToI64(in.substr(0, comma));
        if (!k) return nullptr;
        in.remove_prefix(comma + 1);
        std::vector<uint32_t> keys;
        bool more = true;
        while (more) {
            comma = FindNext(in, ',');
            more = comma != Sp::npos;
            size_t len = more ? comma : FindNext(in, ')');
            if (len == Sp::npos || len < 1) return nullptr;
            auto key = m_keys.from_string(in.substr(0, len));
            if (!key) {
                failed_key = true;
                return nullptr;
            }
            keys.push_back(*key);
            in.remove_prefix(len + 1);
            // Bounded: past the limit the check below fails anyway.
            if (keys.size() > max_keys) return nullptr;
        }
        if (keys.empty() || keys.size() > max_keys) return nullptr;
        if (*k < 1 || *k > int64_t(keys.size())) return nullptr;
        return Make(is_a ? Fragment::MULTI_A : Fragment::MULTI, {}, std::move(keys), {}, uint32_t(*k));
    }

    bool Expect(Sp& in, char c)
    {
        if (in.empty() || in[0] != c) return false;
        in.remove_prefix(1);
        return true;
    }

    NodeRef Expression(Sp& in, size_t depth)
    {
        if (depth > MAX_PARSE_DEPTH) return nullptr;
        NodeRef r;
        if (ConstP("0", in)) return Make(Fragment::JUST_0);
        if (ConstP("1", in)) return Make(Fragment::JUST_1);
        if (ConstP("pk(", in, false)) {
            auto k = Key("pk", in);
            if (!k) return nullptr;
            return Make(Fragment::WRAP_C, {Make(Fragment::PK_K, {}, {*k})});
        }
        if (ConstP("pkh(", in, false)) {
            auto k = Key("pkh", in);
            if (!k) return nullptr;
            return Make(Fragment::WRAP_C, {Make(Fragment::PK_H, {}, {*k})});
        }
        if (ConstP("pk_k(", in, false)) {
            auto k = Key("pk_k", in);
            if (!k) return nullptr;
            return Make(Fragment::PK_K, {}, {*k});
        }
        if (ConstP("pk_h(", in, false)) {
            auto k = Key("pk_h", in);
            if (!k) return nullptr;
            return Make(Fragment::PK_H, {}, {*k});
        }
        static const std::pair<Sp, std::pair<Fragment, size_t>> HASHES[] = {
            {"sha256", {Fragment::SHA256, 32}},
            {"ripemd160", {Fragment::RIPEMD160, 20}},
            {"hash256", {Fragment::HASH256, 32}},
            {"hash160", {Fragment::HASH160, 20}},
        };
        for (const auto& [name, fs] : HASHES) {
            if (ConstP(std::string(name) + "(", in, false)) {
                auto h = Hex(name, in, fs.second);
                if (!h) return nullptr;
                return Make(fs.first, {}, {}, std::move(*h));
            }
        }
        if (ConstP("after(", in, false)) {
            auto v = Lock("after", in);
            if (!v) return nullptr;
            return Make(Fragment::AFTER, {}, {}, {}, *v);
        }
        if (ConstP("older(", in, false)) {
            auto v = Lock("older", in);
            if (!v) return nullptr;
            return Make(Fragment::OLDER, {}, {}, {}, *v);
        }
        if (ConstP("multi(", in)) return Multi(in, false);
        if (ConstP("multi_a(", in)) return Multi(in, true);
        if (ConstP("thresh(", in)) {
            const size_t comma = FindNext(in, ',');
            if (comma == Sp::npos || comma < 1) return nullptr;
            auto k = ToI64(in.substr(0, comma));
            if (!k || *k < 1) return nullptr;
            in.remove_prefix(comma + 1);
            std::vector<NodeRef> subs;
            size_t size = 0;
            for (;;) {
                auto sub = Wrapped(in, depth + 1);
                if (!sub) return nullptr;
                size += sub->script_len + 1;
                subs.push_back(std::move(sub));
                if (size > m_max) return nullptr;
                if (in.empty()) return nullptr;
                if (in[0] == ',') {
                    in.remove_prefix(1);
                    continue;
                }
                if (in[0] != ')') return nullptr;
                in.remove_prefix(1);
                break;
            }
            if (*k > int64_t(subs.size())) return nullptr;
            return Make(Fragment::THRESH, std::move(subs), {}, {}, uint32_t(*k));
        }
        struct Binary {
            Sp name;
            int arity;
        };
        static const Binary BINS[] = {{"andor(", 3}, {"and_n(", 2}, {"and_b(", 2}, {"and_v(", 2},
                                      {"or_b(", 2},  {"or_c(", 2},  {"or_d(", 2},  {"or_i(", 2}};
        for (const auto& b : BINS) {
            if (!ConstP(b.name, in)) continue;
            std::vector<NodeRef> subs;
            size_t size = 0;
            for (int i = 0; i < b.arity; ++i) {
                if (i && !Expect(in, ',')) return nullptr;
                auto sub = Wrapped(in, depth + 1);
                if (!sub) return nullptr;
                size += sub->script_len;
                if (size > m_max) return nullptr;
                subs.push_back(std::move(sub));
            }
            if (!Expect(in, ')')) return nullptr;
            Fragment f;
            if (b.name == "andor(") {
                f = Fragment::ANDOR;
            } else if (b.name == "and_n(") {
                subs.push_back(Make(Fragment::JUST_0));
                f = Fragment::ANDOR;
            } else if (b.name == "and_b(") {
                f = Fragment::AND_B;
            } else if (b.name == "and_v(") {
                f = Fragment::AND_V;
            } else if (b.name == "or_b(") {
                f = Fragment::OR_B;
            } else if (b.name == "or_c(") {
                f = Fragment::OR_C;
            } else if (b.name == "or_d(") {
                f = Fragment::OR_D;
            } else {
                f = Fragment::OR_I;
            }
            r = Make(f, std::move(subs));
            if (r->script_len > m_max) return nullptr;
            return r;
        }
        return nullptr;
    }

    MsContext m_ctx;
    const KeyCallbacks& m_keys;
    size_t m_max;
};

} // namespace

NodeRef FromString(std::string_view text, MsContext ctx, const KeyCallbacks& keys)
{
    Parser p(ctx, keys);
    Sp in = text;
    NodeRef node = p.Wrapped(in, 0);
    if (!node || !in.empty()) return nullptr;
    if (node->script_len > MaxScriptSize(ctx)) return nullptr;
    if (keys.identity) {
        auto copy = std::make_shared<Node>(*node);
        ComputeDuplicateKeys(*copy, keys.identity);
        return copy;
    }
    return node;
}

// -------------------------------------------------------------------------------------------------------------
// Decoding scripts (the inverse of ToScript). The script is read backwards as a list of opcodes, with the
// *VERIFY opcodes split into their base opcode and OP_VERIFY; an explicit work stack replaces recursion.

namespace {

using Op = std::pair<opcodetype, std::vector<uint8_t>>;

bool MinimalPush(const std::vector<uint8_t>& data, opcodetype op)
{
    if (data.empty()) return op == OP_0;
    if (data.size() == 1 && data[0] >= 1 && data[0] <= 16) return false;
    if (data.size() == 1 && data[0] == 0x81) return false;
    if (data.size() <= 75) return op == data.size();
    if (data.size() <= 255) return op == OP_PUSHDATA1;
    if (data.size() <= 65535) return op == OP_PUSHDATA2;
    return true;
}

std::optional<std::vector<Op>> Decompose(const Script& script)
{
    std::vector<Op> out;
    size_t pc = 0;
    while (pc < script.size()) {
        opcodetype op;
        std::vector<uint8_t> data;
        if (!script.GetOp(pc, op, &data)) return std::nullopt;
        if (op >= OP_1 && op <= OP_16) {
            data.assign(1, uint8_t(Script::DecodeOP_N(op)));
        } else if (op == OP_CHECKSIGVERIFY || op == OP_CHECKMULTISIGVERIFY || op == OP_EQUALVERIFY ||
                   op == OP_NUMEQUALVERIFY) {
            const opcodetype base = op == OP_CHECKSIGVERIFY        ? OP_CHECKSIG
                                    : op == OP_CHECKMULTISIGVERIFY ? OP_CHECKMULTISIG
                                    : op == OP_EQUALVERIFY         ? OP_EQUAL
                                                                   : OP_NUMEQUAL;
            out.emplace_back(base, std::vector<uint8_t>());
            op = OP_VERIFY;
        } else if (op > OP_0 && op <= OP_PUSHDATA4) {
            if (!MinimalPush(data, op)) return std::nullopt;
        } else if (pc < script.size() &&
                   (op == OP_CHECKSIG || op == OP_CHECKMULTISIG || op == OP_EQUAL || op == OP_NUMEQUAL) &&
                   script.bytes()[pc] == OP_VERIFY) {
            return std::nullopt;  // X VERIFY where XVERIFY exists is not minimal
        }
        out.emplace_back(op, std::move(data));
    }
    std::reverse(out.begin(), out.end());
    return out;
}

std::optional<int64_t> ScriptNumber(const Op& in)
{
    if (in.first == OP_0) return 0;
    if (in.second.empty()) return std::nullopt;
    if (in.first > OP_0 && in.first <= OP_PUSHDATA4 && !MinimalPush(in.second, in.first)) return std::nullopt;
    if (in.second.size() > 4 || !ScriptNum::IsMinimallyEncoded(in.second)) return std::nullopt;
    return ScriptNum(in.second, true).value();
}

enum class Dec {
    SINGLE_BKV, BKV, W, SWAP, ALT, CHECK, DUP_IF, VERIFY, NON_ZERO, ZERO_NOTEQUAL, MAYBE_AND_V, AND_V, AND_B,
    ANDOR, OR_B, OR_C, OR_D, THRESH_W, THRESH_E, ENDIF, ENDIF_NOTIF, ENDIF_ELSE,
};

} // namespace

NodeRef FromScript(const Script& script, MsContext ctx, const ScriptKeyCallbacks& kc)
{
    if (script.size() > MaxScriptSize(ctx)) return nullptr;
    auto ops = Decompose(script);
    if (!ops) return nullptr;
    const std::vector<Op>& v = *ops;
    size_t in = 0;
    const size_t last = v.size();
    auto left = [&]() { return last - in; };
    struct Todo {
        Dec d;
        int64_t n, k;
    };
    std::vector<Todo> todo{{Dec::BKV, -1, -1}};
    std::vector<NodeRef> built;
    auto make = [&](Fragment f, std::vector<NodeRef> subs = {}, std::vector<uint32_t> keys = {},
                    std::vector<uint8_t> data = {}, uint32_t k = 0) {
        return std::make_shared<Node>(ctx, f, std::move(subs), std::move(keys), std::move(data), k);
    };
    auto wrap = [&](Fragment f) -> bool {
        if (built.empty()) return false;
        built.back() = make(f, {built.back()});
        return true;
    };
    // Pops two: the later-built one is the first child (the script is read backwards).
    auto build2 = [&](Fragment f) -> bool {
        if (built.size() < 2) return false;
        NodeRef child = built.back();
        built.pop_back();
        built.back() = make(f, {child, built.back()});
        return true;
    };
    while (!todo.empty()) {
        if (!built.empty() && (!built.back()->IsValid() || built.back()->depth > MAX_PARSE_DEPTH)) return nullptr;
        const Todo cur = todo.back();
        todo.pop_back();
        switch (cur.d) {
        case Dec::SINGLE_BKV: {
            if (in >= last) return nullptr;
            const Op& o = v[in];
            if (o.first == OP_1) {
                ++in;
                built.push_back(make(Fragment::JUST_1));
                break;
            }
            if (o.first == OP_0) {
                ++in;
                built.push_back(make(Fragment::JUST_0));
                break;
            }
            if (o.second.size() == 33 || o.second.size() == 32) {
                auto key = kc.from_bytes(o.second);
                if (!key) return nullptr;
                ++in;
                built.push_back(make(Fragment::PK_K, {}, {*key}));
                break;
            }
            if (left() >= 5 && o.first == OP_VERIFY && v[in + 1].first == OP_EQUAL && v[in + 3].first == OP_HASH160 &&
                v[in + 4].first == OP_DUP && v[in + 2].second.size() == 20) {
                auto key = kc.from_pkh(v[in + 2].second);
                if (!key) return nullptr;
                in += 5;
                built.push_back(make(Fragment::PK_H, {}, {*key}));
                break;
            }
            std::optional<int64_t> num;
            if (left() >= 2 && (o.first == OP_CHECKSEQUENCEVERIFY || o.first == OP_CHECKLOCKTIMEVERIFY) &&
                (num = ScriptNumber(v[in + 1]))) {
                if (*num < 1 || *num > 0x7FFFFFFFL) return nullptr;
                const Fragment f = o.first == OP_CHECKSEQUENCEVERIFY ? Fragment::OLDER : Fragment::AFTER;
                in += 2;
                built.push_back(make(f, {}, {}, {}, uint32_t(*num)));
                break;
            }
            if (left() >= 7 && o.first == OP_EQUAL && v[in + 3].first == OP_VERIFY && v[in + 4].first == OP_EQUAL &&
                (num = ScriptNumber(v[in + 5])) && *num == 32 && v[in + 6].first == OP_SIZE) {
                const opcodetype h = v[in + 2].first;
                const size_t sz = v[in + 1].second.size();
                std::optional<Fragment> f;
                if (h == OP_SHA256 && sz == 32) f = Fragment::SHA256;
                if (h == OP_RIPEMD160 && sz == 20) f = Fragment::RIPEMD160;
                if (h == OP_HASH256 && sz == 32) f = Fragment::HASH256;
                if (h == OP_HASH160 && sz == 20) f = Fragment::HASH160;
                if (f) {
                    built.push_back(make(*f, {}, {}, v[in + 1].second));
                    in += 7;
                    break;
                }
            }
            if (left() >= 3 && o.first == OP_CHECKMULTISIG) {
                if (IsTapscript(ctx)) return nullptr;
                const auto n = ScriptNumber(v[in + 1]);
                if (!n || *n < 1 || *n > 20 || int64_t(left()) < 3 + *n) return nullptr;
                std::vector<uint32_t> keys;
                for (int64_t i = 0; i < *n; ++i) {
                    if (v[in + 2 + i].second.size() != 33) return nullptr;
                    auto key = kc.from_bytes(v[in + 2 + i].second);
                    if (!key) return nullptr;
                    keys.push_back(*key);
                }
                const auto k = ScriptNumber(v[in + 2 + *n]);
                if (!k || *k < 1 || *k > *n) return nullptr;
                in += 3 + *n;
                std::reverse(keys.begin(), keys.end());
                built.push_back(make(Fragment::MULTI, {}, std::move(keys), {}, uint32_t(*k)));
                break;
            }
            if (left() >= 4 && o.first == OP_NUMEQUAL) {
                if (!IsTapscript(ctx)) return nullptr;
                const auto k = ScriptNumber(v[in + 1]);
                if (!k || *k < 1 || *k > int64_t(MAX_PUBKEYS_PER_MULTI_A)) return nullptr;
                if (int64_t(left()) < 2 + *k * 2) return nullptr;
                std::vector<uint32_t> keys;
                for (size_t pos = 2;; pos += 2) {
                    if (left() < pos + 2) return nullptr;
                    if (v[in + pos].first != OP_CHECKSIGADD && v[in + pos].first != OP_CHECKSIG) return nullptr;
                    if (v[in + pos + 1].second.size() != 32) return nullptr;
                    auto key = kc.from_bytes(v[in + pos + 1].second);
                    if (!key) return nullptr;
                    keys.push_back(*key);
                    if (keys.size() > MAX_PUBKEYS_PER_MULTI_A) return nullptr;
                    if (v[in + pos].first == OP_CHECKSIG) break;
                }
                if (keys.size() < size_t(*k)) return nullptr;
                in += 2 + keys.size() * 2;
                std::reverse(keys.begin(), keys.end());
                built.push_back(make(Fragment::MULTI_A, {}, std::move(keys), {}, uint32_t(*k)));
                break;
            }
            // c:, v:, n: commute with and_v, so a single expression is enough below them.
            if (o.first == OP_CHECKSIG || o.first == OP_VERIFY || o.first == OP_0NOTEQUAL) {
                ++in;
                todo.push_back({o.first == OP_CHECKSIG ? Dec::CHECK : o.first == OP_VERIFY ? Dec::VERIFY : Dec::ZERO_NOTEQUAL,
                                -1, -1});
                todo.push_back({Dec::SINGLE_BKV, -1, -1});
                break;
            }
            if (left() >= 3 && o.first == OP_EQUAL && (num = ScriptNumber(v[in + 1]))) {
                if (*num < 1) return nullptr;
                in += 2;
                todo.push_back({Dec::THRESH_W, 0, *num});
                break;
            }
            if (o.first == OP_ENDIF) {
                ++in;
                todo.push_back({Dec::ENDIF, -1, -1});
                todo.push_back({Dec::BKV, -1, -1});
                break;
            }
            if (o.first == OP_BOOLAND || o.first == OP_BOOLOR) {
                ++in;
                todo.push_back({o.first == OP_BOOLAND ? Dec::AND_B : Dec::OR_B, -1, -1});
                todo.push_back({Dec::SINGLE_BKV, -1, -1});
                todo.push_back({Dec::W, -1, -1});
                break;
            }
            return nullptr;
        }
        case Dec::BKV:
            todo.push_back({Dec::MAYBE_AND_V, -1, -1});
            todo.push_back({Dec::SINGLE_BKV, -1, -1});
            break;
        case Dec::W:
            if (in >= last) return nullptr;
            if (v[in].first == OP_FROMALTSTACK) {
                ++in;
                todo.push_back({Dec::ALT, -1, -1});
            } else {
                todo.push_back({Dec::SWAP, -1, -1});
            }
            todo.push_back({Dec::BKV, -1, -1});
            break;
        case Dec::MAYBE_AND_V:
            if (in < last && v[in].first != OP_IF && v[in].first != OP_ELSE && v[in].first != OP_NOTIF &&
                v[in].first != OP_TOALTSTACK && v[in].first != OP_SWAP) {
                todo.push_back({Dec::AND_V, -1, -1});
                todo.push_back({Dec::BKV, -1, -1});
            }
            break;
        case Dec::SWAP:
            if (in >= last || v[in].first != OP_SWAP || built.empty()) return nullptr;
            ++in;
            wrap(Fragment::WRAP_S);
            break;
        case Dec::ALT:
            if (in >= last || v[in].first != OP_TOALTSTACK || built.empty()) return nullptr;
            ++in;
            wrap(Fragment::WRAP_A);
            break;
        case Dec::CHECK:
            if (!wrap(Fragment::WRAP_C)) return nullptr;
            break;
        case Dec::DUP_IF:
            if (!wrap(Fragment::WRAP_D)) return nullptr;
            break;
        case Dec::VERIFY:
            if (!wrap(Fragment::WRAP_V)) return nullptr;
            break;
        case Dec::NON_ZERO:
            if (!wrap(Fragment::WRAP_J)) return nullptr;
            break;
        case Dec::ZERO_NOTEQUAL:
            if (!wrap(Fragment::WRAP_N)) return nullptr;
            break;
        case Dec::AND_V:
            if (!build2(Fragment::AND_V)) return nullptr;
            break;
        case Dec::AND_B:
            if (!build2(Fragment::AND_B)) return nullptr;
            break;
        case Dec::OR_B:
            if (!build2(Fragment::OR_B)) return nullptr;
            break;
        case Dec::OR_C:
            if (!build2(Fragment::OR_C)) return nullptr;
            break;
        case Dec::OR_D:
            if (!build2(Fragment::OR_D)) return nullptr;
            break;
        case Dec::ANDOR: {
            if (built.size() < 3) return nullptr;
            NodeRef x = built.back();
            built.pop_back();
            NodeRef z = built.back();
            built.pop_back();
            NodeRef y = built.back();
            built.back() = make(Fragment::ANDOR, {x, y, z});
            break;
        }
        case Dec::THRESH_W:
            if (in >= last) return nullptr;
            if (v[in].first == OP_ADD) {
                ++in;
                todo.push_back({Dec::THRESH_W, cur.n + 1, cur.k});
                todo.push_back({Dec::W, -1, -1});
            } else {
                todo.push_back({Dec::THRESH_E, cur.n + 1, cur.k});
                todo.push_back({Dec::SINGLE_BKV, -1, -1});
            }
            break;
        case Dec::THRESH_E: {
            if (cur.k < 1 || cur.k > cur.n || built.size() < size_t(cur.n)) return nullptr;
            std::vector<NodeRef> subs;
            for (int64_t i = 0; i < cur.n; ++i) {
                subs.push_back(built.back());
                built.pop_back();
            }
            built.push_back(make(Fragment::THRESH, std::move(subs), {}, {}, uint32_t(cur.k)));
            break;
        }
        case Dec::ENDIF:
            if (in >= last) return nullptr;
            if (v[in].first == OP_ELSE) {
                ++in;
                todo.push_back({Dec::ENDIF_ELSE, -1, -1});
                todo.push_back({Dec::BKV, -1, -1});
            } else if (v[in].first == OP_IF) {
                if (left() >= 2 && v[in + 1].first == OP_DUP) {
                    in += 2;
                    todo.push_back({Dec::DUP_IF, -1, -1});
                } else if (left() >= 3 && v[in + 1].first == OP_0NOTEQUAL && v[in + 2].first == OP_SIZE) {
                    in += 3;
                    todo.push_back({Dec::NON_ZERO, -1, -1});
                } else {
                    return nullptr;
                }
            } else if (v[in].first == OP_NOTIF) {
                ++in;
                todo.push_back({Dec::ENDIF_NOTIF, -1, -1});
            } else {
                return nullptr;
            }
            break;
        case Dec::ENDIF_NOTIF:
            if (in >= last) return nullptr;
            if (v[in].first == OP_IFDUP) {
                ++in;
                todo.push_back({Dec::OR_D, -1, -1});
            } else {
                todo.push_back({Dec::OR_C, -1, -1});
            }
            todo.push_back({Dec::SINGLE_BKV, -1, -1});
            break;
        case Dec::ENDIF_ELSE:
            if (in >= last) return nullptr;
            if (v[in].first == OP_IF) {
                ++in;
                if (!build2(Fragment::OR_I)) return nullptr;
            } else if (v[in].first == OP_NOTIF) {
                ++in;
                todo.push_back({Dec::ANDOR, -1, -1});
                todo.push_back({Dec::SINGLE_BKV, -1, -1});
            } else {
                return nullptr;
            }
            break;
        }
    }
    if (built.size() != 1 || in != last) return nullptr;
    if (built[0]->depth > MAX_PARSE_DEPTH || !built[0]->IsValidTopLevel()) return nullptr;
    return built[0];
}

// -------------------------------------------------------------------------------------------------------------
// Printing.

namespace {

bool IsWrapperLike(const Node& n)
{
    switch (n.fragment) {
    case Fragment::WRAP_A:
    case Fragment::WRAP_S:
    case Fragment::WRAP_D:
    case Fragment::WRAP_V:
    case Fragment::WRAP_J:
    case Fragment::WRAP_N:
    case Fragment::WRAP_C: return true;
    case Fragment::AND_V: return n.subs[1]->fragment == Fragment::JUST_1;
    case Fragment::OR_I: return n.subs[0]->fragment == Fragment::JUST_0 || n.subs[1]->fragment == Fragment::JUST_0;
    default: return false;
    }
}

std::optional<std::string> Print(const Node& n, bool wrapped, const KeyCallbacks& kc)
{
    const bool w = IsWrapperLike(n);
    auto sub = [&](size_t i) { return Print(*n.subs[i], w, kc); };
    const std::string pre = wrapped ? ":" : "";
    auto key = [&](uint32_t k) { return kc.to_string(k); };
    switch (n.fragment) {
    case Fragment::WRAP_A:
    case Fragment::WRAP_S:
    case Fragment::WRAP_D:
    case Fragment::WRAP_V:
    case Fragment::WRAP_J:
    case Fragment::WRAP_N:
    case Fragment::WRAP_C: {
        if (n.fragment == Fragment::WRAP_C && n.subs[0]->fragment == Fragment::PK_K) {
            auto ks = key(n.subs[0]->keys[0]);
            if (!ks) return std::nullopt;
            return pre + "pk(" + *ks + ")";
        }
        if (n.fragment == Fragment::WRAP_C && n.subs[0]->fragment == Fragment::PK_H) {
            auto ks = key(n.subs[0]->keys[0]);
            if (!ks) return std::nullopt;
            return pre + "pkh(" + *ks + ")";
        }
        static const char LETTER[] = {'a', 's', 'c', 'd', 'v', 'j', 'n'};
        auto s = sub(0);
        if (!s) return std::nullopt;
        return LETTER[int(n.fragment) - int(Fragment::WRAP_A)] + *s;
    }
    case Fragment::AND_V:
        if (n.subs[1]->fragment == Fragment::JUST_1) {
            auto s = sub(0);
            if (!s) return std::nullopt;
            return "t" + *s;
        }
        break;
    case Fragment::OR_I:
        if (n.subs[0]->fragment == Fragment::JUST_0) {
            auto s = sub(1);
            if (!s) return std::nullopt;
            return "l" + *s;
        }
        if (n.subs[1]->fragment == Fragment::JUST_0) {
            auto s = sub(0);
            if (!s) return std::nullopt;
            return "u" + *s;
        }
        break;
    default: break;
    }
    auto call = [&](const std::string& name, size_t count) -> std::optional<std::string> {
        std::string r = pre + name + "(";
        for (size_t i = 0; i < count; ++i) {
            auto s = sub(i);
            if (!s) return std::nullopt;
            if (i) r += ",";
            r += *s;
        }
        return r + ")";
    };
    switch (n.fragment) {
    case Fragment::PK_K:
    case Fragment::PK_H: {
        auto ks = key(n.keys[0]);
        if (!ks) return std::nullopt;
        return pre + (n.fragment == Fragment::PK_K ? "pk_k(" : "pk_h(") + *ks + ")";
    }
    case Fragment::AFTER: return pre + "after(" + std::to_string(n.k) + ")";
    case Fragment::OLDER: return pre + "older(" + std::to_string(n.k) + ")";
    case Fragment::HASH256: return pre + "hash256(" + HexStr(n.data) + ")";
    case Fragment::HASH160: return pre + "hash160(" + HexStr(n.data) + ")";
    case Fragment::SHA256: return pre + "sha256(" + HexStr(n.data) + ")";
    case Fragment::RIPEMD160: return pre + "ripemd160(" + HexStr(n.data) + ")";
    case Fragment::JUST_1: return pre + "1";
    case Fragment::JUST_0: return pre + "0";
    case Fragment::AND_V: return call("and_v", 2);
    case Fragment::AND_B: return call("and_b", 2);
    case Fragment::OR_B: return call("or_b", 2);
    case Fragment::OR_D: return call("or_d", 2);
    case Fragment::OR_C: return call("or_c", 2);
    case Fragment::OR_I: return call("or_i", 2);
    case Fragment::ANDOR:
        if (n.subs[2]->fragment == Fragment::JUST_0) return call("and_n", 2);
        return call("andor", 3);
    case Fragment::MULTI:
    case Fragment::MULTI_A: {
        std::string r = pre + (n.fragment == Fragment::MULTI ? "multi(" : "multi_a(") + std::to_string(n.k);
        for (uint32_t k : n.keys) {
            auto ks = key(k);
            if (!ks) return std::nullopt;
            r += "," + *ks;
        }
        return r + ")";
    }
    case Fragment::THRESH: {
        std::string r = pre + "thresh(" + std::to_string(n.k);
        for (size_t i = 0; i < n.subs.size(); ++i) {
            auto s = sub(i);
            if (!s) return std::nullopt;
            r += "," + *s;
        }
        return r + ")";
    }
    default: break;
    }
    return std::nullopt;
}

// -------------------------------------------------------------------------------------------------------------
// Script generation.

void Build(const Node& n, bool verify, const KeyCallbacks& kc, Script& out)
{
    const auto& s = n.subs;
    switch (n.fragment) {
    case Fragment::PK_K: out << kc.to_bytes(n.keys[0]); return;
    case Fragment::PK_H: {
        const uint160 h = Hash160(kc.to_bytes(n.keys[0]));
        out << OP_DUP << OP_HASH160 << std::span<const uint8_t>(h.begin(), 20) << OP_EQUALVERIFY;
        return;
    }
    case Fragment::OLDER: out.PushInt(n.k) << OP_CHECKSEQUENCEVERIFY; return;
    case Fragment::AFTER: out.PushInt(n.k) << OP_CHECKLOCKTIMEVERIFY; return;
    case Fragment::SHA256:
    case Fragment::RIPEMD160:
    case Fragment::HASH256:
    case Fragment::HASH160: {
        const opcodetype op = n.fragment == Fragment::SHA256      ? OP_SHA256
                              : n.fragment == Fragment::RIPEMD160 ? OP_RIPEMD160
                              : n.fragment == Fragment::HASH256   ? OP_HASH256
                                                                  : OP_HASH160;
        out << OP_SIZE;
        out.PushInt(32);
        out << OP_EQUALVERIFY << op << n.data << (verify ? OP_EQUALVERIFY : OP_EQUAL);
        return;
    }
    case Fragment::WRAP_A:
        out << OP_TOALTSTACK;
        Build(*s[0], false, kc, out);
        out << OP_FROMALTSTACK;
        return;
    case Fragment::WRAP_S:
        out << OP_SWAP;
        Build(*s[0], verify, kc, out);
        return;
    case Fragment::WRAP_C:
        Build(*s[0], false, kc, out);
        out << (verify ? OP_CHECKSIGVERIFY : OP_CHECKSIG);
        return;
    case Fragment::WRAP_D:
        out << OP_DUP << OP_IF;
        Build(*s[0], false, kc, out);
        out << OP_ENDIF;
        return;
    case Fragment::WRAP_V:
        Build(*s[0], true, kc, out);
        if (s[0]->type.Has("x")) out << OP_VERIFY;
        return;
    case Fragment::WRAP_J:
        out << OP_SIZE << OP_0NOTEQUAL << OP_IF;
        Build(*s[0], false, kc, out);
        out << OP_ENDIF;
        return;
    case Fragment::WRAP_N:
        Build(*s[0], false, kc, out);
        out << OP_0NOTEQUAL;
        return;
    case Fragment::JUST_1: out << OP_1; return;
    case Fragment::JUST_0: out << OP_0; return;
    case Fragment::AND_V:
        Build(*s[0], false, kc, out);
        Build(*s[1], verify, kc, out);
        return;
    case Fragment::AND_B:
    case Fragment::OR_B:
        Build(*s[0], false, kc, out);
        Build(*s[1], false, kc, out);
        out << (n.fragment == Fragment::AND_B ? OP_BOOLAND : OP_BOOLOR);
        return;
    case Fragment::OR_D:
        Build(*s[0], false, kc, out);
        out << OP_IFDUP << OP_NOTIF;
        Build(*s[1], false, kc, out);
        out << OP_ENDIF;
        return;
    case Fragment::OR_C:
        Build(*s[0], false, kc, out);
        out << OP_NOTIF;
        Build(*s[1], false, kc, out);
        out << OP_ENDIF;
        return;
    case Fragment::OR_I:
        out << OP_IF;
        Build(*s[0], false, kc, out);
        out << OP_ELSE;
        Build(*s[1], false, kc, out);
        out << OP_ENDIF;
        return;
    case Fragment::ANDOR:
        Build(*s[0], false, kc, out);
        out << OP_NOTIF;
        Build(*s[2], false, kc, out);
        out << OP_ELSE;
        Build(*s[1], false, kc, out);
        out << OP_ENDIF;
        return;
    case Fragment::MULTI:
        out.PushInt(n.k);
        for (uint32_t k : n.keys) out << kc.to_bytes(k);
        out.PushInt(int64_t(n.keys.size()));
        out << (verify ? OP_CHECKMULTISIGVERIFY : OP_CHECKMULTISIG);
        return;
    case Fragment::MULTI_A:
        for (size_t i = 0; i < n.keys.size(); ++i) {
            out << kc.to_bytes(n.keys[i]) << (i ? OP_CHECKSIGADD : OP_CHECKSIG);
        }
        out.PushInt(n.k);
        out << (verify ? OP_NUMEQUALVERIFY : OP_NUMEQUAL);
        return;
    case Fragment::THRESH:
        for (size_t i = 0; i < s.size(); ++i) {
            Build(*s[i], false, kc, out);
            if (i) out << OP_ADD;
        }
        out.PushInt(n.k);
        out << (verify ? OP_EQUALVERIFY : OP_EQUAL);
        return;
    }
}

} // namespace

std::optional<std::string> ToString(const Node& node, const KeyCallbacks& keys) { return Print(node, false, keys); }

Script ToScript(const Node& node, const KeyCallbacks& keys)
{
    Script s;
    Build(node, false, keys, s);
    return s;
}

// -------------------------------------------------------------------------------------------------------------
// Satisfaction (Core's InputStack algebra: choose the cheapest non-malleable option).

namespace {

struct Stack {
    Availability available{Availability::YES};
    bool has_sig{false};
    bool malleable{false};
    bool non_canon{false};
    size_t size{0};
    std::vector<std::vector<uint8_t>> items;

    Stack() = default;
    explicit Stack(std::vector<uint8_t> in) : size(in.size() + 1) { items.push_back(std::move(in)); }
    Stack& SetAvailable(Availability a)
    {
        available = a;
        if (a == Availability::NO) {
            items.clear();
            size = std::numeric_limits<size_t>::max();
            has_sig = malleable = non_canon = false;
        }
        return *this;
    }
    Stack& WithSig()
    {
        has_sig = true;
        return *this;
    }
    Stack& NonCanon()
    {
        non_canon = true;
        return *this;
    }
    Stack& Malleable(bool x = true)
    {
        malleable = x;
        return *this;
    }
};

/** Concatenation: a below b. */
Stack operator+(Stack a, Stack b)
{
    a.items.insert(a.items.end(), std::make_move_iterator(b.items.begin()), std::make_move_iterator(b.items.end()));
    if (a.available != Availability::NO && b.available != Availability::NO) a.size += b.size;
    a.has_sig |= b.has_sig;
    a.malleable |= b.malleable;
    a.non_canon |= b.non_canon;
    if (a.available == Availability::NO || b.available == Availability::NO) {
        a.SetAvailable(Availability::NO);
    } else if (a.available == Availability::MAYBE || b.available == Availability::MAYBE) {
        a.SetAvailable(Availability::MAYBE);
    }
    return a;
}

/** Choice between two ways: a third party can pick any option that needs no signature, so such choices are
 *  malleable; among equals the smaller (YES) or larger (MAYBE) wins. */
Stack operator|(Stack a, Stack b)
{
    if (a.available == Availability::NO) return b;
    if (b.available == Availability::NO) return a;
    if (!a.has_sig && b.has_sig) return a;
    if (!b.has_sig && a.has_sig) return b;
    if (!a.has_sig && !b.has_sig) {
        a.malleable = true;
        b.malleable = true;
    } else {
        if (b.malleable && !a.malleable) return a;
        if (a.malleable && !b.malleable) return b;
    }
    if (a.available == Availability::YES && b.available == Availability::YES) return a.size <= b.size ? a : b;
    if (a.available == Availability::MAYBE && b.available == Availability::MAYBE) return a.size >= b.size ? a : b;
    return a.available == Availability::YES ? a : b;
}

Stack ZeroS() { return Stack(std::vector<uint8_t>()); }
Stack Zero32() { return Stack(std::vector<uint8_t>(32, 0)).Malleable(); }
Stack OneS() { return Stack(std::vector<uint8_t>{1}); }
Stack EmptyS() { return Stack(); }
Stack Invalid() { return Stack().SetAvailable(Availability::NO); }

struct Result {
    Stack nsat, sat;
};

Result Produce(const Node& n, const Satisfier& ctx)
{
    std::vector<Result> sub;
    sub.reserve(n.subs.size());
    for (const auto& s : n.subs) sub.push_back(Produce(*s, ctx));
    switch (n.fragment) {
    case Fragment::PK_K: {
        std::vector<uint8_t> sig;
        const Availability a = ctx.Sign(n.keys[0], sig);
        return {ZeroS(), Stack(std::move(sig)).WithSig().SetAvailable(a)};
    }
    case Fragment::PK_H: {
        std::vector<uint8_t> key = ctx.KeyBytes(n.keys[0]), sig;
        const Availability a = ctx.Sign(n.keys[0], sig);
        return {ZeroS() + Stack(key), (Stack(std::move(sig)).WithSig() + Stack(key)).SetAvailable(a)};
    }
    case Fragment::MULTI_A: {
        // Signatures go in reverse key order: the first key's signature is on top.
        std::vector<Stack> sats{EmptyS()};
        for (size_t i = 0; i < n.keys.size(); ++i) {
            std::vector<uint8_t> sig;
            const Availability a = ctx.Sign(n.keys[n.keys.size() - 1 - i], sig);
            Stack sat = Stack(std::move(sig)).WithSig().SetAvailable(a);
            std::vector<Stack> next{sats[0] + ZeroS()};
            for (size_t j = 1; j < sats.size(); ++j) next.push_back((sats[j] + ZeroS()) | (sats[j - 1] + sat));
            next.push_back(sats.back() + sat);
            sats = std::move(next);
        }
        return {sats[0], sats[n.k]};
    }
    case Fragment::MULTI: {
        std::vector<Stack> sats{ZeroS()};  // the CHECKMULTISIG dummy
        for (size_t i = 0; i < n.keys.size(); ++i) {
            std::vector<uint8_t> sig;
            const Availability a = ctx.Sign(n.keys[i], sig);
            Stack sat = Stack(std::move(sig)).WithSig().SetAvailable(a);
            std::vector<Stack> next{sats[0]};
            for (size_t j = 1; j < sats.size(); ++j) next.push_back(sats[j] | (sats[j - 1] + sat));
            next.push_back(sats.back() + sat);
            sats = std::move(next);
        }
        Stack nsat = ZeroS();
        for (uint32_t i = 0; i < n.k; ++i) nsat = nsat + ZeroS();
        return {nsat, sats[n.k]};
    }
    case Fragment::THRESH: {
        std::vector<Stack> sats{EmptyS()};
        for (size_t i = 0; i < sub.size(); ++i) {
            auto& r = sub[sub.size() - 1 - i];
            std::vector<Stack> next{sats[0] + r.nsat};
            for (size_t j = 1; j < sats.size(); ++j) next.push_back((sats[j] + r.nsat) | (sats[j - 1] + r.sat));
            next.push_back(sats.back() + r.sat);
            sats = std::move(next);
        }
        Stack nsat = Invalid();
        for (size_t i = 0; i < sats.size(); ++i) {
            // Satisfying a number of subs other than 0 or k is a valid but non-canonical dissatisfaction.
            if (i != 0 && i != n.k) sats[i].Malleable().NonCanon();
            if (i != n.k) nsat = nsat | sats[i];
        }
        return {nsat, sats[n.k]};
    }
    case Fragment::OLDER: return {Invalid(), ctx.CheckOlder(n.k) ? EmptyS() : Invalid()};
    case Fragment::AFTER: return {Invalid(), ctx.CheckAfter(n.k) ? EmptyS() : Invalid()};
    case Fragment::SHA256:
    case Fragment::RIPEMD160:
    case Fragment::HASH256:
    case Fragment::HASH160: {
        std::vector<uint8_t> pre;
        Availability a = n.fragment == Fragment::SHA256      ? ctx.SatSHA256(n.data, pre)
                         : n.fragment == Fragment::RIPEMD160 ? ctx.SatRIPEMD160(n.data, pre)
                         : n.fragment == Fragment::HASH256   ? ctx.SatHASH256(n.data, pre)
                                                             : ctx.SatHASH160(n.data, pre);
        return {Zero32(), Stack(std::move(pre)).SetAvailable(a)};
    }
    case Fragment::AND_V: {
        auto &x = sub[0], &y = sub[1];
        return {(y.nsat + x.sat).NonCanon(), y.sat + x.sat};
    }
    case Fragment::AND_B: {
        auto &x = sub[0], &y = sub[1];
        return {(y.nsat + x.nsat) | (y.sat + x.nsat).Malleable().NonCanon() | (y.nsat + x.sat).Malleable().NonCanon(),
                y.sat + x.sat};
    }
    case Fragment::OR_B: {
        auto &x = sub[0], &z = sub[1];
        return {z.nsat + x.nsat, (z.nsat + x.sat) | (z.sat + x.nsat) | (z.sat + x.sat).Malleable().NonCanon()};
    }
    case Fragment::OR_C: {
        auto &x = sub[0], &z = sub[1];
        return {Invalid(), x.sat | (z.sat + x.nsat)};
    }
    case Fragment::OR_D: {
        auto &x = sub[0], &z = sub[1];
        return {z.nsat + x.nsat, x.sat | (z.sat + x.nsat)};
    }
    case Fragment::OR_I: {
        auto &x = sub[0], &z = sub[1];
        return {(x.nsat + OneS()) | (z.nsat + ZeroS()), (x.sat + OneS()) | (z.sat + ZeroS())};
    }
    case Fragment::ANDOR: {
        auto &x = sub[0], &y = sub[1], &z = sub[2];
        return {(y.nsat + x.sat).NonCanon() | (z.nsat + x.nsat), (y.sat + x.sat) | (z.sat + x.nsat)};
    }
    case Fragment::WRAP_A:
    case Fragment::WRAP_S:
    case Fragment::WRAP_C:
    case Fragment::WRAP_N: return std::move(sub[0]);
    case Fragment::WRAP_D: return {ZeroS(), sub[0].sat + OneS()};
    case Fragment::WRAP_J:
        // A zero dissatisfies; when the sub could be dissatisfied without a signature that is a third choice.
        return {ZeroS().Malleable(sub[0].nsat.available != Availability::NO && !sub[0].nsat.has_sig),
                std::move(sub[0].sat)};
    case Fragment::WRAP_V: return {Invalid(), std::move(sub[0].sat)};
    case Fragment::JUST_0: return {EmptyS(), Invalid()};
    case Fragment::JUST_1: return {Invalid(), EmptyS()};
    }
    return {Invalid(), Invalid()};
}

} // namespace

Availability Satisfy(const Node& node, const Satisfier& sat, std::vector<std::vector<uint8_t>>& stack,
                     bool nonmalleable)
{
    Result r = Produce(node, sat);
    if (nonmalleable && (r.sat.malleable || !r.sat.has_sig)) return Availability::NO;
    stack = std::move(r.sat.items);
    return r.sat.available;
}

} // namespace miniscript
