// Help rendering, argument checks and dispatch for documented RPC commands (the layout of Core's RPCHelpMan).
#include "rpc/method.h"

#include "rpc/protocol.h"

#include <algorithm>

namespace {

enum class OuterType { ARR, OBJ, NONE };

std::string Trim(const std::string& s)
{
    const char* ws = " \f\n\r\t\v";
    const size_t b = s.find_first_not_of(ws);
    if (b == std::string::npos) return "";
    const size_t e = s.find_last_not_of(ws);
    return s.substr(b, e - b + 1);
}

// A left column (name or brace) and right column (description), padded to a common width when printed.
struct Section {
    std::string left;
    std::string right;
};

struct Sections {
    std::vector<Section> sections;
    size_t max_pad{0};

    void PushSection(Section s)
    {
        max_pad = std::max(max_pad, s.left.size());
        sections.push_back(std::move(s));
    }

    void Push(const RpcArg& arg, size_t current_indent = 5, OuterType outer = OuterType::NONE)
    {
        const std::string indent(current_indent, ' ');
        const std::string indent_next(current_indent + 2, ' ');
        const bool push_name = outer == OuterType::OBJ;
        const bool top = outer == OuterType::NONE;
        using T = RpcArg::Type;
        switch (arg.type) {
        case T::STR_HEX:
        case T::STR:
        case T::NUM:
        case T::AMOUNT:
        case T::RANGE:
        case T::BOOL:
        case T::OBJ_NAMED_PARAMS: {
            if (top) return;
            std::string left = indent;
            if (!arg.opts.type_str.empty() && push_name) {
                left += "\"" + arg.GetName() + "\": " + arg.opts.type_str.at(0);
            } else {
                left += push_name ? arg.ToStringObj(false) : arg.ToString(false);
            }
            left += ",";
            PushSection({left, arg.ToDescriptionString(push_name)});
            break;
        }
        case T::OBJ:
        case T::OBJ_USER_KEYS: {
            const std::string right = top ? "" : arg.ToDescriptionString(push_name);
            PushSection({indent + (push_name ? "\"" + arg.GetName() + "\": " : "") + "{", right});
            for (const auto& in : arg.inner) Push(in, current_indent + 2, OuterType::OBJ);
            if (arg.type != T::OBJ) PushSection({indent_next + "...", ""});
            PushSection({indent + "}" + (top ? "" : ","), ""});
            break;
        }
        case T::ARR: {
            std::string left = indent + (push_name ? "\"" + arg.GetName() + "\": " : "") + "[";
            const std::string right = top ? "" : arg.ToDescriptionString(push_name);
            PushSection({left, right});
            for (const auto& in : arg.inner) Push(in, current_indent + 2, OuterType::ARR);
            PushSection({indent_next + "...", ""});
            PushSection({indent + "]" + (top ? "" : ","), ""});
            break;
        }
        }
    }

    std::string ToString() const
    {
        std::string ret;
        const size_t pad = max_pad + 4;
        for (const auto& s : sections) {
            if (s.right.empty()) {
                ret += s.left + "\n";
                continue;
            }
            std::string left = s.left;
            left.resize(pad, ' ');
            ret += left;
            // Continuation lines of a description are indented to the description column.
            std::string right;
            size_t begin = 0;
            size_t nl = s.right.find_first_of('\n');
            while (true) {
                right += s.right.substr(begin, nl == std::string::npos ? std::string::npos : nl - begin);
                if (nl == std::string::npos) break;
                right += "\n" + std::string(pad, ' ');
                begin = s.right.find_first_not_of(' ', nl + 1);
                if (begin == std::string::npos) break;
                nl = s.right.find_first_of('\n', begin + 1);
            }
            ret += right + "\n";
        }
        return ret;
    }
};

void ResultToSections(const RpcResult& r, Sections& sections, OuterType outer = OuterType::NONE,
                      int current_indent = 0)
{
    const std::string indent(current_indent, ' ');
    const std::string indent_next(current_indent + 2, ' ');
    const std::string sep = outer != OuterType::NONE ? "," : "";
    const std::string key = outer == OuterType::OBJ ? "\"" + r.key_name + "\" : " : "";
    auto describe = [&](const std::string& type) {
        return "(" + type + (r.optional ? ", optional" : "") + ")" +
               (r.description.empty() ? "" : " " + r.description);
    };
    if (r.elision) {
        sections.PushSection({indent + "..." + sep, *r.elision});
        return;
    }
    if (r.skip_in_help) return;
    using T = RpcResult::Type;
    switch (r.type) {
    case T::ANY: sections.PushSection({indent + key + "xxx" + sep, describe("any")}); return;
    case T::NONE: sections.PushSection({indent + "null" + sep, describe("json null")}); return;
    case T::STR: sections.PushSection({indent + key + "\"str\"" + sep, describe("string")}); return;
    case T::STR_AMOUNT: sections.PushSection({indent + key + "n" + sep, describe("numeric")}); return;
    case T::STR_HEX: sections.PushSection({indent + key + "\"hex\"" + sep, describe("string")}); return;
    case T::NUM: sections.PushSection({indent + key + "n" + sep, describe("numeric")}); return;
    case T::NUM_TIME: sections.PushSection({indent + key + "xxx" + sep, describe("numeric")}); return;
    case T::BOOL: sections.PushSection({indent + key + "true|false" + sep, describe("boolean")}); return;
    case T::ARR_FIXED:
    case T::ARR: {
        sections.PushSection({indent + key + "[", describe("json array")});
        for (const auto& i : r.inner) ResultToSections(i, sections, OuterType::ARR, current_indent + 2);
        if (r.type == T::ARR && !(r.inner.empty() || r.inner.back().elision)) {
            sections.PushSection({indent_next + "...", ""});
        } else if (!sections.sections.empty()) {
            sections.sections.back().left.pop_back();  // no trailing comma in JSON
        }
        sections.PushSection({indent + "]" + sep, ""});
        return;
    }
    case T::OBJ_DYN:
    case T::OBJ: {
        if (r.inner.empty()) {
            sections.PushSection({indent + key + "{}", describe("empty JSON object")});
            return;
        }
        sections.PushSection({indent + key + "{", describe("json object")});
        for (const auto& i : r.inner) ResultToSections(i, sections, OuterType::OBJ, current_indent + 2);
        if (r.type == T::OBJ_DYN) {
            sections.PushSection({indent_next + "...", ""});
        } else {
            sections.sections.back().left.pop_back();
        }
        sections.PushSection({indent + "}" + sep, ""});
        return;
    }
    }
}

std::vector<std::string> SplitNames(const std::string& names)
{
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        const size_t p = names.find('|', start);
        out.push_back(names.substr(start, p == std::string::npos ? std::string::npos : p - start));
        if (p == std::string::npos) break;
        start = p + 1;
    }
    return out;
}

}  // namespace

bool RpcArg::IsOptional() const
{
    if (const auto* o = std::get_if<Optional>(&fallback)) return *o != Optional::NO;
    return true;
}

std::string RpcArg::GetFirstName() const
{
    return names.substr(0, names.find('|'));
}

std::string RpcArg::ToDescriptionString(bool is_named_arg) const
{
    std::string ret = "(";
    if (!opts.type_str.empty()) {
        ret += opts.type_str.at(1);
    } else {
        switch (type) {
        case Type::STR_HEX:
        case Type::STR: ret += "string"; break;
        case Type::NUM: ret += "numeric"; break;
        case Type::AMOUNT: ret += "numeric or string"; break;
        case Type::RANGE: ret += "numeric or array"; break;
        case Type::BOOL: ret += "boolean"; break;
        case Type::OBJ:
        case Type::OBJ_NAMED_PARAMS:
        case Type::OBJ_USER_KEYS: ret += "json object"; break;
        case Type::ARR: ret += "json array"; break;
        }
    }
    if (const auto* hint = std::get_if<DefaultHint>(&fallback)) {
        ret += ", optional, default=" + hint->text;
    } else if (const auto* def = std::get_if<Default>(&fallback)) {
        ret += ", optional, default=" + def->value.Write();
    } else if (std::get<Optional>(fallback) == Optional::OMITTED) {
        if (is_named_arg) ret += ", optional";
    } else {
        ret += ", required";
    }
    ret += ")";
    if (type == Type::OBJ_NAMED_PARAMS) ret += " Options object that can be used to pass named arguments, listed below.";
    ret += description.empty() ? "" : " " + description;
    return ret;
}

std::string RpcArg::ToStringObj(bool oneline) const
{
    std::string res = "\"" + GetFirstName() + (oneline ? "\":" : "\": ");
    switch (type) {
    case Type::STR: return res + "\"str\"";
    case Type::STR_HEX: return res + "\"hex\"";
    case Type::NUM: return res + "n";
    case Type::RANGE: return res + "n or [n,n]";
    case Type::AMOUNT: return res + "amount";
    case Type::BOOL: return res + "bool";
    case Type::ARR:
        res += "[";
        for (const auto& i : inner) res += i.ToString(oneline) + ",";
        return res + "...]";
    case Type::OBJ:
    case Type::OBJ_NAMED_PARAMS:
    case Type::OBJ_USER_KEYS: break;
    }
    return res;
}

std::string RpcArg::ToString(bool oneline) const
{
    if (oneline && !opts.oneline_description.empty()) return opts.oneline_description;
    switch (type) {
    case Type::STR_HEX:
    case Type::STR: return "\"" + GetFirstName() + "\"";
    case Type::NUM:
    case Type::RANGE:
    case Type::AMOUNT:
    case Type::BOOL: return GetFirstName();
    case Type::OBJ:
    case Type::OBJ_NAMED_PARAMS:
    case Type::OBJ_USER_KEYS: {
        std::string res;
        for (size_t i = 0; i < inner.size(); ++i) res += (i ? "," : "") + inner[i].ToStringObj(oneline);
        return type == Type::OBJ ? "{" + res + "}" : "{" + res + ",...}";
    }
    case Type::ARR: {
        std::string res;
        for (const auto& i : inner) res += i.ToString(oneline) + ",";
        return "[" + res + "...]";
    }
    }
    return "";
}

std::optional<std::string> RpcArg::TypeMismatch(const JsonValue& value) const
{
    if (opts.skip_type_check) return std::nullopt;
    if (IsOptional() && value.IsNull()) return std::nullopt;
    JsonValue::Type expected;
    switch (type) {
    case Type::STR_HEX:
    case Type::STR: expected = JsonValue::Type::STR; break;
    case Type::NUM: expected = JsonValue::Type::NUM; break;
    case Type::BOOL: expected = JsonValue::Type::BOOL; break;
    case Type::OBJ:
    case Type::OBJ_NAMED_PARAMS:
    case Type::OBJ_USER_KEYS: expected = JsonValue::Type::OBJ; break;
    case Type::ARR: expected = JsonValue::Type::ARR; break;
    case Type::AMOUNT:  // number or string, checked by AmountFromValue
    case Type::RANGE:   // number or array, checked by the range parser
    default: return std::nullopt;
    }
    if (value.type() == expected) return std::nullopt;
    return std::string("JSON value of type ") + JsonTypeName(value.type()) + " is not of expected type " +
           JsonTypeName(expected);
}

RpcMethod::RpcMethod(std::string name, std::string description, std::vector<RpcArg> args,
                     std::vector<RpcResult> results, std::string examples, RpcMethodImpl fun)
    : m_name(std::move(name)), m_description(std::move(description)), m_args(std::move(args)),
      m_results(std::move(results)), m_examples(std::move(examples)), m_fun(std::move(fun))
{
}

std::string RpcMethod::ToString() const
{
    std::string ret = m_name;
    bool was_optional = false;
    for (const auto& arg : m_args) {
        if (arg.opts.hidden) break;
        const bool optional = arg.IsOptional();
        ret += " ";
        if (optional) {
            if (!was_optional) ret += "( ";
            was_optional = true;
        } else {
            if (was_optional) ret += ") ";
            was_optional = false;
        }
        ret += arg.ToString(true);
    }
    if (was_optional) ret += " )";
    ret += "\n\n" + Trim(m_description) + "\n";

    Sections sections;
    Sections named_only;
    for (size_t i = 0; i < m_args.size(); ++i) {
        const auto& arg = m_args[i];
        if (arg.opts.hidden) break;
        sections.PushSection({std::to_string(i + 1) + ". " + arg.GetFirstName(), arg.ToDescriptionString(true)});
        sections.Push(arg);
        if (arg.type == RpcArg::Type::OBJ_NAMED_PARAMS) {
            for (const auto& in : arg.inner) {
                named_only.PushSection({in.GetFirstName(), in.ToDescriptionString(true)});
                named_only.Push(in);
            }
        }
    }
    if (!sections.sections.empty()) ret += "\nArguments:\n";
    ret += sections.ToString();
    if (!named_only.sections.empty()) ret += "\nNamed Arguments:\n";
    ret += named_only.ToString();

    for (const auto& r : m_results) {
        Sections s;
        ResultToSections(r, s);
        if (s.sections.empty()) continue;
        ret += r.cond.empty() ? "\nResult:\n" : "\nResult (" + r.cond + "):\n";
        ret += s.ToString();
    }
    if (!m_examples.empty()) ret += "\nExamples:\n" + m_examples;
    return ret;
}

bool RpcMethod::IsValidNumArgs(size_t num_args) const
{
    size_t required = 0;
    for (size_t n = m_args.size(); n > 0; --n) {
        if (!m_args[n - 1].IsOptional()) {
            required = n;
            break;
        }
    }
    return required <= num_args && num_args <= m_args.size();
}

std::vector<std::pair<std::string, bool>> RpcMethod::GetArgNames() const
{
    std::vector<std::pair<std::string, bool>> ret;
    for (const auto& arg : m_args) {
        if (arg.type == RpcArg::Type::OBJ_NAMED_PARAMS) {
            for (const auto& in : arg.inner) ret.emplace_back(in.names, true);
        }
        ret.emplace_back(arg.names, false);
    }
    return ret;
}

JsonValue RpcMethod::HandleRequest(const JsonRpcRequest& request) const
{
    // Core answers a wrong argument count with the command's help as the error message.
    if (request.mode == JsonRpcRequest::GET_HELP || !IsValidNumArgs(request.params.size())) {
        throw RpcError(RPC_MISC_ERROR, ToString());
    }
    JsonValue mismatch = JsonValue::Object();
    for (size_t i = 0; i < m_args.size(); ++i) {
        const JsonValue null_value;
        const JsonValue& v = i < request.params.size() ? request.params[i] : null_value;
        if (auto err = m_args[i].TypeMismatch(v)) {
            mismatch.PushKV("Position " + std::to_string(i + 1) + " (" + m_args[i].names + ")", *err);
        }
    }
    if (mismatch.size() > 0) throw RpcError(RPC_TYPE_ERROR, "Wrong type passed:\n" + mismatch.Write(4));
    return m_fun(*this, request);
}

const JsonValue* ArgOrDefault(const RpcMethod& method, const JsonRpcRequest& request, size_t i)
{
    if (i < request.params.size() && !request.params[i].IsNull()) return &request.params[i];
    if (i < method.Args().size()) {
        if (const auto* def = std::get_if<RpcArg::Default>(&method.Args()[i].fallback)) return &def->value;
    }
    return nullptr;
}

std::string HelpExampleCli(const std::string& method, const std::string& args)
{
    return "> bitcoin-cli " + method + " " + args + "\n";
}

std::string HelpExampleRpc(const std::string& method, const std::string& args)
{
    return "> curl --user myusername --data-binary '{\"jsonrpc\": \"2.0\", \"id\": \"curltest\", \"method\": \"" +
           method + "\", \"params\": [" + args +
           "]}' -H 'content-type: application/json' http://127.0.0.1:8332/\n";
}

// Splits "a|b" parameter name patterns (used by the table's named-argument conversion).
std::vector<std::string> SplitArgNames(const std::string& names)
{
    return SplitNames(names);
}
