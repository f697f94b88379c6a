// sovereign-tx: Bitcoin Core's bitcoin-tx (create, modify, sign and print raw transactions) as a callable
// function, so tests and fuzz targets can run it without a process.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

/** Runs the tool on args (without the program name), reading "-" input from in. Writes the result to out and
 *  errors to err exactly as bitcoin-tx does; returns the process exit code (0 or 1). Never throws. */
int RunTxTool(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err);
