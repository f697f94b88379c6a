// bitcoin-cli's argument conversion: which command-line parameters are parsed as JSON (Core's rpc/client.cpp).
#pragma once

#include "json/json_value.h"

#include <string>
#include <vector>

/** Positional call: listed parameters parsed as JSON ("Error parsing JSON: x" on failure), others strings. */
JsonValue RpcConvertValues(const std::string& method, const std::vector<std::string>& params);
/** -named call: NAME=VALUE pairs into an object; arguments without '=' (and Core's ambiguous cases) go to "args". */
JsonValue RpcConvertNamedValues(const std::string& method, const std::vector<std::string>& params);
