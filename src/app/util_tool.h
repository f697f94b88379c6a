// sovereign-util: Bitcoin Core's bitcoin-util (getchainparams, grind) as a callable function.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

/** Runs the tool on args (without the program name); output and errors as bitcoin-util prints them.
 *  Returns the exit code. Never throws. */
int RunUtilTool(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
