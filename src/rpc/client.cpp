// Command-line parameter conversion for sovereign-cli with Core's table and -named heuristics.
#include "rpc/client.h"

#include "rpc/client_params.h"

#include <stdexcept>
#include <string_view>

namespace {
const RpcConvertParam* FromPosition(const std::string& method, size_t pos)
{
    for (const auto& p : RPC_CONVERT_PARAMS) {
        if (method == p.method && p.index == static_cast<int>(pos)) return &p;
    }
    return nullptr;
}

const RpcConvertParam* FromName(const std::string& method, const std::string& name)
{
    for (const auto& p : RPC_CONVERT_PARAMS) {
        if (method == p.method && name == p.name) return &p;
    }
    return nullptr;
}

JsonValue ParseParam(const RpcConvertParam* param, const std::string& raw)
{
    if (!param || param->format == ParamFormat::STRING) return JsonValue(raw);
    if (auto v = JsonValue::Parse(raw)) return *v;
    if (param->format == ParamFormat::JSON_OR_STRING) return JsonValue(raw);
    throw std::runtime_error("Error parsing JSON: " + raw);
}
}  // namespace

JsonValue RpcConvertValues(const std::string& method, const std::vector<std::string>& params)
{
    JsonValue out = JsonValue::Array();
    for (const auto& s : params) out.PushBack(ParseParam(FromPosition(method, out.size()), s));
    return out;
}

JsonValue RpcConvertNamedValues(const std::string& method, const std::vector<std::string>& params)
{
    JsonValue named = JsonValue::Object();
    JsonValue positional = JsonValue::Array();
    // Later NAME=VALUE pairs overwrite earlier ones with the same name.
    auto put = [&](const std::string& name, JsonValue value) {
        JsonValue merged = JsonValue::Object();
        bool replaced = false;
        for (size_t i = 0; i < named.size(); ++i) {
            if (named.keys()[i] == name) {
                merged.PushKV(name, value);
                replaced = true;
            } else {
                merged.PushKV(named.keys()[i], named.values()[i]);
            }
        }
        if (!replaced) merged.PushKV(name, std::move(value));
        named = std::move(merged);
    };
    for (const auto& s : params) {
        const size_t pos = s.find('=');
        if (pos == std::string::npos) {
            positional.PushBack(ParseParam(FromPosition(method, positional.size()), s));
            continue;
        }
        const std::string name = s.substr(0, pos);
        const std::string value = s.substr(pos + 1);
        const RpcConvertParam* named_param = FromName(method, name);
        if (!named_param) {
            // Not a known name: it may be a positional value that contains '='.
            const RpcConvertParam* p = FromPosition(method, positional.size());
            if (p && p->format == ParamFormat::JSON) {
                if (auto parsed = JsonValue::Parse(s)) {
                    positional.PushBack(*parsed);
                    continue;
                }
            } else if (p && p->format == ParamFormat::STRING) {
                positional.PushBack(s);
                continue;
            }
        }
        put(name, ParseParam(named_param, value));
    }
    // An explicit "args" stays; the implicit one is appended after it (the server reports the duplicate).
    if (positional.size() > 0) named.PushKV("args", std::move(positional));
    return named;
}
