// The treasury ledger as JSON, one shape for the RPC commands and the dashboard: entries (BTC and fiat amounts as
// decimal strings, so no value passes through floating point), P&L reports, the acquisition policy and
// reconciliation differences.
#pragma once

#include "ledger/ledger.h"

#include <optional>
#include <string>

class JsonValue;

JsonValue LedgerEntryToJson(const LedgerEntry& entry);
/** An entry from {"kind", "date" (YYYY-MM-DD), "amount_btc", "fiat", "currency"?, "venue"?, "source"?, "txid"?,
 *  "memo"?}; amounts as numbers or decimal strings. nullopt and *error naming the bad field. */
std::optional<LedgerEntry> LedgerEntryFromJson(const JsonValue& json, const std::string& default_currency,
                                               std::string* error);
JsonValue PnlReportToJson(const PnlReport& report);
JsonValue LedgerPolicyToJson(const LedgerPolicy& policy);
/** A policy from the keys of LedgerPolicyToJson (BTC amounts as in entries); absent keys keep base's value. */
std::optional<LedgerPolicy> LedgerPolicyFromJson(const JsonValue& json, LedgerPolicy base, std::string* error);
JsonValue DiscrepancyToJson(const Discrepancy& discrepancy);
