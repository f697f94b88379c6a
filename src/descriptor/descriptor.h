// Output script descriptors (BIP380-387, BIP389 multipath): parsing with Core's error messages, canonical text
// (public, private, normalized), expansion to scriptPubKeys, and inference of a descriptor from a script.
#pragma once

#include "address/chain_prefixes.h"
#include "crypto/key.h"
#include "crypto/pubkey.h"
#include "descriptor/bip32.h"
#include "primitives/script.h"
#include "util/uint256.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/** A taproot output's internal key and script leaves (depth, leaf script; leaf version 0xc0), in tree order. */
struct TaprootTree {
    XOnlyPubKey internal_key;
    std::vector<std::pair<int, Script>> leaves;
};

/** What expanding a descriptor reveals (Core's FlatSigningProvider): scripts by HASH160, public keys by key id,
 *  key origins, private keys, and taproot trees by output key. */
struct FlatSigningProvider {
    std::map<uint160, Script> scripts;
    std::map<uint160, PubKey> pubkeys;
    std::map<uint160, std::pair<PubKey, KeyOriginInfo>> origins;
    std::map<uint160, Key> keys;
    std::map<XOnlyPubKey, TaprootTree> tr_trees;

    bool GetKeyOrigin(const uint160& keyid, KeyOriginInfo& info) const;
    /** Looks for the origin of either key with this x coordinate. */
    bool GetKeyOriginByXOnly(const XOnlyPubKey& key, KeyOriginInfo& info) const;
    void Merge(const FlatSigningProvider& other);
};

enum class OutputType { LEGACY, P2SH_SEGWIT, BECH32, BECH32M };

class Descriptor
{
public:
    virtual ~Descriptor() = default;
    /** Contains a ranged key (a path ending in * or *'). */
    virtual bool IsRange() const = 0;
    /** Enough is known to sign for it (false for addr() and raw()). */
    virtual bool IsSolvable() const = 0;
    /** Canonical public form with checksum (hardened markers kept as written). */
    virtual std::string ToString(bool compat_format = false) const = 0;
    /** Form with private keys (WIF/xprv) and checksum; keys without a private part print as in ToString.
     *  False when no key at all has a private part (Core's behaviour since v30). */
    virtual bool ToPrivateString(std::string& out) const = 0;
    /** Public form with hardened derivation moved into key origins and h markers; false when that needs a
     *  private key that is not there. */
    virtual bool ToNormalizedString(std::string& out) const = 0;
    /** Scripts for child position pos (ignored when not ranged); false when a hardened step lacks its private
     *  key. out collects keys, origins, scripts and taproot trees. */
    virtual bool Expand(int pos, std::vector<Script>& scripts, FlatSigningProvider& out) const = 0;
    /** As Expand, also adding the derived private keys to out. */
    virtual void ExpandPrivate(int pos, FlatSigningProvider& out) const = 0;
    virtual std::optional<OutputType> GetOutputType() const = 0;
    /** False only for combo(). */
    virtual bool IsSingleType() const = 0;
    /** Some key expression carries a private key. */
    virtual bool HavePrivateKeys() const = 0;
};

/** Parse a descriptor for chain. A multipath descriptor (BIP389) gives one descriptor per path; an empty
 *  vector means failure, with Core's message in error. require_checksum demands the '#' suffix. */
std::vector<std::unique_ptr<Descriptor>> ParseDescriptor(std::string_view text, Chain chain, std::string& error,
                                                         bool require_checksum = false);

/** The 8-character checksum of a descriptor (which may carry a checksum already, which must then be right);
 *  "" when invalid. */
std::string GetDescriptorChecksum(const std::string& descriptor);

/** Core's InferDescriptor: the most specific descriptor for script given what provider knows (keys, origins,
 *  scripts, taproot trees), ending in addr() or raw(). */
std::unique_ptr<Descriptor> InferDescriptor(const Script& script, const FlatSigningProvider& provider, Chain chain);
