// sovereign-tx command processing: option parsing, the transaction mutation commands of Core's bitcoin-tx,
// registers (set=/load=), signing, and hex / txid / JSON output.
#include "app/tx_tool.h"

#include "address/destination.h"
#include "app/tool_args.h"
#include "app/tx_sign.h"
#include "crypto/hash.h"
#include "json/core_json.h"
#include "json/json_value.h"
#include "script/interpreter.h"
#include "script/script_asm.h"
#include "script/solver.h"
#include "util/hex.h"
#include "util/strencodings.h"

#include <charconv>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace {
/** Policy limit on the transaction version the tool accepts (Core's TX_MAX_STANDARD_VERSION). */
constexpr uint32_t TX_MAX_STANDARD_VERSION = 3;
/** BIP125 opt-in sequence (Core's MAX_BIP125_RBF_SEQUENCE). */
constexpr uint32_t MAX_BIP125_RBF_SEQUENCE = 0xfffffffd;
/** Consensus block weight limit, bounding an input's vout as Core's bitcoin-tx does. */
constexpr unsigned int MAX_BLOCK_WEIGHT = 4000000;

using ToolError = std::runtime_error;

/** Core's ToIntegral: the whole string must be a decimal number of type T (no '+', no spaces). */
template <typename T>
std::optional<T> ToIntegral(std::string_view s) {
    T value{};
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
    return value;
}

bool IsSpaceChar(char c) {
    return c == ' ' || c == '\f' || c == '\n' || c == '\r' || c == '\t' || c == '\v';
}

std::string_view TrimView(std::string_view s) {
    while (!s.empty() && IsSpaceChar(s.front())) s.remove_prefix(1);
    while (!s.empty() && IsSpaceChar(s.back())) s.remove_suffix(1);
    return s;
}

/** Core's ParseMoney: digits with an optional '.' and up to 8 decimals, surrounding spaces allowed. */
std::optional<Amount> ParseMoney(const std::string& text) {
    if (text.find('\0') != std::string::npos) return std::nullopt;
    const std::string str(TrimView(text));
    if (str.empty()) return std::nullopt;
    std::string whole;
    int64_t units = 0;
    size_t p = 0;
    for (; p < str.size(); ++p) {
        if (str[p] == '.') {
            ++p;
            int64_t mult = COIN / 10;
            while (p < str.size() && str[p] >= '0' && str[p] <= '9' && mult > 0) {
                units += mult * (str[p++] - '0');
                mult /= 10;
            }
            break;
        }
        if (str[p] < '0' || str[p] > '9') return std::nullopt;
        whole += str[p];
    }
    if (p < str.size()) return std::nullopt;
    if (whole.size() > 10) return std::nullopt;  // guards the multiplication below against overflow
    int64_t whole_value = 0;
    for (char c : whole) whole_value = whole_value * 10 + (c - '0');
    const Amount value = whole_value * COIN + units;
    if (!MoneyRange(value)) return std::nullopt;
    return value;
}

Amount ExtractAndValidateValue(const std::string& text) {
    if (auto v = ParseMoney(text)) return *v;
    throw ToolError("invalid TX output value");
}

template <typename T>
T TrimAndParse(const std::string& text, const std::string& err) {
    if (auto v = ToIntegral<T>(TrimView(text))) return *v;
    throw ToolError(err + " '" + text + "'");
}

Script P2SHScript(const Script& redeem) {
    return GetScriptForDestination(ScriptHash{Hash160(redeem.bytes())});
}
Script P2WSHScript(const Script& witness_script) {
    return GetScriptForDestination(WitnessV0ScriptHash{Sha256Hash(witness_script.bytes())});
}

class TxTool {
public:
    TxTool(std::istream& in, std::ostream& out, std::ostream& err) : m_in(in), m_out(out), m_err(err) {}

    int Run(const std::vector<std::string>& args);

private:
    void PrintUsage() const;

    void Mutate(MutableTransaction& tx, const std::string& command, const std::string& value);
    void SetVersion(MutableTransaction& tx, const std::string& value);
    void SetLocktime(MutableTransaction& tx, const std::string& value);
    void SetRbf(MutableTransaction& tx, const std::string& value);
    void AddInput(MutableTransaction& tx, const std::string& value);
    void AddOutAddr(MutableTransaction& tx, const std::string& value);
    void AddOutPubKey(MutableTransaction& tx, const std::string& value);
    void AddOutMultisig(MutableTransaction& tx, const std::string& value);
    void AddOutData(MutableTransaction& tx, const std::string& value);
    void AddOutScript(MutableTransaction& tx, const std::string& value);
    void DelInput(MutableTransaction& tx, const std::string& value);
    void DelOutput(MutableTransaction& tx, const std::string& value);
    void Sign(MutableTransaction& tx, const std::string& value);
    void RegisterSetJson(const std::string& key, const std::string& json);
    void RegisterSet(const std::string& value);
    void RegisterLoad(const std::string& value);
    std::string ReadInput();

    std::istream& m_in;
    std::ostream& m_out;
    std::ostream& m_err;
    ToolArgs m_args;
    Chain m_chain{Chain::MAIN};
    std::map<std::string, JsonValue> m_registers;
};

void TxTool::PrintUsage() const {
    m_out << "Sovereign sovereign-tx utility (compatible with Bitcoin Core's bitcoin-tx)\n"
             "\n"
             "sovereign-tx creates and modifies raw transactions: \"<hex-tx> [commands]\" updates a "
             "hex-encoded\n"
             "transaction (\"-\" reads it from standard input), \"-create [commands]\" starts from an empty "
             "one.\n"
             "\n"
             "Usage: sovereign-tx [options] <hex-tx> [commands]\n"
             "or:    sovereign-tx [options] -create [commands]\n"
             "\n"
             "Options:\n"
             "  -?, -h, -help      Print this help message and exit\n"
             "  -version           Print version and exit\n"
             "  -create            Create new, empty TX (default: off)\n"
             "  -json              Select JSON output (default: hex)\n"
             "  -txid              Output only the hex-encoded transaction id of the result (default: off)\n"
             "  -chain=<chain>     Use the chain: main, test, testnet4, signet, regtest (default: main)\n"
             "  -regtest, -signet, -testnet, -testnet4   Same as -chain=<name>\n"
             "\n"
             "Commands:\n"
             "  delin=N                        Delete input N from TX\n"
             "  delout=N                       Delete output N from TX\n"
             "  in=TXID:VOUT(:SEQUENCE_NUMBER) Add input to TX (default sequence: 4294967295)\n"
             "  locktime=N                     Set TX lock time to N\n"
             "  nversion=N                     Set TX version to N (1 to 3; default: 2)\n"
             "  outaddr=VALUE:ADDRESS          Add address-based output to TX\n"
             "  outdata=[VALUE:]DATA           Add data-based (OP_RETURN) output to TX (default value: 0)\n"
             "  outmultisig=VALUE:REQUIRED:PUBKEYS:PUBKEY1:PUBKEY2:....[:FLAGS]\n"
             "                                 Add n-of-m multisig output; flag W: P2WSH, flag S: wrap in "
             "P2SH\n"
             "  outpubkey=VALUE:PUBKEY[:FLAGS]  Add pay-to-pubkey output; flag W: P2WPKH, flag S: wrap in "
             "P2SH\n"
             "  outscript=VALUE:SCRIPT[:FLAGS]  Add raw script output; flag W: P2WSH, flag S: wrap in P2SH\n"
             "  replaceable(=N)                Opt input N (default: all inputs) in to replace-by-fee "
             "(BIP125)\n"
             "  sign=SIGHASH-FLAGS             Add signatures using registers privatekeys and prevtxs\n"
             "                                 (ALL, NONE, SINGLE, each optionally |ANYONECANPAY; default: "
             "ALL)\n"
             "\n"
             "Register commands:\n"
             "  load=NAME:FILENAME             Load JSON file FILENAME into register NAME\n"
             "  set=NAME:JSON-STRING           Set register NAME to given JSON-STRING\n";
}

void TxTool::SetVersion(MutableTransaction& tx, const std::string& value) {
    const auto ver = ToIntegral<uint32_t>(value);
    if (!ver || *ver < 1 || *ver > TX_MAX_STANDARD_VERSION) {
        throw ToolError("Invalid TX version requested: '" + value + "'");
    }
    tx.version = static_cast<int32_t>(*ver);
}

void TxTool::SetLocktime(MutableTransaction& tx, const std::string& value) {
    const auto locktime = ToIntegral<uint32_t>(value);
    if (!locktime) throw ToolError("Invalid TX locktime requested: '" + value + "'");
    tx.lock_time = *locktime;
}

void TxTool::SetRbf(MutableTransaction& tx, const std::string& value) {
    const auto idx = ToIntegral<uint32_t>(value);
    if (!value.empty() && (!idx || *idx >= tx.vin.size())) {
        throw ToolError("Invalid TX input index '" + value + "'");
    }
    for (size_t i = 0; i < tx.vin.size(); ++i) {
        if (value.empty() || i == *idx) {
            if (tx.vin[i].sequence > MAX_BIP125_RBF_SEQUENCE) tx.vin[i].sequence = MAX_BIP125_RBF_SEQUENCE;
        }
    }
}

void TxTool::AddInput(MutableTransaction& tx, const std::string& value) {
    const std::vector<std::string> parts = SplitString(value, ':');
    if (parts.size() < 2) throw ToolError("TX input missing separator");
    const auto txid = uint256::FromHex(parts[0]);
    if (!txid || !IsHex(parts[0])) throw ToolError("invalid TX input txid");
    // An output needs at least 9 bytes, so no transaction in a block can have more outputs than this.
    static constexpr unsigned int MIN_TXOUT_SIZE = 9;
    static constexpr unsigned int MAX_VOUT = MAX_BLOCK_WEIGHT / (WITNESS_SCALE_FACTOR * MIN_TXOUT_SIZE);
    const auto vout = ToIntegral<uint32_t>(parts[1]);
    if (!vout || *vout > MAX_VOUT) throw ToolError("invalid TX input vout '" + parts[1] + "'");
    uint32_t sequence = TxIn::SEQUENCE_FINAL;
    if (parts.size() > 2) sequence = TrimAndParse<uint32_t>(parts[2], "invalid TX sequence id");
    TxIn in;
    in.prevout = OutPoint(*txid, *vout);
    in.sequence = sequence;
    tx.vin.push_back(std::move(in));
}

void TxTool::AddOutAddr(MutableTransaction& tx, const std::string& value) {
    const std::vector<std::string> parts = SplitString(value, ':');
    if (parts.size() != 2) throw ToolError("TX output missing or too many separators");
    const Amount amount = ExtractAndValidateValue(parts[0]);
    const Destination dest = DecodeDestination(parts[1], m_chain);
    if (!IsValidDestination(dest)) throw ToolError("invalid TX output address");
    tx.vout.emplace_back(amount, GetScriptForDestination(dest));
}

void TxTool::AddOutPubKey(MutableTransaction& tx, const std::string& value) {
    const std::vector<std::string> parts = SplitString(value, ':');
    if (parts.size() < 2 || parts.size() > 3) throw ToolError("TX output missing or too many separators");
    const Amount amount = ExtractAndValidateValue(parts[0]);
    const PubKey pubkey(ParseHex(parts[1]));
    if (!pubkey.IsFullyValid()) throw ToolError("invalid TX output pubkey");
    Script spk;
    spk << pubkey.bytes() << OP_CHECKSIG;
    bool segwit = false;
    bool script_hash = false;
    if (parts.size() == 3) {
        segwit = parts[2].find('W') != std::string::npos;
        script_hash = parts[2].find('S') != std::string::npos;
    }
    if (segwit) {
        if (!pubkey.IsCompressed())
            throw ToolError("Uncompressed pubkeys are not useable for SegWit outputs");
        spk = GetScriptForDestination(WitnessV0KeyHash{pubkey.GetID()});
    }
    if (script_hash) spk = P2SHScript(spk);
    tx.vout.emplace_back(amount, std::move(spk));
}

void TxTool::AddOutMultisig(MutableTransaction& tx, const std::string& value) {
    const std::vector<std::string> parts = SplitString(value, ':');
    if (parts.size() < 3) throw ToolError("Not enough multisig parameters");
    const Amount amount = ExtractAndValidateValue(parts[0]);
    const uint32_t required = TrimAndParse<uint32_t>(parts[1], "invalid multisig required number");
    const uint32_t numkeys = TrimAndParse<uint32_t>(parts[2], "invalid multisig total number");
    if (parts.size() < uint64_t{numkeys} + 3) throw ToolError("incorrect number of multisig pubkeys");
    if (required < 1 || required > MAX_PUBKEYS_PER_MULTISIG || numkeys < 1 ||
        numkeys > MAX_PUBKEYS_PER_MULTISIG || numkeys < required) {
        throw ToolError("multisig parameter mismatch. Required " + std::to_string(required) + " of " +
                        std::to_string(numkeys) + "signatures.");
    }
    std::vector<PubKey> pubkeys;
    for (uint32_t pos = 1; pos <= numkeys; ++pos) {
        const PubKey pubkey(ParseHex(parts[pos + 2]));
        if (!pubkey.IsFullyValid()) throw ToolError("invalid TX output pubkey");
        pubkeys.push_back(pubkey);
    }
    bool segwit = false;
    bool script_hash = false;
    if (parts.size() == uint64_t{numkeys} + 4) {
        segwit = parts.back().find('W') != std::string::npos;
        script_hash = parts.back().find('S') != std::string::npos;
    } else if (parts.size() > uint64_t{numkeys} + 4) {
        throw ToolError("Too many parameters");
    }
    std::vector<std::vector<uint8_t>> key_bytes;
    for (const PubKey& k : pubkeys) key_bytes.emplace_back(k.begin(), k.end());
    Script spk = GetScriptForMultisig(static_cast<int>(required), key_bytes);
    if (segwit) {
        for (const PubKey& k : pubkeys) {
            if (!k.IsCompressed()) throw ToolError("Uncompressed pubkeys are not useable for SegWit outputs");
        }
        spk = P2WSHScript(spk);
    }
    if (script_hash) {
        if (spk.size() > MAX_SCRIPT_ELEMENT_SIZE) {
            throw ToolError("redeemScript exceeds size limit: " + std::to_string(spk.size()) + " > " +
                            std::to_string(MAX_SCRIPT_ELEMENT_SIZE));
        }
        spk = P2SHScript(spk);
    }
    tx.vout.emplace_back(amount, std::move(spk));
}

void TxTool::AddOutData(MutableTransaction& tx, const std::string& value) {
    Amount amount = 0;
    size_t pos = value.find(':');
    if (pos == 0) throw ToolError("TX output value not specified");
    if (pos == std::string::npos) {
        pos = 0;
    } else {
        amount = ExtractAndValidateValue(value.substr(0, pos));
        ++pos;
    }
    const std::string data = value.substr(pos);
    if (!IsHex(data)) throw ToolError("invalid TX output data");
    Script spk;
    spk << OP_RETURN << ParseHex(data);
    tx.vout.emplace_back(amount, std::move(spk));
}

void TxTool::AddOutScript(MutableTransaction& tx, const std::string& value) {
    const std::vector<std::string> parts = SplitString(value, ':');
    if (parts.size() < 2) throw ToolError("TX output missing separator");
    const Amount amount = ExtractAndValidateValue(parts[0]);
    std::string parse_error;
    std::optional<Script> parsed = ParseScript(parts[1], &parse_error);
    if (!parsed) throw ToolError(parse_error);
    Script spk = std::move(*parsed);
    bool segwit = false;
    bool script_hash = false;
    if (parts.size() == 3) {
        segwit = parts.back().find('W') != std::string::npos;
        script_hash = parts.back().find('S') != std::string::npos;
    }
    if (spk.size() > static_cast<size_t>(MAX_SCRIPT_SIZE)) {
        throw ToolError("script exceeds size limit: " + std::to_string(spk.size()) + " > " +
                        std::to_string(MAX_SCRIPT_SIZE));
    }
    if (segwit) spk = P2WSHScript(spk);
    if (script_hash) {
        if (spk.size() > MAX_SCRIPT_ELEMENT_SIZE) {
            throw ToolError("redeemScript exceeds size limit: " + std::to_string(spk.size()) + " > " +
                            std::to_string(MAX_SCRIPT_ELEMENT_SIZE));
        }
        spk = P2SHScript(spk);
    }
    tx.vout.emplace_back(amount, std::move(spk));
}

void TxTool::DelInput(MutableTransaction& tx, const std::string& value) {
    const auto idx = ToIntegral<uint32_t>(value);
    if (!idx || *idx >= tx.vin.size()) throw ToolError("Invalid TX input index '" + value + "'");
    tx.vin.erase(tx.vin.begin() + *idx);
}

void TxTool::DelOutput(MutableTransaction& tx, const std::string& value) {
    const auto idx = ToIntegral<uint32_t>(value);
    if (!idx || *idx >= tx.vout.size()) throw ToolError("Invalid TX output index '" + value + "'");
    tx.vout.erase(tx.vout.begin() + *idx);
}

std::optional<int> FindSighashFlags(const std::string& name) {
    static const std::pair<const char*, int> OPTIONS[] = {
        {"DEFAULT", SIGHASH_DEFAULT},
        {"ALL", SIGHASH_ALL},
        {"NONE", SIGHASH_NONE},
        {"SINGLE", SIGHASH_SINGLE},
        {"ALL|ANYONECANPAY", SIGHASH_ALL | SIGHASH_ANYONECANPAY},
        {"NONE|ANYONECANPAY", SIGHASH_NONE | SIGHASH_ANYONECANPAY},
        {"SINGLE|ANYONECANPAY", SIGHASH_SINGLE | SIGHASH_ANYONECANPAY},
    };
    for (const auto& [text, flags] : OPTIONS) {
        if (name == text) return flags;
    }
    return std::nullopt;
}

Amount AmountFromValue(const JsonValue& value) {
    if (!value.IsNum() && !value.IsStr()) throw ToolError("Amount is not a number or string");
    const auto amount = ParseFixedPoint(value.GetValStr(), 8);
    if (!amount) throw ToolError("Invalid amount");
    if (!MoneyRange(*amount)) throw ToolError("Amount out of range");
    return *amount;
}

std::vector<uint8_t> ParseHexValue(const JsonValue& v, const std::string& name) {
    std::string hex;
    if (v.IsStr()) hex = v.GetValStr();
    if (!IsHex(hex)) throw ToolError(name + " must be hexadecimal string (not '" + hex + "')");
    return ParseHex(hex);
}

/** UniValue::getInt<int>: an integral JSON number within int range. */
int JsonGetInt(const JsonValue& v) {
    const auto n = ToIntegral<int>(v.GetValStr());
    if (!n) throw ToolError("JSON integer out of range");
    return *n;
}

void TxTool::Sign(MutableTransaction& tx, const std::string& value) {
    int hash_type = SIGHASH_ALL;
    if (!value.empty()) {
        const auto flags = FindSighashFlags(value);
        if (!flags) throw ToolError("unknown sighash flag/sign option");
        hash_type = *flags;
    }
    MutableTransaction merged = tx;

    if (!m_registers.contains("privatekeys")) throw ToolError("privatekeys register variable must be set.");
    SigningKeys keystore;
    const JsonValue keys = m_registers["privatekeys"];
    for (size_t i = 0; i < keys.size(); ++i) {
        if (!keys[i].IsStr()) throw ToolError("privatekey not a std::string");
        const Key key = DecodeSecret(keys[i].GetValStr(), m_chain);
        if (!key.IsValid()) throw ToolError("privatekey not valid");
        keystore.AddKey(key);
    }

    if (!m_registers.contains("prevtxs")) throw ToolError("prevtxs register variable must be set.");
    const JsonValue prevtxs = m_registers["prevtxs"];
    std::map<OutPoint, TxOut> coins;
    for (size_t i = 0; i < prevtxs.size(); ++i) {
        const JsonValue& prev = prevtxs[i];
        if (!prev.IsObject()) throw ToolError("expected prevtxs internal object");
        if (!prev["txid"].IsStr() || !prev["vout"].IsNum() || !prev["scriptPubKey"].IsStr()) {
            throw ToolError("prevtxs internal object typecheck fail");
        }
        const std::string& txid_text = prev["txid"].GetValStr();
        const auto txid = uint256::FromHex(txid_text);
        if (!txid || !IsHex(txid_text)) {
            throw ToolError("txid must be hexadecimal string (not '" + txid_text + "')");
        }
        const int n_out = JsonGetInt(prev["vout"]);
        if (n_out < 0) throw ToolError("vout cannot be negative");
        const OutPoint outpoint(*txid, static_cast<uint32_t>(n_out));
        const Script spk(ParseHexValue(prev["scriptPubKey"], "scriptPubKey"));
        if (auto it = coins.find(outpoint); it != coins.end() && it->second.script_pubkey != spk) {
            throw ToolError("Previous output scriptPubKey mismatch:\n" +
                            ScriptToAsmStr(it->second.script_pubkey) + "\nvs:\n" + ScriptToAsmStr(spk));
        }
        // Without an amount the coin is worth MAX_MONEY; segwit signatures then fail the check below.
        Amount amount = MAX_MONEY;
        if (prev.Exists("amount")) amount = AmountFromValue(prev["amount"]);
        coins[outpoint] = TxOut(amount, spk);
        if ((spk.IsPayToScriptHash() || spk.IsPayToWitnessScriptHash()) && prev.Exists("redeemScript")) {
            keystore.AddScript(Script(ParseHexValue(prev["redeemScript"], "redeemScript")));
        }
    }

    for (size_t i = 0; i < merged.vin.size(); ++i) {
        auto it = coins.find(merged.vin[i].prevout);
        if (it == coins.end()) continue;
        const TxOut& coin = it->second;
        // Signing mutates only input i, so later sighashes see earlier inputs signed, as in Core.
        SignTxInput(merged, static_cast<unsigned int>(i), coin, keystore, hash_type);
        if (coin.value == MAX_MONEY && !merged.vin[i].witness.IsNull()) {
            throw ToolError("Missing amount for CTxOut with scriptPubKey=" +
                            HexStr(coin.script_pubkey.bytes()));
        }
    }
    tx = std::move(merged);
}

void TxTool::RegisterSetJson(const std::string& key, const std::string& json) {
    auto value = JsonValue::Parse(json);
    if (!value) throw ToolError("Cannot parse JSON for key " + key);
    m_registers[key] = std::move(*value);
}

void TxTool::RegisterSet(const std::string& value) {
    const size_t pos = value.find(':');
    if (pos == std::string::npos || pos == 0 || pos == value.size() - 1) {
        throw ToolError("Register input requires NAME:VALUE");
    }
    RegisterSetJson(value.substr(0, pos), value.substr(pos + 1));
}

void TxTool::RegisterLoad(const std::string& value) {
    const size_t pos = value.find(':');
    if (pos == std::string::npos || pos == 0 || pos == value.size() - 1) {
        throw ToolError("Register load requires NAME:FILENAME");
    }
    const std::string filename = value.substr(pos + 1);
    std::ifstream file(filename, std::ios::binary);
    if (!file) throw ToolError("Cannot open file " + filename);
    std::string contents((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (file.bad()) throw ToolError("Error reading file " + filename);
    RegisterSetJson(value.substr(0, pos), contents);
}

void TxTool::Mutate(MutableTransaction& tx, const std::string& command, const std::string& value) {
    if (command == "nversion") {
        SetVersion(tx, value);
    } else if (command == "locktime") {
        SetLocktime(tx, value);
    } else if (command == "replaceable") {
        SetRbf(tx, value);
    } else if (command == "delin") {
        DelInput(tx, value);
    } else if (command == "in") {
        AddInput(tx, value);
    } else if (command == "delout") {
        DelOutput(tx, value);
    } else if (command == "outaddr") {
        AddOutAddr(tx, value);
    } else if (command == "outpubkey") {
        AddOutPubKey(tx, value);
    } else if (command == "outmultisig") {
        AddOutMultisig(tx, value);
    } else if (command == "outscript") {
        AddOutScript(tx, value);
    } else if (command == "outdata") {
        AddOutData(tx, value);
    } else if (command == "sign") {
        Sign(tx, value);
    } else if (command == "load") {
        RegisterLoad(value);
    } else if (command == "set") {
        RegisterSet(value);
    } else {
        throw ToolError("unknown command");
    }
}

std::string TxTool::ReadInput() {
    std::string data((std::istreambuf_iterator<char>(m_in)), std::istreambuf_iterator<char>());
    if (m_in.bad()) throw ToolError("error reading stdin");
    return std::string(TrimView(data));
}

int TxTool::Run(const std::vector<std::string>& args) {
    std::string error;
    std::vector<std::string> known = ToolArgs::CommonOptions();
    known.insert(known.end(), {"create", "json", "txid"});
    if (!m_args.Parse(args, known, /*commands=*/{}, error)) {
        m_err << "Error parsing command line arguments: " << error << "\n";
        return 1;
    }
    const auto chain = m_args.SelectChain(error);
    if (!chain) {
        m_err << "Error: " << error << "\n";
        return 1;
    }
    m_chain = *chain;
    const bool help = m_args.GetBool("?") || m_args.GetBool("h") || m_args.GetBool("help");
    if (args.empty() || help || m_args.GetBool("version")) {
        PrintUsage();
        if (args.empty()) {
            m_err << "Error: too few parameters\n";
            return 1;
        }
        return 0;
    }
    const bool create_blank = m_args.GetBool("create");

    try {
        // Skip switches; "-" alone is the stdin marker, not a switch.
        size_t first = 0;
        while (first < args.size() && args[first].size() > 1 && args[first][0] == '-') ++first;

        MutableTransaction tx;
        if (!create_blank) {
            if (first >= args.size()) throw ToolError("too few parameters");
            std::string hex = args[first];
            if (hex == "-") hex = ReadInput();
            if (!IsHex(hex)) throw ToolError("invalid transaction encoding");
            auto decoded = DecodeTransaction(ParseHex(hex), /*try_no_witness=*/true, /*try_witness=*/true);
            if (!decoded) throw ToolError("invalid transaction encoding");
            tx = std::move(*decoded);
            ++first;
        }
        for (size_t i = first; i < args.size(); ++i) {
            const std::string& arg = args[i];
            const size_t eq = arg.find('=');
            if (eq == std::string::npos) {
                Mutate(tx, arg, "");
            } else {
                Mutate(tx, arg.substr(0, eq), arg.substr(eq + 1));
            }
        }

        const Transaction final_tx(tx);
        if (m_args.GetBool("json")) {
            JsonValue entry = JsonValue::Object();
            TxToJson(final_tx, uint256(), entry, m_chain);
            m_out << entry.Write(4) << "\n";
        } else if (m_args.GetBool("txid")) {
            m_out << final_tx.GetHash().GetHex() << "\n";
        } else {
            m_out << EncodeHexTx(final_tx) << "\n";
        }
    } catch (const std::exception& e) {
        m_err << "error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
}  // namespace

int RunTxTool(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err) {
    try {
        TxTool tool(in, out, err);
        return tool.Run(args);
    } catch (const std::exception& e) {
        err << "EXCEPTION: " << e.what() << "\n";
    } catch (...) {
        err << "EXCEPTION: unknown\n";
    }
    return 1;
}
