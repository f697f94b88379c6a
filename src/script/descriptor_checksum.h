// Output script descriptor checksums (BIP380): the 8-character code after '#'.
#pragma once

#include <string>
#include <string_view>

/** The 8-character checksum of a descriptor string without its '#...' suffix; "" when the text holds a
 *  character outside the descriptor character set. */
std::string DescriptorChecksum(std::string_view desc);

/** desc + "#" + DescriptorChecksum(desc). */
std::string AddDescriptorChecksum(const std::string& desc);
