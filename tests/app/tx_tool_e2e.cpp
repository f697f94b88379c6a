// End-to-end check of the built sovereign-tx binary: runs a few bitcoin-util-test.json cases as processes
// (stdin from the input file) and compares stdout and the exit status; likewise sovereign-util
// getchainparams. Usage: tx_tool_e2e <sovereign-tx> <util vector dir> <sovereign-util>.
#include <sys/wait.h>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {
std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Case {
    bool util;
    std::string args;
    std::string input;
    std::string expected_file;
    int code;
};
}  // namespace

int main(int argc, char* argv[]) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s <sovereign-tx> <util vector dir> <sovereign-util>\n", argv[0]);
        return 2;
    }
    const std::string tx_bin = argv[1];
    const std::string dir = argv[2];
    const std::string util_bin = argv[3];
    const std::vector<Case> cases = {
        {false, "-create nversion=1", "", "blanktxv1.hex", 0},
        {false, "-json -create nversion=1", "", "blanktxv1.json", 0},
        {false, "-json - delin=1", "tx394b54bb.hex", "tt-delin1-out.json", 0},
        {false, "- locktime=317000", "tx394b54bb.hex", "tt-locktime317000-out.hex", 0},
        {false, "-create outscript=0:OP_DROP:WS nversion=1", "", "txcreatescript4.hex", 0},
        {false, "-create nversion=+1", "", "", 1},
        {true, "-testnet4 getchainparams", "", "getchainparams-testnet4.json", 0},
        {true, "foo", "", "", 1},
    };
    size_t passed = 0;
    for (const Case& c : cases) {
        const std::string& bin = c.util ? util_bin : tx_bin;
        std::string cmd = "'" + bin + "' " + c.args + " < " +
                          (c.input.empty() ? "/dev/null" : "'" + dir + "/" + c.input + "'") + " 2>/dev/null";
        FILE* pipe = popen(cmd.c_str(), "r");
        if (!pipe) continue;
        std::string out;
        char buf[4096];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
        const int status = pclose(pipe);
        const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        const bool out_ok =
            c.expected_file.empty() ? out.empty() : out == ReadFile(dir + "/" + c.expected_file);
        if (out_ok && code == c.code) {
            ++passed;
        } else {
            std::fprintf(stderr, "FAIL: %s %s (exit %d)\n", bin.c_str(), c.args.c_str(), code);
        }
    }
    std::printf("sovereign-tx / sovereign-util end-to-end: %zu/%zu passed\n", passed, cases.size());
    return passed == cases.size() ? 0 : 1;
}
