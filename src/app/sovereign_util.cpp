// sovereign-util entry point: forwards the command line and standard streams to RunUtilTool.
#include "app/util_tool.h"

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char* argv[]) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    const int ret = RunUtilTool(args, std::cout, std::cerr);
    std::cout.flush();
    return ret;
}
