// Chain parameters for mainnet, testnet3, testnet4, signet and regtest: genesis blocks, consensus rules,
// network magic and ports, as Bitcoin Core defines them.
#pragma once

#include "address/chain_prefixes.h"
#include "primitives/block.h"

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct ConsensusParams {
    uint256 hash_genesis_block;
    int subsidy_halving_interval{210000};
    /** Blocks whose script flags differ from the rule (BIP16 and taproot exceptions on mainnet). */
    std::map<uint256, uint32_t> script_flag_exceptions;
    // Buried deployments: the height from which each rule applies.
    int bip34_height{0};
    uint256 bip34_hash;
    int bip65_height{0};
    int bip66_height{0};
    int csv_height{0};
    int segwit_height{0};
    uint256 pow_limit;
    bool pow_allow_min_difficulty_blocks{false};
    /** BIP94 (testnet4): no time warp, and retargeting ignores min-difficulty blocks. */
    bool enforce_bip94{false};
    bool pow_no_retargeting{false};
    int64_t pow_target_spacing{600};
    int64_t pow_target_timespan{14 * 24 * 60 * 60};
    uint256 minimum_chain_work;
    uint256 default_assume_valid;
    /** BIP325 signet: blocks must carry a solution to signet_challenge. */
    bool signet_blocks{false};
    std::vector<uint8_t> signet_challenge;

    int64_t DifficultyAdjustmentInterval() const { return pow_target_timespan / pow_target_spacing; }
};

struct ChainParams {
    Chain chain{Chain::MAIN};
    ConsensusParams consensus;
    std::array<uint8_t, 4> message_start{};
    uint16_t default_port{0};
    uint16_t default_rpc_port{0};
    uint64_t prune_after_height{0};
    std::vector<std::string> dns_seeds;
    Block genesis;
    bool is_test_chain{false};
    /** Regtest: clocks may be mocked and consistency checks default on. */
    bool is_mockable_chain{false};

    const ChainPrefixes& Prefixes() const { return GetChainPrefixes(chain); }
};

struct ChainOptions {
    /** -signetchallenge: a custom signet (no seeds, no minimum work). */
    std::optional<std::vector<uint8_t>> signet_challenge;
};

std::unique_ptr<const ChainParams> CreateChainParams(Chain chain, const ChainOptions& options = {});

/** Core's genesis construction: one coinbase paying reward to output_script, with the timestamp message. */
Block CreateGenesisBlock(const std::string& message, const Script& output_script, uint32_t time, uint32_t nonce,
                         uint32_t bits, int32_t version, Amount reward);
