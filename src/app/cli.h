// sovereign-cli: Bitcoin Core's bitcoin-cli (options, argument conversion, output and exit codes) as a callable
// function, so tests can run it without a process.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

/** Runs the client on args (without the program name); -stdin/-stdinrpcpass read from in. Prints results to out
 *  and errors to err as bitcoin-cli does; returns the exit code (0, 1, or the RPC error code's absolute value). */
int RunCli(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err);
