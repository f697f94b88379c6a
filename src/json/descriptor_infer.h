// Descriptor text Core's InferDescriptor gives for an output script when no key or script data is known.
#pragma once

#include "address/chain_prefixes.h"
#include "primitives/script.h"

#include <string>

/** pk(), multi(), rawtr(), addr() or raw() with its BIP380 checksum, exactly as Core's
 *  InferDescriptor(script, DUMMY_SIGNING_PROVIDER)->ToString() prints it for chain. */
std::string InferDescriptorString(const Script& script, Chain chain);

/** As above, with one script the signing provider knows (Core's FlatSigningProvider holding it): a P2SH or
 *  P2WSH output of that script becomes sh(...) / wsh(...) when the script itself can be inferred (pk, multi;
 *  miniscript inference is not implemented, so other scripts stay addr()). */
std::string InferDescriptorString(const Script& script, Chain chain, const Script& known_script);
