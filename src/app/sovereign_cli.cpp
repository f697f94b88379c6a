// sovereign-cli entry point: Core's bitcoin-cli interface over RunCli.
#include "app/cli.h"

#include <iostream>

int main(int argc, char* argv[])
{
    std::vector<std::string> args(argv + 1, argv + argc);
    return RunCli(args, std::cin, std::cout, std::cerr);
}
