// Command-line options of the Core-compatible tools (the ArgsManager subset bitcoin-tx / bitcoin-util use):
// "-name[=value]" and "-noname" switches, the stdin marker "-", commands, and chain selection.
#pragma once

#include "address/chain_prefixes.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

class ToolArgs {
public:
    /** Parses leading options. With registered commands (bitcoin-util), the first non-option word must be one
     * of them and it and everything after it become Command(); otherwise (bitcoin-tx) parsing simply stops
     * there. false with Core's message ("Invalid parameter -x", "Invalid command 'x'") on error. */
    bool Parse(const std::vector<std::string>& args, const std::vector<std::string>& known_options,
               const std::vector<std::string>& commands, std::string& error);

    /** Core's GetBoolArg: the last value given, "" and nonzero numbers mean true. */
    bool GetBool(const std::string& name) const;
    std::optional<std::string> GetArg(const std::string& name) const;
    /** Core's GetChainType: -chain=NAME or one of -regtest/-signet/-testnet/-testnet4 (at most one). */
    std::optional<Chain> SelectChain(std::string& error) const;
    /** The command word and its arguments (empty when none was given). */
    const std::vector<std::string>& Command() const { return m_command; }

    /** The options every chain-aware tool accepts (Core's SetupChainParamsBaseOptions and help options). */
    static std::vector<std::string> CommonOptions();

private:
    std::map<std::string, std::string> m_options;
    std::vector<std::string> m_command;
};
