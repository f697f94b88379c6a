// Context-free transaction checks (Core's CheckTransaction) and legacy sigop counting.
#pragma once

#include "consensus/validation.h"
#include "primitives/transaction.h"

/** Checks that need no chain context: non-empty vin/vout, size, output ranges (CVE-2010-5139), duplicate
 * inputs (CVE-2018-17144), coinbase scriptSig length, null prevouts. Sets Core's reject reason on failure. */
bool CheckTransaction(const Transaction& tx, TxValidationState& state);

/** Legacy (pre-P2SH, inaccurate) sigops of all scriptSigs and scriptPubKeys. */
unsigned int GetLegacySigOpCount(const Transaction& tx);
