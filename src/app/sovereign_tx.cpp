// sovereign-tx entry point: forwards the command line and standard streams to RunTxTool.
#include "app/tx_tool.h"

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char* argv[]) {
    std::ios::sync_with_stdio(false);
    const std::vector<std::string> args(argv + 1, argv + argc);
    const int ret = RunTxTool(args, std::cin, std::cout, std::cerr);
    std::cout.flush();
    return ret;
}
