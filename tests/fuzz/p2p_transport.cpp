// Fuzz target: the v1 transport. Arbitrary bytes, fed in arbitrary chunk sizes, never crash or over-allocate;
// every message it yields re-frames to bytes that parse back to the same message.
#include "fuzz_check.h"
#include "net/protocol.h"

#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size < 1) return 0;
    const std::array<uint8_t, 4> magic = {0xfa, 0xbf, 0xb5, 0xda};
    const size_t chunk = 1 + data[0] % 64;
    std::span<const uint8_t> rest(data + 1, size - 1);
    V1Transport t(magic);
    std::vector<NetMessage> out;
    bool ok = true;
    while (!rest.empty() && ok) {
        const size_t n = std::min(chunk, rest.size());
        ok = t.ReceivedBytes(rest.first(n), out);
        rest = rest.subspan(n);
        FUZZ_CHECK(t.BufferedBytes() <= MESSAGE_HEADER_SIZE + MAX_PROTOCOL_MESSAGE_LENGTH);
    }
    if (!ok) FUZZ_CHECK(!t.Error().empty());
    for (const NetMessage& m : out) {
        FUZZ_CHECK(m.payload.size() <= MAX_PROTOCOL_MESSAGE_LENGTH);
        FUZZ_CHECK(m.command.size() <= COMMAND_SIZE);
        V1Transport again(magic);
        const auto wire = again.SerializeMessage(m.command, m.payload);
        std::vector<NetMessage> back;
        FUZZ_CHECK(again.ReceivedBytes(wire, back));
        FUZZ_CHECK(back.size() == 1 && back[0].command == m.command && back[0].payload == m.payload);
    }
    return 0;
}
