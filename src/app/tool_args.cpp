// Option parsing with Core's ArgsManager rules, for the command-line tools.
#include "app/tool_args.h"

#include <algorithm>

namespace {
// Core's InterpretBool: empty is true, otherwise the leading decimal integer must be nonzero.
bool InterpretBool(const std::string& v) {
    if (v.empty()) return true;
    size_t i = 0;
    if (v[i] == '-' || v[i] == '+') ++i;
    bool nonzero = false;
    for (; i < v.size() && v[i] >= '0' && v[i] <= '9'; ++i) nonzero = nonzero || v[i] != '0';
    return nonzero;
}

bool Contains(const std::vector<std::string>& list, const std::string& s) {
    return std::find(list.begin(), list.end(), s) != list.end();
}
}  // namespace

std::vector<std::string> ToolArgs::CommonOptions() {
    return {"?",       "h",        "help",   "version",         "chain",          "regtest",
            "testnet", "testnet4", "signet", "signetchallenge", "signetseednode", "testactivationheight",
            "vbparams"};
}

bool ToolArgs::Parse(const std::vector<std::string>& args, const std::vector<std::string>& known_options,
                     const std::vector<std::string>& commands, std::string& error) {
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "-") break;  // bitcoin-tx reads the transaction from stdin
        std::string key = arg;
        std::optional<std::string> value;
        if (size_t eq = key.find('='); eq != std::string::npos) {
            value = key.substr(eq + 1);
            key.erase(eq);
        }
        if (key.empty() || key[0] != '-') {
            if (!commands.empty() && !Contains(commands, key)) {
                error = "Invalid command '" + arg + "'";
                return false;
            }
            m_command.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
            m_command[0] = key;
            break;
        }
        if (key.size() > 1 && key[1] == '-') key.erase(0, 1);  // "--name" is "-name"
        key.erase(0, 1);
        std::string name = key;
        bool negated = false;
        if (!Contains(known_options, name) && name.starts_with("no") &&
            Contains(known_options, name.substr(2))) {
            name = name.substr(2);
            negated = true;
        }
        if (!Contains(known_options, name)) {
            error = "Invalid parameter " + arg;
            return false;
        }
        std::string stored = value.value_or("");
        if (negated) stored = InterpretBool(stored) ? "0" : "1";
        m_options[name] = stored;
    }
    return true;
}

bool ToolArgs::GetBool(const std::string& name) const {
    auto it = m_options.find(name);
    return it != m_options.end() && InterpretBool(it->second);
}

std::optional<std::string> ToolArgs::GetArg(const std::string& name) const {
    auto it = m_options.find(name);
    if (it == m_options.end()) return std::nullopt;
    return it->second;
}

std::optional<Chain> ToolArgs::SelectChain(std::string& error) const {
    const bool regtest = GetBool("regtest");
    const bool signet = GetBool("signet");
    const bool testnet = GetBool("testnet");
    const bool testnet4 = GetBool("testnet4");
    const auto chain_arg = GetArg("chain");
    if (int(chain_arg.has_value()) + int(regtest) + int(signet) + int(testnet) + int(testnet4) > 1) {
        error =
            "Invalid combination of -regtest, -signet, -testnet, -testnet4 and -chain. Can use at most one.";
        return std::nullopt;
    }
    if (chain_arg) {
        if (auto chain = ParseChainName(*chain_arg)) return chain;
        error = "Unknown chain " + *chain_arg + ".";
        return std::nullopt;
    }
    if (regtest) return Chain::REGTEST;
    if (signet) return Chain::SIGNET;
    if (testnet) return Chain::TESTNET;
    if (testnet4) return Chain::TESTNET4;
    return Chain::MAIN;
}
