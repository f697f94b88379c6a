// Message signing RPCs: Core's signmessage (wallet), verifymessage and signmessagewithprivkey (util), extended
// with BIP322 for addresses other than P2PKH (see docs/wallet.md, "Signed messages").
#include "wallet/rpc.h"

#include "address/destination.h"
#include "message/message.h"
#include "rpc/protocol.h"
#include "rpc/util.h"
#include "wallet/wallet.h"

std::shared_ptr<Wallet> WalletForRequest(WalletManager& wallets, const JsonRpcRequest& req);

namespace {
using Arg = RpcArg;
using Res = RpcResult;

/** Simple for native segwit (the witness is the whole signature); full where a scriptSig is needed (P2SH-wrapped
 *  segwit, P2SH, P2PKH on request). */
Bip322Format DefaultBip322Format(const Script& spk)
{
    int version = 0;
    std::vector<uint8_t> program;
    return spk.IsWitnessProgram(version, program) ? Bip322Format::SIMPLE : Bip322Format::FULL;
}

std::optional<Bip322Format> ParseFormat(const std::string& s)
{
    if (s == "simple") return Bip322Format::SIMPLE;
    if (s == "full") return Bip322Format::FULL;
    return std::nullopt;
}

RpcMethod SignMessage(WalletManager& wallets, NodeContext& node)
{
    return RpcMethod{
        "signmessage",
        "Sign a message with the private key of an address\n"
        "Requires wallet passphrase to be set with walletpassphrase call if wallet is encrypted.\n"
        "P2PKH addresses give Core's legacy signature; other addresses (and P2PKH with format set) give a BIP322\n"
        "signature: \"simple\" for native segwit, \"full\" otherwise.\n",
        {Arg{"address", Arg::Type::STR, Arg::Optional::NO, "The bitcoin address to use for the private key."},
         Arg{"message", Arg::Type::STR, Arg::Optional::NO, "The message to create a signature of."},
         Arg{"format", Arg::Type::STR, Arg::DefaultHint{"legacy for P2PKH, else BIP322 simple or full"},
             "BIP322 format: \"simple\" or \"full\" (Sovereign extension)."}},
        {Res{Res::Type::STR, "signature", "The signature of the message encoded in base 64"}},
        HelpExampleCli("signmessage", "\"1D1ZrZNe3JUo7ZycKEYQQiQAWd9y54F4XX\" \"my message\""),
        [&wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletForRequest(wallets, req);
            if (w->IsLocked()) {
                throw RpcError(RPC_WALLET_UNLOCK_NEEDED, "Error: Please enter the wallet passphrase with walletpassphrase first.");
            }
            const std::string address = JsonGetStr(req.params[0]);
            const std::string message = JsonGetStr(req.params[1]);
            std::optional<Bip322Format> format;
            if (req.params.size() > 2 && !req.params[2].IsNull()) {
                format = ParseFormat(JsonGetStr(req.params[2]));
                if (!format) throw RpcError(RPC_INVALID_PARAMETER, "Unknown format '" + JsonGetStr(req.params[2]) + "'");
            }
            const Destination dest = DecodeDestination(address, node.params->chain);
            if (!IsValidDestination(dest)) throw RpcError(RPC_TYPE_ERROR, "Invalid address");
            const Script spk = GetScriptForDestination(dest);
            auto provider = w->GetSigningProvider(spk, true);
            if (!provider) throw RpcError(RPC_WALLET_ERROR, "Private key not available");

            if (const PKHash* pkh = std::get_if<PKHash>(&dest); pkh && !format) {
                auto key = provider->keys.find(pkh->hash);
                if (key == provider->keys.end()) throw RpcError(RPC_WALLET_ERROR, "Private key not available");
                std::string signature;
                if (!MessageSign(key->second, message, signature)) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Sign failed");
                return signature;
            }
            Bip322SignOptions options;
            options.format = format.value_or(DefaultBip322Format(spk));
            std::string error;
            auto psbt = Bip322CreatePsbt(spk, message, options, &error);
            if (!psbt) throw RpcError(RPC_INVALID_PARAMETER, error);
            w->FillPsbt(*psbt, true, true, false);
            auto signature = Bip322EncodeSigned(*psbt, options.format, &error);
            if (!signature) {
                if (provider->keys.empty()) throw RpcError(RPC_WALLET_ERROR, "Private key not available");
                throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Sign failed: " + error);
            }
            return *signature;
        }};
}

RpcMethod VerifyMessage(Chain chain)
{
    return RpcMethod{
        "verifymessage",
        "Verify a signed message.\n"
        "P2PKH addresses take Core's legacy signature or a BIP322 one; other addresses take BIP322 signatures\n"
        "(\"smp\", \"ful\" or \"pof\" prefixed, or unprefixed simple/full). An inconclusive BIP322 result is false.\n",
        {Arg{"address", Arg::Type::STR, Arg::Optional::NO, "The bitcoin address to use for the signature."},
         Arg{"signature", Arg::Type::STR, Arg::Optional::NO, "The signature provided by the signer in base 64 encoding (see signmessage)."},
         Arg{"message", Arg::Type::STR, Arg::Optional::NO, "The message that was signed."}},
        {Res{Res::Type::BOOL, "", "If the signature is verified or not."}},
        HelpExampleCli("verifymessage", "\"1D1ZrZNe3JUo7ZycKEYQQiQAWd9y54F4XX\" \"signature\" \"my message\""),
        [chain](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            const std::string address = JsonGetStr(req.params[0]);
            const std::string signature = JsonGetStr(req.params[1]);
            const std::string message = JsonGetStr(req.params[2]);
            const Destination dest = DecodeDestination(address, chain);
            if (!IsValidDestination(dest)) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Invalid address");
            const bool legacy = std::holds_alternative<PKHash>(dest) && [&] {
                auto raw = Base64Decode(signature);
                return !raw || raw->size() == PubKey::COMPACT_SIGNATURE_SIZE;
            }();
            if (legacy) {
                switch (MessageVerify(address, signature, message, chain)) {
                case MessageVerificationResult::ERR_INVALID_ADDRESS:
                    throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Invalid address");
                case MessageVerificationResult::ERR_ADDRESS_NO_KEY:
                    throw RpcError(RPC_TYPE_ERROR, "Address does not refer to key");
                case MessageVerificationResult::ERR_MALFORMED_SIGNATURE:
                    // A BIP322 signature with a prefix is not base64 as a whole.
                    if (Bip322Verify(GetScriptForDestination(dest), message, signature).IsValid()) return true;
                    throw RpcError(RPC_TYPE_ERROR, "Malformed base64 encoding");
                case MessageVerificationResult::ERR_PUBKEY_NOT_RECOVERED:
                case MessageVerificationResult::ERR_NOT_SIGNED:
                    return false;
                case MessageVerificationResult::OK:
                    return true;
                }
                return false;
            }
            return Bip322Verify(GetScriptForDestination(dest), message, signature).IsValid();
        }};
}

RpcMethod SignMessageWithPrivKey(Chain chain)
{
    return RpcMethod{
        "signmessagewithprivkey",
        "Sign a message with the private key of an address\n",
        {Arg{"privkey", Arg::Type::STR, Arg::Optional::NO, "The private key to sign the message with."},
         Arg{"message", Arg::Type::STR, Arg::Optional::NO, "The message to create a signature of."}},
        {Res{Res::Type::STR, "signature", "The signature of the message encoded in base 64"}},
        HelpExampleCli("signmessagewithprivkey", "\"privkey\" \"my message\""),
        [chain](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            const Key key = DecodeSecret(JsonGetStr(req.params[0]), chain);
            if (!key.IsValid()) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Invalid private key");
            std::string signature;
            if (!MessageSign(key, JsonGetStr(req.params[1]), signature)) {
                throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Sign failed");
            }
            return signature;
        }};
}

}  // namespace

void RegisterMessageRpcCommands(RpcTable& table, Chain chain)
{
    table.Register("util", VerifyMessage(chain));
    table.Register("util", SignMessageWithPrivKey(chain));
}

void RegisterWalletSignRpcCommands(RpcTable& table, NodeContext& node, WalletManager& wallets)
{
    table.Register("wallet", SignMessage(wallets, node));
}
