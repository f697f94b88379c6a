// The descriptor wallet against a real regtest chainstate and mempool: receiving, balances (immature, trusted,
// pending), sending with change, a reorg returning a payment to unconfirmed, reopening and catching up, and a
// 2-of-3 multisig reserve: a watch-only wallet funds a PSBT, two signer wallets sign it separately, and it is
// broadcast and confirmed.
#include "address/destination.h"
#include "descriptor/bip32.h"
#include "psbt/psbt_roles.h"
#include "rpc/protocol.h"
#include "testutil/regtest_chain.h"
#include "wallet/wallet.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>
#include <unistd.h>

namespace {
class WalletTest : public RegtestChainTest
{
protected:
    std::unique_ptr<WalletManager> wallets;

    WalletTest() { with_mempool = true; }
    void SetUp() override
    {
        RegtestChainTest::SetUp();
        wallets = std::make_unique<WalletManager>(node, dir / "wallets");
    }
    void TearDown() override
    {
        wallets.reset();
        RegtestChainTest::TearDown();
    }
    void Mine(int n, const Script& script)
    {
        for (int i = 0; i < n; ++i) MineBlock(script);
    }
    std::shared_ptr<Wallet> Create(const std::string& name, Wallet::CreateOptions o = {})
    {
        std::string error;
        int code;
        auto w = wallets->Create(name, o, &error, &code);
        EXPECT_TRUE(w) << error;
        return w;
    }
    Script NewScript(Wallet& w, bool change = false)
    {
        std::string error;
        auto s = w.GetNewScript(OutputType::BECH32, change, "", &error);
        EXPECT_TRUE(s) << error;
        return s.value_or(Script());
    }
};
}  // namespace

TEST_F(WalletTest, ReceiveSendReorgAndReopen)
{
    auto alice = Create("alice");
    auto bob = Create("bob");
    const Script alice_script = NewScript(*alice);
    Mine(1, alice_script);
    EXPECT_EQ(alice->GetBalances().immature, 50 * COIN);
    EXPECT_EQ(alice->GetBalances().trusted, 0);
    Mine(100, Script() << OP_TRUE);
    EXPECT_EQ(alice->GetBalances().trusted, 50 * COIN);
    EXPECT_EQ(alice->GetBalances().immature, 0);

    // Alice pays Bob 10 BTC at 2 sat/vB: change comes back to her, trusted while unconfirmed.
    const Script bob_script = NewScript(*bob);
    std::string error;
    int code;
    auto txid = alice->Send({{bob_script, 10 * COIN, false}}, FeeRate(2000), &error, &code);
    ASSERT_TRUE(txid) << error;
    EXPECT_EQ(bob->GetBalances().untrusted_pending, 10 * COIN);
    const auto [net, fee] = alice->TxAmounts(*alice->GetTx(*txid)->tx);
    ASSERT_TRUE(fee);
    EXPECT_GT(*fee, 0);
    EXPECT_LT(*fee, 1000);  // ~141 vB at 2 sat/vB
    EXPECT_EQ(net, -10 * COIN - *fee);
    EXPECT_EQ(alice->GetBalances().trusted, 40 * COIN - *fee);
    Mine(1, Script() << OP_TRUE);
    EXPECT_EQ(bob->GetBalances().trusted, 10 * COIN);
    EXPECT_EQ(alice->GetTx(*txid)->height, node.chainman->Chain().Height());

    // A reorg removes the block: the payment is unconfirmed again (and back in the mempool).
    {
        std::lock_guard lock(node.chainman->Mutex());
        BlockValidationState state;
        ASSERT_TRUE(node.chainman->InvalidateBlock(state, node.chainman->Tip()));
    }
    EXPECT_EQ(alice->GetTx(*txid)->height, -1);
    EXPECT_EQ(bob->GetBalances().untrusted_pending, 10 * COIN);
    Mine(2, Script() << OP_TRUE);
    EXPECT_EQ(bob->GetBalances().trusted, 10 * COIN);

    // Bob closes his wallet, is paid again while closed, and sees it when he reopens.
    const Script bob_script2 = NewScript(*bob);
    ASSERT_TRUE(wallets->Unload("bob", &error, &code));
    bob.reset();
    ASSERT_TRUE(alice->Send({{bob_script2, 5 * COIN, false}}, FeeRate(2000), &error, &code)) << error;
    Mine(3, Script() << OP_TRUE);
    bob = wallets->Load("bob", &error, &code);
    ASSERT_TRUE(bob) << error;
    EXPECT_EQ(bob->GetBalances().trusted, 15 * COIN);
    EXPECT_EQ(bob->ListCoins().size(), 2u);

    // Spending more than the balance: Core's message.
    EXPECT_FALSE(bob->Send({{alice_script, 16 * COIN, false}}, FeeRate(1000), &error, &code));
    EXPECT_EQ(error, "Insufficient funds");
    // Subtracting the fee from the amount sends everything.
    ASSERT_TRUE(bob->Send({{alice_script, 15 * COIN, true}}, FeeRate(1000), &error, &code)) << error;
    Mine(1, Script() << OP_TRUE);
    EXPECT_EQ(bob->GetBalances().trusted, 0);
}

TEST_F(WalletTest, TwoOfThreeReserveSignedByTwoOfficials)
{
    // Three officials' keys (BIP32), a watch-only reserve wallet with the public descriptor, and two signer
    // wallets holding one private key each.
    std::vector<ExtKey> keys(3);
    std::vector<std::string> xprv, xpub;
    for (int i = 0; i < 3; ++i) {
        std::vector<uint8_t> seed(32, uint8_t(0x40 + i));
        ASSERT_TRUE(keys[i].SetSeed(seed));
        xprv.push_back(EncodeExtKey(keys[i], Chain::REGTEST));
        xpub.push_back(EncodeExtPubKey(keys[i].Neuter(), Chain::REGTEST));
    }
    auto desc = [&](int signer) {
        std::string d = "wsh(sortedmulti(2";
        for (int i = 0; i < 3; ++i) d += "," + (i == signer ? xprv[i] : xpub[i]) + "/0/*";
        return d + "))";
    };
    std::string error;
    Wallet::CreateOptions watch;
    watch.disable_private_keys = true;
    watch.blank = true;
    auto reserve = Create("reserve", watch);
    ASSERT_TRUE(reserve->ImportDescriptor(desc(-1), true, false, std::nullopt, clock, "", &error)) << error;
    // Change returns to the same policy (internal branch).
    std::string change_desc = desc(-1);
    for (size_t p = change_desc.find("/0/*"); p != std::string::npos; p = change_desc.find("/0/*", p)) change_desc.replace(p, 4, "/1/*");
    ASSERT_TRUE(reserve->ImportDescriptor(change_desc, true, true, std::nullopt, clock, "", &error)) << error;
    EXPECT_FALSE(reserve->ImportDescriptor(desc(0), false, false, std::nullopt, clock, "", &error));  // private keys refused

    Wallet::CreateOptions blank;
    blank.blank = true;
    auto minister = Create("minister", blank);
    auto auditor = Create("auditor", blank);
    ASSERT_TRUE(minister->ImportDescriptor(desc(0), false, false, std::nullopt, clock, "", &error)) << error;
    ASSERT_TRUE(auditor->ImportDescriptor(desc(2), false, false, std::nullopt, clock, "", &error)) << error;

    std::string addr_error;
    auto reserve_script = reserve->GetNewScript(OutputType::BECH32, false, "reserve", &addr_error);
    ASSERT_TRUE(reserve_script) << addr_error;
    EXPECT_TRUE(minister->IsMine(*reserve_script));  // the same descriptor yields the same addresses
    Mine(1, *reserve_script);
    Mine(100, Script() << OP_TRUE);
    EXPECT_EQ(reserve->GetBalances().trusted, 50 * COIN);

    // The watch-only wallet funds a spend; each official signs a copy; the copies are combined and finalized.
    const Script payee = Script() << OP_0 << std::vector<uint8_t>(20, 0x77);
    Amount fee = 0;
    int change_pos = -1;
    auto psbt = reserve->CreateFundedPsbt({{payee, 7 * COIN, false}}, FeeRate(2000), &error, &fee, &change_pos);
    ASSERT_TRUE(psbt) << error;
    EXPECT_GE(change_pos, 0);
    EXPECT_FALSE(reserve->FillPsbt(*psbt, true, true));  // no keys: not complete
    Psbt by_minister = *psbt, by_auditor = *psbt;
    EXPECT_FALSE(minister->FillPsbt(by_minister, true, false));  // one signature of two
    EXPECT_FALSE(auditor->FillPsbt(by_auditor, true, false));
    auto combined = CombinePsbts({by_minister, by_auditor});
    ASSERT_TRUE(combined);
    MutableTransaction tx;
    ASSERT_TRUE(FinalizeAndExtractPsbt(*combined, tx));
    const MempoolAcceptResult accepted = node.ProcessTransaction(MakeTransactionRef(std::move(tx)), false);
    ASSERT_TRUE(accepted.IsValid()) << accepted.state.ToString();
    Mine(1, Script() << OP_TRUE);
    EXPECT_EQ(reserve->GetBalances().trusted, 43 * COIN - fee);
}

TEST_F(WalletTest, EncryptedWalletSignsOnlyWhileUnlocked)
{
    auto w = Create("vault");
    const Script script = NewScript(*w);
    Mine(1, script);
    Mine(100, Script() << OP_TRUE);
    std::string error;
    int code;
    ASSERT_TRUE(w->EncryptWallet("correct horse battery staple", &error)) << error;
    EXPECT_TRUE(w->IsEncrypted());
    EXPECT_TRUE(w->IsLocked());
    EXPECT_FALSE(w->EncryptWallet("again", &error));

    // No private key material is left readable in the file.
    {
        std::ifstream in(w->File(), std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), {});
        EXPECT_EQ(bytes.find("tprv"), std::string::npos);
    }
    const Script payee = Script() << OP_0 << std::vector<uint8_t>(20, 0x33);
    EXPECT_FALSE(w->Send({{payee, COIN, false}}, FeeRate(1000), &error, &code));
    EXPECT_EQ(code, RPC_WALLET_UNLOCK_NEEDED);
    EXPECT_FALSE(w->Unlock("wrong", 60, &error));
    EXPECT_NE(error.find("incorrect"), std::string::npos);
    ASSERT_TRUE(w->Unlock("correct horse battery staple", 60, &error)) << error;
    EXPECT_FALSE(w->IsLocked());
    ASSERT_TRUE(w->Send({{payee, COIN, false}}, FeeRate(1000), &error, &code)) << error;
    w->Lock();
    EXPECT_TRUE(w->IsLocked());

    // A short unlock ends by itself.
    ASSERT_TRUE(w->Unlock("correct horse battery staple", 1, &error));
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_TRUE(w->IsLocked());

    // A new passphrase replaces the old one, and survives reopening.
    ASSERT_TRUE(w->ChangePassphrase("correct horse battery staple", "new words", &error)) << error;
    ASSERT_TRUE(wallets->Unload("vault", &error, &code));
    w.reset();
    w = wallets->Load("vault", &error, &code);
    ASSERT_TRUE(w) << error;
    EXPECT_TRUE(w->IsLocked());
    EXPECT_FALSE(w->Unlock("correct horse battery staple", 60, &error));
    ASSERT_TRUE(w->Unlock("new words", 60, &error)) << error;
    Mine(1, Script() << OP_TRUE);
    ASSERT_TRUE(w->Send({{payee, COIN, false}}, FeeRate(1000), &error, &code)) << error;
}

TEST_F(WalletTest, ChangeTypeFollowsThePaymentAsCore)
{
    // Core's TransactionChangeType: change of the recipient's type when the wallet has it, else bech32m, else bech32.
    auto payer = Create("payer");
    Mine(1, NewScript(*payer));
    Mine(100, Script() << OP_TRUE);
    auto change_of = [&](Wallet& w, const Script& to) {
        std::string error;
        int change_pos = -1;
        auto psbt = w.CreateFundedPsbt({{to, 1 * COIN, false}}, FeeRate(2000), &error, nullptr, &change_pos);
        EXPECT_TRUE(psbt) << error;
        EXPECT_GE(change_pos, 0);
        if (!psbt || change_pos < 0) return Script();
        return psbt->GetUnsignedTx()->vout[static_cast<size_t>(change_pos)].script_pubkey;
    };
    const Script p2tr = Script() << OP_1 << std::vector<uint8_t>(32, 0x11);
    const Script p2wpkh = Script() << OP_0 << std::vector<uint8_t>(20, 0x22);
    const Script p2wsh = Script() << OP_0 << std::vector<uint8_t>(32, 0x33);
    const Script p2pkh = Script() << OP_DUP << OP_HASH160 << std::vector<uint8_t>(20, 0x44) << OP_EQUALVERIFY << OP_CHECKSIG;
    const Script p2sh = Script() << OP_HASH160 << std::vector<uint8_t>(20, 0x55) << OP_EQUAL;
    auto kind = [](const Script& s) {
        Destination d;
        ExtractDestination(s, d);
        return d.index();
    };
    EXPECT_EQ(kind(change_of(*payer, p2tr)), kind(p2tr));
    EXPECT_EQ(kind(change_of(*payer, p2wpkh)), kind(p2wpkh));
    EXPECT_EQ(kind(change_of(*payer, p2pkh)), kind(p2pkh));
    EXPECT_EQ(kind(change_of(*payer, p2sh)), kind(p2sh));  // P2SH-P2WPKH change
    EXPECT_EQ(kind(change_of(*payer, p2wsh)), kind(p2tr));  // no wsh change kind: bech32m first

    // A taproot-only watch-only wallet pays a P2WPKH with taproot change (it used to fail: no bech32 change).
    ExtKey key;
    ASSERT_TRUE(key.SetSeed(std::vector<uint8_t>(32, 0x5a)));
    const std::string tpub = EncodeExtPubKey(key.Neuter(), Chain::REGTEST);
    Wallet::CreateOptions watch;
    watch.disable_private_keys = true;
    watch.blank = true;
    auto tr = Create("tr", watch);
    std::string error;
    ASSERT_TRUE(tr->ImportDescriptor("tr(" + tpub + "/0/*)", true, false, std::nullopt, clock, "", &error)) << error;
    ASSERT_TRUE(tr->ImportDescriptor("tr(" + tpub + "/1/*)", true, true, std::nullopt, clock, "", &error)) << error;
    auto tr_script = tr->GetNewScript(OutputType::BECH32M, false, "", &error);
    ASSERT_TRUE(tr_script) << error;
    Mine(1, *tr_script);
    Mine(100, Script() << OP_TRUE);
    EXPECT_TRUE(change_of(*tr, p2wpkh).IsPayToTaproot());
}

TEST_F(WalletTest, FundsSignsAndSendsAVersion2Psbt)
{
    // walletcreatefundedpsbt makes BIP370 (version 2) PSBTs by default, as Core does; they sign and extract alike.
    auto payer = Create("payer2");
    Mine(1, NewScript(*payer));
    Mine(100, Script() << OP_TRUE);
    std::string error;
    auto psbt = payer->CreateFundedPsbt({{Script() << OP_0 << std::vector<uint8_t>(20, 0x66), 2 * COIN, false}},
                                        FeeRate(2000), &error, nullptr, nullptr, 2, 2);
    ASSERT_TRUE(psbt) << error;
    EXPECT_EQ(psbt->GetVersion(), 2u);
    EXPECT_EQ(psbt->GetUnsignedTx()->version, 2u);
    auto decoded = DecodeBase64Psbt(EncodeBase64Psbt(*psbt));
    ASSERT_TRUE(decoded.psbt) << decoded.error;
    EXPECT_TRUE(payer->FillPsbt(*decoded.psbt, true, true));
    MutableTransaction tx;
    ASSERT_TRUE(FinalizeAndExtractPsbt(*decoded.psbt, tx));
    const MempoolAcceptResult accepted = node.ProcessTransaction(MakeTransactionRef(std::move(tx)), false);
    EXPECT_TRUE(accepted.IsValid()) << accepted.state.ToString();
}
