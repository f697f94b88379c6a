// Fuzz target: sovereign-tx argument handling. The input is the argument vector, one argument per line; after a
// NUL byte comes what the tool may read from stdin. RunTxTool must return 0 or 1 and never crash.
#include "app/tx_tool.h"
#include "fuzz_check.h"

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size > 20000) return 0;
    const std::string input(reinterpret_cast<const char*>(data), size);
    const size_t nul = input.find('\0');
    const std::string arg_text = input.substr(0, nul);
    const std::string stdin_text = nul == std::string::npos ? "" : input.substr(nul + 1);

    std::vector<std::string> args;
    size_t start = 0;
    while (start <= arg_text.size()) {
        size_t end = arg_text.find('\n', start);
        if (end == std::string::npos) end = arg_text.size();
        args.push_back(arg_text.substr(start, end - start));
        start = end + 1;
    }
    for (const std::string& a : args) {
        // load=NAME:FILE reads a file; the fuzzer must not read the machine's files (or block on a device).
        if (a.find("load=") != std::string::npos) return 0;
    }

    std::istringstream in(stdin_text);
    std::ostringstream out, err;
    const int rc = RunTxTool(args, in, out, err);
    FUZZ_CHECK(rc == 0 || rc == 1);
    if (rc != 0) FUZZ_CHECK(!err.str().empty());
    return 0;
}
