// -demoreserve on regtest: the whole public reserve with no configuration, for the README's run command and for
// trying things out. Three officials' signer wallets (fixed demo keys: never use them for real coins), the
// watch-only 2-of-3 reserve wallet, coins mined to it, and a fresh proof of reserves signed by two officials and
// published on the dashboard.
#pragma once

#include <string>
#include <vector>

struct NodeContext;
class WalletManager;

/** Loads or creates the demo wallets, funds the reserve on first start and publishes a fresh proof. Returns the
 *  reserve's public descriptors (for the dashboard), or nothing with *error. */
std::vector<std::string> SetUpDemoReserve(NodeContext& node, WalletManager& wallets, const std::string& institution,
                                          std::string* error);
