// A UTXO: an output with the height and coinbase flag of the transaction that created it.
#pragma once

#include "primitives/transaction.h"

/** A UTXO: the output, the height of the block that created it, and whether it was a coinbase. */
struct Coin {
    TxOut out;
    uint32_t height{0};
    bool coinbase{false};

    Coin() = default;
    Coin(TxOut o, uint32_t h, bool cb) : out(std::move(o)), height(h), coinbase(cb) {}
    bool IsSpent() const { return out.IsNull(); }
    void Clear()
    {
        out = TxOut();
        height = 0;
        coinbase = false;
    }
    friend bool operator==(const Coin&, const Coin&) = default;
};

