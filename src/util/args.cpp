// Core-compatible option parsing: command line, sovereign.conf with chain sections, precedence and help text.
#include "util/args.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace {

constexpr const char* CONF_FILENAME = "sovereign.conf";

std::string TrimChars(const std::string& s, const std::string& chars)
{
    const size_t b = s.find_first_not_of(chars);
    if (b == std::string::npos) return "";
    const size_t e = s.find_last_not_of(chars);
    return s.substr(b, e - b + 1);
}

// "regtest.rpcport" -> section "regtest", name "rpcport"; "nofoo" -> name "foo", negated.
struct KeyInfo {
    std::string name;
    std::string section;
    bool negated{false};
};

KeyInfo InterpretKey(std::string key)
{
    KeyInfo result;
    const size_t dot = key.find('.');
    if (dot != std::string::npos) {
        result.section = key.substr(0, dot);
        key.erase(0, dot + 1);
    }
    if (key.starts_with("no")) {
        key.erase(0, 2);
        result.negated = true;
    }
    result.name = key;
    return result;
}

bool IsChainSection(const std::string& s)
{
    return s == "main" || s == "test" || s == "testnet4" || s == "signet" || s == "regtest";
}

// Word-wraps text to width columns, indenting continuation lines (Core's FormatParagraph).
std::string FormatParagraph(const std::string& in, size_t width, size_t indent)
{
    std::string out;
    size_t ptr = 0;
    size_t indented = 0;
    while (ptr < in.size()) {
        size_t lineend = in.find_first_of('\n', ptr);
        if (lineend == std::string::npos) lineend = in.size();
        const size_t linelen = lineend - ptr;
        const size_t rem_width = width - indented;
        if (linelen <= rem_width) {
            out += in.substr(ptr, linelen + 1);
            ptr = lineend + 1;
            indented = 0;
        } else {
            size_t finalspace = in.find_last_of(" \n", ptr + rem_width);
            if (finalspace == std::string::npos || finalspace < ptr) {
                finalspace = in.find_first_of("\n ", ptr);
                if (finalspace == std::string::npos) {
                    out += in.substr(ptr);
                    break;
                }
            }
            out += in.substr(ptr, finalspace - ptr) + "\n";
            if (in[finalspace] == '\n') {
                indented = 0;
            } else if (indent) {
                out += std::string(indent, ' ');
                indented = indent;
            }
            ptr = finalspace + 1;
        }
    }
    return out;
}

std::string HelpMessageOpt(const std::string& option, const std::string& param, const std::string& message)
{
    constexpr size_t SCREEN_WIDTH = 79;
    constexpr size_t OPT_INDENT = 2;
    constexpr size_t MSG_INDENT = 7;
    return std::string(OPT_INDENT, ' ') + option + param + "\n" + std::string(MSG_INDENT, ' ') +
           FormatParagraph(message, SCREEN_WIDTH - MSG_INDENT, MSG_INDENT) + "\n\n";
}

}  // namespace

std::string ChainDataSubdir(const std::string& chain)
{
    if (chain == "main") return "";
    if (chain == "test") return "testnet3";
    return chain;  // testnet4, signet, regtest use their own names
}

uint16_t ChainRpcPort(const std::string& chain)
{
    if (chain == "main") return 8332;
    if (chain == "test") return 18332;
    if (chain == "testnet4") return 48332;
    if (chain == "signet") return 38332;
    if (chain == "regtest") return 18443;
    return 0;
}

std::filesystem::path GetDefaultDataDir()
{
    const char* home = std::getenv("HOME");
    std::filesystem::path base = (home == nullptr || home[0] == '\0') ? std::filesystem::path("/") : home;
    return base / ".sovereign";
}

bool InterpretBool(const std::string& value)
{
    if (value.empty()) return true;
    return std::atoll(value.c_str()) != 0;
}

void ArgsManager::AddArg(const std::string& name, const std::string& help, unsigned int flags, OptionsCategory cat)
{
    std::lock_guard lock(m_mutex);
    const size_t eq = name.find('=');
    const std::string arg_name = name.substr(0, eq);
    const std::string param = eq == std::string::npos ? "" : name.substr(eq);
    m_available[cat][arg_name] = ArgInfo{param, help, flags};
    if (flags & NETWORK_ONLY) m_network_only.insert(arg_name);
}

void ArgsManager::AddHiddenArgs(const std::vector<std::string>& names)
{
    for (const auto& n : names) AddArg(n, "", ALLOW_ANY, OptionsCategory::HIDDEN);
}

void ArgsManager::SetupHelpOptions()
{
    AddArg("-help", "Print this help message and exit (also -h or -?)", ALLOW_ANY, OptionsCategory::OPTIONS);
    AddHiddenArgs({"-h", "-?"});
}

void ArgsManager::SetupChainParamsBaseOptions()
{
    const auto CHAIN = OptionsCategory::CHAINPARAMS;
    AddArg("-chain=<chain>", "Use the chain <chain> (default: main). Allowed values: main, test, testnet4, signet, regtest",
           ALLOW_ANY, CHAIN);
    AddArg("-regtest",
           "Enter regression test mode, which uses a special chain in which blocks can be solved instantly. This is "
           "intended for regression testing tools and app development. Equivalent to -chain=regtest.",
           ALLOW_ANY | DEBUG_ONLY, CHAIN);
    AddArg("-testnet",
           "Use the testnet3 chain. Equivalent to -chain=test. Support for testnet3 is deprecated and will be removed "
           "in an upcoming release. Consider moving to testnet4 now by using -testnet4.",
           ALLOW_ANY, CHAIN);
    AddArg("-testnet4", "Use the testnet4 chain. Equivalent to -chain=testnet4.", ALLOW_ANY, CHAIN);
    AddArg("-signet",
           "Use the signet chain. Equivalent to -chain=signet. Note that the network is defined by the "
           "-signetchallenge parameter",
           ALLOW_ANY, CHAIN);
    AddArg("-signetchallenge",
           "Blocks must satisfy the given script to be considered valid (only for signet networks; defaults to the "
           "global default signet test network challenge)",
           ALLOW_ANY | DISALLOW_NEGATION, CHAIN);
    AddArg("-signetseednode",
           "Specify a seed node for the signet network, in the hostname[:port] format, e.g. sig.net:1234 (may be used "
           "multiple times to specify multiple seed nodes; defaults to the global default signet test network seed "
           "node(s))",
           ALLOW_ANY | DISALLOW_NEGATION, CHAIN);
}

std::optional<unsigned int> ArgsManager::GetArgFlags(const std::string& name) const
{
    for (const auto& [_, args] : m_available) {
        auto it = args.find(name);
        if (it != args.end()) return it->second.flags;
    }
    return std::nullopt;
}

static std::optional<std::string> InterpretValueText(const std::string& name, bool negated, const std::string* value,
                                                     unsigned int flags, bool& out_negated, std::string& error)
{
    out_negated = false;
    if (negated) {
        if (flags & ArgsManager::DISALLOW_NEGATION) {
            error = "Negating of -" + name + " is meaningless and therefore forbidden";
            return std::nullopt;
        }
        // -nofoo=0 is a (discouraged) double negative meaning true.
        if (value && !InterpretBool(*value)) return std::string("1");
        out_negated = true;
        return std::string();
    }
    if (!value && (flags & ArgsManager::DISALLOW_ELISION)) {
        error = "Can not set -" + name + " with no value. Please specify value with -" + name + "=value.";
        return std::nullopt;
    }
    return value ? *value : std::string();
}

bool ArgsManager::ParseParameters(const std::vector<std::string>& args, std::string& error)
{
    std::lock_guard lock(m_mutex);
    m_command_line.clear();
    m_positional.clear();
    for (size_t i = 0; i < args.size(); ++i) {
        std::string key = args[i];
        if (key == "-") break;
        std::optional<std::string> val;
        const size_t eq = key.find('=');
        if (eq != std::string::npos) {
            val = key.substr(eq + 1);
            key.erase(eq);
        }
        if (key.empty() || key[0] != '-') {
            m_positional.assign(args.begin() + i, args.end());
            break;
        }
        if (key.size() > 1 && key[1] == '-') key.erase(0, 1);  // --foo is -foo
        key.erase(0, 1);
        const KeyInfo info = InterpretKey(key);
        const auto flags = GetArgFlags("-" + info.name);
        // Unknown options and section-qualified ones ("-regtest.port") are not allowed on the command line.
        if (!flags || !info.section.empty()) {
            error = "Invalid parameter " + args[i];
            return false;
        }
        bool negated = false;
        auto text = InterpretValueText(info.name, info.negated, val ? &*val : nullptr, *flags, negated, error);
        if (!text) return false;
        m_command_line[info.name].push_back(Value{negated, *text});
    }
    if (auto it = m_command_line.find("includeconf"); it != m_command_line.end()) {
        for (const auto& v : it->second) {
            if (!v.negated) {
                error = "-includeconf cannot be used from commandline; -includeconf=\"" + v.text + "\"";
                return false;
            }
        }
    }
    return true;
}

bool ArgsManager::ReadConfigString(const std::string& text, std::string& error, bool ignore_invalid_keys)
{
    std::istringstream stream(text);
    std::string line;
    std::string prefix;
    int linenr = 1;
    std::vector<std::pair<std::string, std::string>> options;
    const std::string ws = " \t\r\n";
    while (std::getline(stream, line)) {
        bool used_hash = false;
        if (const size_t pos = line.find('#'); pos != std::string::npos) {
            line = line.substr(0, pos);
            used_hash = true;
        }
        line = TrimChars(line, ws);
        if (!line.empty()) {
            if (line.front() == '[' && line.back() == ']') {
                const std::string section = line.substr(1, line.size() - 2);
                m_sections.push_back(section);
                prefix = section + '.';
            } else if (line.front() == '-') {
                error = "parse error on line " + std::to_string(linenr) + ": " + line +
                        ", options in configuration file must be specified without leading -";
                return false;
            } else if (const size_t pos = line.find('='); pos != std::string::npos) {
                std::string name = prefix + TrimChars(line.substr(0, pos), ws);
                std::string value = TrimChars(line.substr(pos + 1), ws);
                if (used_hash && name.find("rpcpassword") != std::string::npos) {
                    error = "parse error on line " + std::to_string(linenr) +
                            ", using # in rpcpassword can be ambiguous and should be avoided";
                    return false;
                }
                options.emplace_back(name, value);
                if (const size_t dot = name.rfind('.'); dot != std::string::npos && prefix.size() <= dot) {
                    m_sections.push_back(name.substr(0, dot));
                }
            } else {
                error = "parse error on line " + std::to_string(linenr) + ": " + line;
                if (line.size() >= 2 && line.starts_with("no")) {
                    error += ", if you intended to specify a negated option, use " + line + "=1 instead";
                }
                return false;
            }
        }
        ++linenr;
    }
    std::lock_guard lock(m_mutex);
    for (const auto& [name, value] : options) {
        const KeyInfo key = InterpretKey(name);
        if (key.name == "conf") {
            error = "conf cannot be set in the configuration file; use includeconf= if you want to include "
                    "additional config files";
            return false;
        }
        const auto flags = GetArgFlags("-" + key.name);
        if (!flags) {
            if (ignore_invalid_keys) continue;
            error = "Invalid configuration value " + name;
            return false;
        }
        bool negated = false;
        auto text = InterpretValueText(key.name, key.negated, &value, *flags, negated, error);
        if (!text) return false;
        m_config[key.section][key.name].push_back(Value{negated, *text});
    }
    return true;
}

bool ArgsManager::ReadConfigFiles(std::string& error, bool ignore_invalid_keys)
{
    {
        std::lock_guard lock(m_mutex);
        m_config.clear();
        m_sections.clear();
    }
    const auto datadir_arg = GetArg("-datadir");
    if (datadir_arg && !datadir_arg->empty() &&
        !std::filesystem::is_directory(std::filesystem::absolute(*datadir_arg))) {
        error = "specified data directory \"" + *datadir_arg + "\" does not exist.";
        return false;
    }
    const bool conf_given = IsArgSet("-conf") && !IsArgNegated("-conf");
    if (!IsArgNegated("-conf")) {
        std::filesystem::path conf = GetArg("-conf", CONF_FILENAME);
        if (conf.is_relative()) conf = GetDataDirBase() / conf;
        if (std::filesystem::is_directory(conf)) {
            error = "Config file \"" + conf.string() + "\" is a directory.";
            return false;
        }
        std::ifstream file(conf);
        if (file.is_open()) {
            std::stringstream ss;
            ss << file.rdbuf();
            if (!ReadConfigString(ss.str(), error, ignore_invalid_keys)) return false;
        } else if (conf_given) {
            error = "specified config file \"" + conf.string() + "\" could not be opened.";
            return false;
        }
    }
    try {
        SelectConfigNetwork(GetChainName());
    } catch (const std::exception& e) {
        error = e.what();
        return false;
    }
    // -datadir may have come from the config file; it must exist as well.
    const auto datadir = GetArg("-datadir");
    if (datadir && !datadir->empty() && !std::filesystem::is_directory(std::filesystem::absolute(*datadir))) {
        error = "specified data directory \"" + *datadir + "\" does not exist.";
        return false;
    }
    return true;
}

void ArgsManager::SelectConfigNetwork(const std::string& network)
{
    std::lock_guard lock(m_mutex);
    m_network = network;
}

bool ArgsManager::UseDefaultSection(const std::string& name) const
{
    return m_network == CHAIN_MAIN || m_network.empty() || !m_network_only.contains(name);
}

std::optional<ArgsManager::Value> ArgsManager::GetSetting(const std::string& arg) const
{
    std::lock_guard lock(m_mutex);
    const std::string name = arg.substr(arg.starts_with("-") ? 1 : 0);
    if (auto it = m_forced.find(name); it != m_forced.end()) return Value{false, it->second};
    // Command line: the last value wins.
    if (auto it = m_command_line.find(name); it != m_command_line.end() && !it->second.empty()) {
        return it->second.back();
    }
    // Config file: the first value wins; the chain's section before the default one.
    auto from_section = [&](const std::string& section) -> std::optional<Value> {
        auto s = m_config.find(section);
        if (s == m_config.end()) return std::nullopt;
        auto v = s->second.find(name);
        if (v == s->second.end() || v->second.empty()) return std::nullopt;
        return v->second.front();
    };
    if (!m_network.empty()) {
        if (auto v = from_section(m_network)) return v;
    }
    if (UseDefaultSection(name)) return from_section("");
    return std::nullopt;
}

std::optional<std::string> ArgsManager::GetArg(const std::string& name) const
{
    auto v = GetSetting(name);
    if (!v) return std::nullopt;
    if (v->negated) return std::string("0");
    return v->text;
}

std::string ArgsManager::GetArg(const std::string& name, const std::string& def) const
{
    return GetArg(name).value_or(def);
}

int64_t ArgsManager::GetIntArg(const std::string& name, int64_t def) const
{
    auto v = GetSetting(name);
    if (!v) return def;
    if (v->negated) return 0;
    return std::atoll(v->text.c_str());
}

bool ArgsManager::GetBoolArg(const std::string& name, bool def) const
{
    auto v = GetSetting(name);
    if (!v) return def;
    if (v->negated) return false;
    return InterpretBool(v->text);
}

std::vector<std::string> ArgsManager::GetArgs(const std::string& arg) const
{
    std::lock_guard lock(m_mutex);
    const std::string name = arg.substr(arg.starts_with("-") ? 1 : 0);
    std::vector<std::string> result;
    bool complete = false;
    bool prev_negated_empty = false;
    auto add_span = [&](const std::vector<Value>& values, bool is_config) {
        // Only the values after the last negation count.
        size_t start = 0;
        size_t negations = 0;
        for (size_t i = 0; i < values.size(); ++i) {
            if (values[i].negated) {
                start = i + 1;
                ++negations;
            }
        }
        // Config values are added even after a command-line negation, unless that negation left nothing
        // (Core keeps this for backwards compatibility).
        const bool zombie = is_config && !prev_negated_empty;
        if (!complete || zombie) {
            for (size_t i = start; i < values.size(); ++i) result.push_back(values[i].text);
        }
        complete |= negations > 0;
        prev_negated_empty |= !values.empty() && values.back().negated && result.empty();
    };
    if (auto it = m_forced.find(name); it != m_forced.end()) {
        result.push_back(it->second);
        complete = true;
    }
    if (auto it = m_command_line.find(name); it != m_command_line.end()) add_span(it->second, false);
    auto section_values = [&](const std::string& section) {
        auto s = m_config.find(section);
        if (s == m_config.end()) return;
        auto v = s->second.find(name);
        if (v != s->second.end()) add_span(v->second, true);
    };
    if (!m_network.empty()) section_values(m_network);
    if (UseDefaultSection(name)) section_values("");
    return result;
}

bool ArgsManager::IsArgSet(const std::string& name) const
{
    return GetSetting(name).has_value();
}

bool ArgsManager::IsArgNegated(const std::string& name) const
{
    auto v = GetSetting(name);
    return v && v->negated;
}

void ArgsManager::ForceSetArg(const std::string& name, const std::string& value)
{
    std::lock_guard lock(m_mutex);
    m_forced[name.substr(name.starts_with("-") ? 1 : 0)] = value;
}

bool ArgsManager::SoftSetArg(const std::string& name, const std::string& value)
{
    if (IsArgSet(name)) return false;
    ForceSetArg(name, value);
    return true;
}

std::string ArgsManager::GetChainName() const
{
    // Chain flags are read from the command line and the config file's default section.
    auto get_net = [&](const std::string& name) {
        std::lock_guard lock(m_mutex);
        const std::string key = name.substr(1);
        std::optional<Value> v;
        if (auto it = m_command_line.find(key); it != m_command_line.end() && !it->second.empty()) {
            v = it->second.back();
        } else if (auto s = m_config.find(""); s != m_config.end()) {
            if (auto c = s->second.find(key); c != s->second.end() && !c->second.empty()) v = c->second.front();
        }
        if (!v) return false;
        return !v->negated && InterpretBool(v->text);
    };
    const bool regtest = get_net("-regtest");
    const bool signet = get_net("-signet");
    const bool testnet = get_net("-testnet");
    const bool testnet4 = get_net("-testnet4");
    std::optional<std::string> chain;
    {
        std::lock_guard lock(m_mutex);
        if (auto it = m_command_line.find("chain"); it != m_command_line.end() && !it->second.empty()) {
            chain = it->second.back().negated ? "0" : it->second.back().text;
        } else if (auto s = m_config.find(""); s != m_config.end()) {
            if (auto c = s->second.find("chain"); c != s->second.end() && !c->second.empty()) {
                chain = c->second.front().text;
            }
        }
    }
    if (int(chain.has_value()) + int(regtest) + int(signet) + int(testnet) + int(testnet4) > 1) {
        throw std::runtime_error(
            "Invalid combination of -regtest, -signet, -testnet, -testnet4 and -chain. Can use at most one.");
    }
    if (chain) {
        if (IsChainSection(*chain)) return *chain;
        throw std::runtime_error("Unknown chain " + *chain + ".");
    }
    if (regtest) return "regtest";
    if (signet) return "signet";
    if (testnet) return "test";
    if (testnet4) return "testnet4";
    return "main";
}

std::filesystem::path ArgsManager::GetDataDirBase() const
{
    const auto d = GetArg("-datadir");
    if (d && !d->empty() && !IsArgNegated("-datadir")) return std::filesystem::absolute(*d);
    return GetDefaultDataDir();
}

std::filesystem::path ArgsManager::GetDataDirNet() const
{
    std::string chain;
    try {
        chain = GetChainName();
    } catch (const std::exception&) {
        chain = "main";
    }
    const std::string sub = ChainDataSubdir(chain);
    return sub.empty() ? GetDataDirBase() : GetDataDirBase() / sub;
}

std::filesystem::path ArgsManager::AbsPathForConfigVal(const std::filesystem::path& path, bool net_specific) const
{
    if (path.is_absolute()) return path;
    return (net_specific ? GetDataDirNet() : GetDataDirBase()) / path;
}

std::set<std::string> ArgsManager::GetUnsuitableSectionOnlyArgs() const
{
    std::lock_guard lock(m_mutex);
    std::set<std::string> out;
    if (m_network.empty() || m_network == CHAIN_MAIN) return out;
    auto def = m_config.find("");
    for (const auto& name : m_network_only) {
        const std::string key = name.substr(1);
        const bool in_default = def != m_config.end() && def->second.contains(key);
        bool elsewhere = m_command_line.contains(key) || m_forced.contains(key);
        if (auto net = m_config.find(m_network); net != m_config.end() && net->second.contains(key)) elsewhere = true;
        if (in_default && !elsewhere) out.insert(name);
    }
    return out;
}

std::vector<std::string> ArgsManager::GetUnrecognizedSections() const
{
    std::lock_guard lock(m_mutex);
    std::vector<std::string> out;
    for (const auto& s : m_sections) {
        if (!IsChainSection(s)) out.push_back(s);
    }
    return out;
}

std::string ArgsManager::GetHelpMessage() const
{
    const bool show_debug = GetBoolArg("-help-debug", false);
    std::lock_guard lock(m_mutex);
    std::string usage;
    for (const auto& [cat, args] : m_available) {
        switch (cat) {
        case OptionsCategory::OPTIONS: usage += "Options:\n\n"; break;
        case OptionsCategory::CONNECTION: usage += "Connection options:\n\n"; break;
        case OptionsCategory::DEBUG_TEST: usage += "Debugging/Testing options:\n\n"; break;
        case OptionsCategory::RPC: usage += "RPC server options:\n\n"; break;
        case OptionsCategory::CHAINPARAMS: usage += "Chain selection options:\n\n"; break;
        case OptionsCategory::COMMANDS: usage += "Commands:\n\n"; break;
        case OptionsCategory::CLI_COMMANDS: usage += "CLI Commands:\n\n"; break;
        case OptionsCategory::HIDDEN: break;
        }
        if (cat == OptionsCategory::HIDDEN) break;
        for (const auto& [name, info] : args) {
            if (show_debug || !(info.flags & DEBUG_ONLY)) usage += HelpMessageOpt(name, info.help_param, info.help_text);
        }
    }
    return usage;
}

bool ArgsManager::HelpRequested() const
{
    return IsArgSet("-?") || IsArgSet("-h") || IsArgSet("-help") || IsArgSet("-help-debug");
}
