// Command-line and configuration-file options with Bitcoin Core's ArgsManager rules: -name=value, -noname,
// repeated options, sovereign.conf with [chain] sections and network-only options, chain selection, data
// directories and -help text generated from the registered options.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

enum class OptionsCategory { OPTIONS, CONNECTION, DEBUG_TEST, CHAINPARAMS, RPC, COMMANDS, CLI_COMMANDS, HIDDEN };

/** Core's chain names: "main", "test", "testnet4", "signet", "regtest". */
inline constexpr const char* CHAIN_MAIN = "main";
/** Data directory subfolder for a chain (Core: "" for main, testnet3, testnet4, signet, regtest). */
std::string ChainDataSubdir(const std::string& chain);
/** ~/.sovereign (HOME unset or empty: /.sovereign). */
std::filesystem::path GetDefaultDataDir();
/** Default RPC port of a chain (8332, 18332, 48332, 38332, 18443); 0 for an unknown name. */
uint16_t ChainRpcPort(const std::string& chain);
/** Core's InterpretBool: empty is true, otherwise the leading integer's value != 0. */
bool InterpretBool(const std::string& value);

class ArgsManager
{
public:
    enum Flags : unsigned int {
        ALLOW_ANY = 0x01,
        DISALLOW_NEGATION = 0x20,  // -nofoo is an error
        DISALLOW_ELISION = 0x80,   // -foo without =value is an error
        DEBUG_ONLY = 0x100,        // left out of -help unless -help-debug
        NETWORK_ONLY = 0x200,      // in the config file applies only from the active chain's section (except main)
        SENSITIVE = 0x400,
        COMMAND = 0x800,
    };

    /** Registers an option: name with optional "=<param>" help suffix ("-rpcport=<port>"). */
    void AddArg(const std::string& name, const std::string& help, unsigned int flags, OptionsCategory cat);
    void AddHiddenArgs(const std::vector<std::string>& names);
    /** -help, -h, -? */
    void SetupHelpOptions();
    /** -chain, -regtest, -testnet, -testnet4, -signet, -signetchallenge, -signetseednode (Core's texts). */
    void SetupChainParamsBaseOptions();

    /** Parses argv (without program name). Stops at the first argument not starting with '-': it and everything
     *  after go to Positional(). Errors as Core: "Invalid parameter -foo", negation/elision errors. */
    bool ParseParameters(const std::vector<std::string>& args, std::string& error);
    const std::vector<std::string>& Positional() const { return m_positional; }

    /** Parses config text; unknown keys are "Invalid configuration value k" unless ignore_invalid_keys. */
    bool ReadConfigString(const std::string& text, std::string& error, bool ignore_invalid_keys = false);
    /** Resolves -datadir and -conf (default sovereign.conf in the data dir), reads it when present, then selects
     *  the chain's section. Errors: "specified data directory \"...\" does not exist.", "specified config file
     *  \"...\" could not be opened.", parse errors, chain errors. */
    bool ReadConfigFiles(std::string& error, bool ignore_invalid_keys = false);
    /** Chooses the config section whose values apply ("main", "test", "regtest", ...). */
    void SelectConfigNetwork(const std::string& network);

    /** Core's chain selection from -regtest/-testnet/-testnet4/-signet/-chain; throws std::runtime_error on an
     *  invalid combination or unknown chain. */
    std::string GetChainName() const;

    std::optional<std::string> GetArg(const std::string& name) const;
    std::string GetArg(const std::string& name, const std::string& def) const;
    int64_t GetIntArg(const std::string& name, int64_t def) const;
    bool GetBoolArg(const std::string& name, bool def) const;
    /** Every value, command line first then config (a negation clears what came before). */
    std::vector<std::string> GetArgs(const std::string& name) const;
    bool IsArgSet(const std::string& name) const;
    bool IsArgNegated(const std::string& name) const;
    void ForceSetArg(const std::string& name, const std::string& value);
    bool SoftSetArg(const std::string& name, const std::string& value);

    /** -datadir (absolute) or the default; GetDataDirNet adds the chain's subfolder. */
    std::filesystem::path GetDataDirBase() const;
    std::filesystem::path GetDataDirNet() const;
    /** Relative paths resolve against the chain data dir (Core's AbsPathForConfigVal). */
    std::filesystem::path AbsPathForConfigVal(const std::filesystem::path& path, bool net_specific = true) const;

    /** Network-only options set only in the default section while another chain is active (Core warns). */
    std::set<std::string> GetUnsuitableSectionOnlyArgs() const;
    /** Config sections that are not chain names. */
    std::vector<std::string> GetUnrecognizedSections() const;

    /** -help output: groups ("Options:", "RPC server options:", ...) and each option with wrapped help. */
    std::string GetHelpMessage() const;
    bool HelpRequested() const;

private:
    struct Value {
        bool negated{false};  // -nofoo (false); -nofoo=0 is stored as "1"
        std::string text;
    };
    struct ArgInfo {
        std::string help_param;
        std::string help_text;
        unsigned int flags;
    };
    std::optional<unsigned int> GetArgFlags(const std::string& name) const;
    std::optional<Value> GetSetting(const std::string& name) const;
    bool UseDefaultSection(const std::string& name) const;

    mutable std::mutex m_mutex;
    std::map<OptionsCategory, std::map<std::string, ArgInfo>> m_available;
    std::set<std::string> m_network_only;
    std::map<std::string, std::vector<Value>> m_command_line;
    std::map<std::string, std::string> m_forced;
    std::map<std::string, std::map<std::string, std::vector<Value>>> m_config;  // section -> name -> values
    std::vector<std::string> m_sections;
    std::vector<std::string> m_positional;
    std::string m_network;
};
