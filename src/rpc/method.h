// An RPC command's documented signature (arguments, results, examples) in the shape of Core's RPCHelpMan: it
// renders `help <command>` exactly as Core does, checks argument counts and types, and runs the command.
#pragma once

#include "json/json_value.h"
#include "rpc/request.h"

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

struct RpcArgOptions {
    bool skip_type_check{false};
    std::string oneline_description;    // replaces the argument in the one-line summary
    std::vector<std::string> type_str;  // {"one-line type", "description type"} overrides
    bool hidden{false};                 // this and every later argument are left out of help
    bool also_positional{false};        // a named-only option that may also be given positionally
};

/** Options for an argument that is left out of help (and every argument after it). */
inline RpcArgOptions HiddenArgOptions()
{
    RpcArgOptions o;
    o.hidden = true;
    return o;
}

struct RpcArg {
    enum class Type { OBJ, ARR, STR, NUM, BOOL, OBJ_NAMED_PARAMS, OBJ_USER_KEYS, AMOUNT, STR_HEX, RANGE };
    enum class Optional { NO, OMITTED };
    struct DefaultHint {
        std::string text;
    };
    struct Default {
        JsonValue value;
    };
    using Fallback = std::variant<Optional, DefaultHint, Default>;

    std::string names;  // "name" or "name|alias"
    Type type;
    Fallback fallback;
    std::string description;
    std::vector<RpcArg> inner;
    RpcArgOptions opts;

    RpcArg(std::string names_in, Type type_in, Fallback fallback_in, std::string description_in,
           std::vector<RpcArg> inner_in = {}, RpcArgOptions opts_in = {})
        : names(std::move(names_in)), type(type_in), fallback(std::move(fallback_in)),
          description(std::move(description_in)), inner(std::move(inner_in)), opts(std::move(opts_in))
    {
    }
    RpcArg(std::string names_in, Type type_in, Fallback fallback_in, std::string description_in, RpcArgOptions opts_in)
        : RpcArg(std::move(names_in), type_in, std::move(fallback_in), std::move(description_in), {}, std::move(opts_in))
    {
    }

    bool IsOptional() const;
    std::string GetFirstName() const;
    std::string GetName() const { return names; }
    /** "(string, required) text" etc. */
    std::string ToDescriptionString(bool is_named_arg) const;
    /** One-line form: "hexstring" quoted for strings, name for scalars, {..}/[..] for containers. */
    std::string ToString(bool oneline) const;
    std::string ToStringObj(bool oneline) const;
    /** Empty when value fits; else Core's "JSON value of type X is not of expected type Y". */
    std::optional<std::string> TypeMismatch(const JsonValue& value) const;
};

struct RpcResult {
    enum class Type { OBJ, ARR, STR, NUM, BOOL, NONE, ANY, STR_AMOUNT, STR_HEX, OBJ_DYN, ARR_FIXED, NUM_TIME };

    std::string cond;  // "Result (cond):" heading when not empty
    Type type;
    std::string key_name;
    bool optional{false};
    std::string description;
    std::vector<RpcResult> inner;
    bool skip_in_help{false};             // Core's HelpElisionSkip
    std::optional<std::string> elision;   // Core's print_elision text ("..." line)

    RpcResult(Type t, std::string key, std::string desc, std::vector<RpcResult> in = {})
        : type(t), key_name(std::move(key)), description(std::move(desc)), inner(std::move(in))
    {
    }
    RpcResult(Type t, std::string key, bool opt, std::string desc, std::vector<RpcResult> in = {})
        : type(t), key_name(std::move(key)), optional(opt), description(std::move(desc)), inner(std::move(in))
    {
    }
    RpcResult(std::string cond_in, Type t, std::string key, std::string desc, std::vector<RpcResult> in = {})
        : cond(std::move(cond_in)), type(t), key_name(std::move(key)), description(std::move(desc)),
          inner(std::move(in))
    {
    }
};

class RpcMethod;
using RpcMethodImpl = std::function<JsonValue(const RpcMethod& self, const JsonRpcRequest& request)>;

class RpcMethod
{
public:
    RpcMethod(std::string name, std::string description, std::vector<RpcArg> args, std::vector<RpcResult> results,
              std::string examples, RpcMethodImpl fun);

    const std::string& Name() const { return m_name; }
    const std::vector<RpcArg>& Args() const { return m_args; }
    /** The full `help <name>` text. */
    std::string ToString() const;
    bool IsValidNumArgs(size_t num_args) const;
    /** (names, named_only) for each parameter, in order, for named-argument conversion. */
    std::vector<std::pair<std::string, bool>> GetArgNames() const;
    /** Checks count and types (help text as RPC_MISC_ERROR, "Wrong type passed" as RPC_TYPE_ERROR), then runs. */
    JsonValue HandleRequest(const JsonRpcRequest& request) const;

private:
    std::string m_name;
    std::string m_description;
    std::vector<RpcArg> m_args;
    std::vector<RpcResult> m_results;
    std::string m_examples;
    RpcMethodImpl m_fun;
};

/** Parameter i of request, or the argument's declared default when absent/null; nullptr when neither. */
const JsonValue* ArgOrDefault(const RpcMethod& method, const JsonRpcRequest& request, size_t i);

/** Example lines for help text, as Core prints them. */
std::string HelpExampleCli(const std::string& method, const std::string& args);
std::string HelpExampleRpc(const std::string& method, const std::string& args);
