// Fuzz target: every P2P payload parser (version, inv/getdata/notfound, getheaders, headers, addr, addrv2,
// sendcmpct, ping/feefilter, tx, block, cmpctblock, getblocktxn, blocktxn, and BIP157's getcfilters/getcfheaders,
// getcfcheckpt, cfilter, cfheaders, cfcheckpt). None may crash; what parses re-serializes and parses to the same
// value.
#include "fuzz_check.h"
#include "net/cfilters.h"
#include "net/protocol.h"

#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size < 1) return 0;
    const uint8_t which = data[0];
    const std::span<const uint8_t> payload(data + 1, size - 1);
    switch (which % 18) {
    case 0: {
        auto v = ParseVersion(payload);
        if (v) {
            FUZZ_CHECK(v->user_agent.size() <= MAX_SUBVERSION_LENGTH);
            auto again = ParseVersion(SerializeVersion(*v));
            FUZZ_CHECK(again && again->nonce == v->nonce && again->user_agent == v->user_agent &&
                       again->services == v->services && again->relay == v->relay);
        }
        break;
    }
    case 1: {
        auto invs = ParseInvVector(payload);
        if (invs) FUZZ_CHECK(*ParseInvVector(SerializeInvVector(*invs)) == *invs);
        break;
    }
    case 2: {
        auto m = ParseGetHeaders(payload);
        if (m) {
            auto again = ParseGetHeaders(SerializeGetHeaders(*m));
            FUZZ_CHECK(again && again->locator == m->locator && again->hash_stop == m->hash_stop);
        }
        break;
    }
    case 3: {
        auto h = ParseHeaders(payload);
        if (h) {
            FUZZ_CHECK(h->size() <= MAX_HEADERS_RESULTS);
            auto again = ParseHeaders(SerializeHeaders(*h));
            FUZZ_CHECK(again && again->size() == h->size());
            for (size_t i = 0; i < h->size(); ++i) FUZZ_CHECK((*again)[i].GetHash() == (*h)[i].GetHash());
        }
        break;
    }
    case 4:
    case 5: {
        const bool v2 = which % 18 == 5;
        auto a = ParseAddrMessage(payload, v2);
        if (a) {
            auto again = ParseAddrMessage(SerializeAddrMessage(*a, v2), v2);
            FUZZ_CHECK(again);
            if (v2) FUZZ_CHECK(*again == *a);
        }
        break;
    }
    case 6: {
        auto c = ParseSendCmpct(payload);
        if (c) FUZZ_CHECK(ParseSendCmpct(SerializeSendCmpct(*c))->version == c->version);
        break;
    }
    case 7: {
        auto n = ParseU64(payload);
        if (n) FUZZ_CHECK(*ParseU64(SerializeU64(*n)) == *n);
        break;
    }
    case 8: {
        auto tx = ParseTxMessage(payload);
        if (tx) FUZZ_CHECK(ParseTxMessage(EncodeTransaction(**tx))->get()->GetWitnessHash() == (*tx)->GetWitnessHash());
        break;
    }
    case 9: {
        auto b = ParseBlockMessage(payload);
        if (b) FUZZ_CHECK((*ParseBlockMessage(EncodeBlock(**b)))->GetHash() == (*b)->GetHash());
        break;
    }
    case 10: {
        auto c = ParseCompactBlock(payload);
        if (c) {
            FUZZ_CHECK(c->BlockTxCount() <= 0xffff);
            auto again = ParseCompactBlock(SerializeCompactBlock(*c));
            FUZZ_CHECK(again && again->short_ids == c->short_ids && again->prefilled.size() == c->prefilled.size());
            for (size_t i = 0; i < c->prefilled.size(); ++i) FUZZ_CHECK(again->prefilled[i].index == c->prefilled[i].index);
        }
        break;
    }
    case 11: {
        auto r = ParseBlockTxnRequest(payload);
        if (r) FUZZ_CHECK(ParseBlockTxnRequest(SerializeBlockTxnRequest(*r))->indexes == r->indexes);
        break;
    }
    case 12: {
        auto b = ParseBlockTxn(payload);
        if (b) FUZZ_CHECK(ParseBlockTxn(SerializeBlockTxn(*b))->txs.size() == b->txs.size());
        break;
    }
    case 13: {  // getcfilters and getcfheaders share the layout
        auto r = ParseCFilterRangeRequest(payload);
        if (r) {
            auto again = ParseCFilterRangeRequest(SerializeCFilterRangeRequest(*r));
            FUZZ_CHECK(again && again->filter_type == r->filter_type && again->start_height == r->start_height &&
                       again->stop_hash == r->stop_hash);
        }
        break;
    }
    case 14: {
        auto r = ParseCFCheckptRequest(payload);
        if (r) {
            auto again = ParseCFCheckptRequest(SerializeCFCheckptRequest(*r));
            FUZZ_CHECK(again && again->filter_type == r->filter_type && again->stop_hash == r->stop_hash);
        }
        break;
    }
    case 15: {
        auto m = ParseCFilter(payload);
        if (m) {
            FUZZ_CHECK(m->filter.size() <= payload.size());
            auto again = ParseCFilter(SerializeCFilter(*m));
            FUZZ_CHECK(again && again->block_hash == m->block_hash && again->filter == m->filter);
        }
        break;
    }
    case 16: {
        auto m = ParseCFHeaders(payload);
        if (m) {
            FUZZ_CHECK(m->filter_hashes.size() * 32 <= payload.size());
            auto again = ParseCFHeaders(SerializeCFHeaders(*m));
            FUZZ_CHECK(again && again->previous_filter_header == m->previous_filter_header &&
                       again->filter_hashes == m->filter_hashes);
        }
        break;
    }
    case 17: {
        auto m = ParseCFCheckpt(payload);
        if (m) {
            FUZZ_CHECK(m->filter_headers.size() * 32 <= payload.size());
            auto again = ParseCFCheckpt(SerializeCFCheckpt(*m));
            FUZZ_CHECK(again && again->stop_hash == m->stop_hash && again->filter_headers == m->filter_headers);
        }
        break;
    }
    }
    return 0;
}
