// ArgsManager: command-line and config-file parsing with Core's precedence, sections, errors and help layout.
#include "util/args.h"

#include <gtest/gtest.h>

#include <fstream>

namespace {
void RegisterTestArgs(ArgsManager& a)
{
    a.SetupHelpOptions();
    a.SetupChainParamsBaseOptions();
    a.AddArg("-datadir=<dir>", "Specify data directory", ArgsManager::ALLOW_ANY | ArgsManager::DISALLOW_NEGATION,
             OptionsCategory::OPTIONS);
    a.AddArg("-conf=<file>", "Specify configuration file.", ArgsManager::ALLOW_ANY, OptionsCategory::OPTIONS);
    a.AddArg("-rpcport=<port>", "Listen for JSON-RPC connections on <port>",
             ArgsManager::ALLOW_ANY | ArgsManager::NETWORK_ONLY, OptionsCategory::RPC);
    a.AddArg("-rpcallowip=<ip>", "Allow JSON-RPC connections from specified source.", ArgsManager::ALLOW_ANY,
             OptionsCategory::RPC);
    a.AddArg("-rpcuser=<user>", "Username", ArgsManager::ALLOW_ANY, OptionsCategory::RPC);
    a.AddArg("-rpcpassword=<pw>", "Password", ArgsManager::ALLOW_ANY, OptionsCategory::RPC);
    a.AddArg("-txindex", "Maintain a full transaction index (default: 0)", ArgsManager::ALLOW_ANY,
             OptionsCategory::OPTIONS);
    a.AddArg("-rpcid=<id>", "id", ArgsManager::ALLOW_ANY | ArgsManager::DISALLOW_ELISION, OptionsCategory::OPTIONS);
}
}  // namespace

TEST(Args, CommandLineValuesNegationAndPositional)
{
    ArgsManager a;
    RegisterTestArgs(a);
    std::string err;
    ASSERT_TRUE(a.ParseParameters({"-rpcport=1", "--rpcport=2", "-txindex", "-norpcuser", "-rpcallowip=1.2.3.4",
                                   "-rpcallowip=10.0.0.0/8", "getblock", "-1", "x=y"},
                                  err))
        << err;
    EXPECT_EQ(a.GetArg("-rpcport", ""), "2");  // last command-line value wins
    EXPECT_TRUE(a.GetBoolArg("-txindex", false));
    EXPECT_TRUE(a.IsArgNegated("-rpcuser"));
    EXPECT_EQ(a.GetArg("-rpcuser", "x"), "0");
    EXPECT_EQ(a.GetArgs("-rpcallowip"), (std::vector<std::string>{"1.2.3.4", "10.0.0.0/8"}));
    EXPECT_EQ(a.Positional(), (std::vector<std::string>{"getblock", "-1", "x=y"}));
    EXPECT_FALSE(a.IsArgSet("-rpcpassword"));
}

TEST(Args, Errors)
{
    std::string err;
    ArgsManager a;
    RegisterTestArgs(a);
    EXPECT_FALSE(a.ParseParameters({"-foo"}, err));
    EXPECT_EQ(err, "Invalid parameter -foo");
    ArgsManager b;
    RegisterTestArgs(b);
    EXPECT_FALSE(b.ParseParameters({"-nodatadir"}, err));
    EXPECT_EQ(err, "Negating of -datadir is meaningless and therefore forbidden");
    ArgsManager c;
    RegisterTestArgs(c);
    EXPECT_FALSE(c.ParseParameters({"-rpcid"}, err));
    EXPECT_EQ(err, "Can not set -rpcid with no value. Please specify value with -rpcid=value.");
    ArgsManager d;
    RegisterTestArgs(d);
    EXPECT_FALSE(d.ParseParameters({"-regtest.rpcport=5"}, err));
    EXPECT_EQ(err, "Invalid parameter -regtest.rpcport=5");
    ArgsManager e;
    RegisterTestArgs(e);
    ASSERT_TRUE(e.ParseParameters({"-regtest", "-testnet4"}, err));
    EXPECT_THROW(e.GetChainName(), std::runtime_error);
    ArgsManager f;
    RegisterTestArgs(f);
    ASSERT_TRUE(f.ParseParameters({"-chain=bogus"}, err));
    try {
        f.GetChainName();
        ADD_FAILURE();
    } catch (const std::runtime_error& ex) {
        EXPECT_EQ(std::string(ex.what()), "Unknown chain bogus.");
    }
}

TEST(Args, ConfigSectionsAndNetworkOnly)
{
    ArgsManager a;
    RegisterTestArgs(a);
    std::string err;
    ASSERT_TRUE(a.ParseParameters({"-regtest"}, err));
    ASSERT_TRUE(a.ReadConfigString("# comment\n"
                                   "rpcuser = alice  # trailing\n"
                                   "rpcport=1111\n"
                                   "rpcallowip=1.1.1.1\n"
                                   "txindex=1\n"
                                   "[regtest]\n"
                                   "rpcallowip=2.2.2.2\n"
                                   "rpcuser=bob\n"
                                   "[test]\n"
                                   "rpcport=3333\n"
                                   "[bogus]\n",
                                   err))
        << err;
    a.SelectConfigNetwork(a.GetChainName());
    EXPECT_EQ(a.GetChainName(), "regtest");
    EXPECT_EQ(a.GetArg("-rpcuser", ""), "bob");  // chain section before default section
    EXPECT_FALSE(a.IsArgSet("-rpcport"));        // network-only: the default section does not apply on regtest
    EXPECT_EQ(a.GetUnsuitableSectionOnlyArgs(), (std::set<std::string>{"-rpcport"}));
    EXPECT_EQ(a.GetArgs("-rpcallowip"), (std::vector<std::string>{"2.2.2.2", "1.1.1.1"}));
    EXPECT_TRUE(a.GetBoolArg("-txindex", false));
    EXPECT_EQ(a.GetUnrecognizedSections(), (std::vector<std::string>{"bogus"}));

    ArgsManager m;
    RegisterTestArgs(m);
    ASSERT_TRUE(m.ParseParameters({}, err));
    ASSERT_TRUE(m.ReadConfigString("rpcport=1111\nrpcport=2222\n[test]\nrpcport=3333\n", err));
    m.SelectConfigNetwork("main");
    EXPECT_EQ(m.GetArg("-rpcport", ""), "1111");  // first config value wins, default section applies on main
    m.SelectConfigNetwork("test");
    EXPECT_EQ(m.GetArg("-rpcport", ""), "3333");
}

TEST(Args, ConfigErrors)
{
    std::string err;
    ArgsManager a;
    RegisterTestArgs(a);
    EXPECT_FALSE(a.ReadConfigString("-rpcuser=x\n", err));
    EXPECT_EQ(err, "parse error on line 1: -rpcuser=x, options in configuration file must be specified without leading -");
    ArgsManager b;
    RegisterTestArgs(b);
    EXPECT_FALSE(b.ReadConfigString("\nnotxindex\n", err));
    EXPECT_EQ(err, "parse error on line 2: notxindex, if you intended to specify a negated option, use notxindex=1 instead");
    ArgsManager c;
    RegisterTestArgs(c);
    EXPECT_FALSE(c.ReadConfigString("rpcpassword=ab#c\n", err));
    EXPECT_EQ(err, "parse error on line 1, using # in rpcpassword can be ambiguous and should be avoided");
    ArgsManager d;
    RegisterTestArgs(d);
    EXPECT_FALSE(d.ReadConfigString("unknownopt=1\n", err));
    EXPECT_EQ(err, "Invalid configuration value unknownopt");
    ArgsManager e;
    RegisterTestArgs(e);
    EXPECT_TRUE(e.ReadConfigString("unknownopt=1\n", err, /*ignore_invalid_keys=*/true));
    ArgsManager f;
    RegisterTestArgs(f);
    EXPECT_FALSE(f.ReadConfigString("conf=x\n", err));
}

TEST(Args, ConfigFileAndDataDirs)
{
    const auto dir = std::filesystem::temp_directory_path() / ("sov_args_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "sovereign.conf") << "regtest=1\n[regtest]\nrpcport=19999\n";
    ArgsManager a;
    RegisterTestArgs(a);
    std::string err;
    ASSERT_TRUE(a.ParseParameters({"-datadir=" + dir.string()}, err));
    ASSERT_TRUE(a.ReadConfigFiles(err)) << err;
    EXPECT_EQ(a.GetChainName(), "regtest");
    EXPECT_EQ(a.GetArg("-rpcport", ""), "19999");
    EXPECT_EQ(a.GetDataDirNet(), dir / "regtest");
    EXPECT_EQ(ChainDataSubdir("test"), "testnet3");
    EXPECT_EQ(ChainDataSubdir("main"), "");
    EXPECT_EQ(ChainRpcPort("testnet4"), 48332);

    ArgsManager b;
    RegisterTestArgs(b);
    ASSERT_TRUE(b.ParseParameters({"-datadir=" + dir.string(), "-conf=missing.conf"}, err));
    EXPECT_FALSE(b.ReadConfigFiles(err));
    EXPECT_EQ(err, "specified config file \"" + (dir / "missing.conf").string() + "\" could not be opened.");
    ArgsManager c;
    RegisterTestArgs(c);
    ASSERT_TRUE(c.ParseParameters({"-datadir=/nonexistent/sov"}, err));
    EXPECT_FALSE(c.ReadConfigFiles(err));
    EXPECT_EQ(err, "specified data directory \"/nonexistent/sov\" does not exist.");
    std::filesystem::remove_all(dir);
}

TEST(Args, HelpMessage)
{
    ArgsManager a;
    RegisterTestArgs(a);
    const std::string help = a.GetHelpMessage();
    EXPECT_EQ(help.find("Options:\n\n  -conf=<file>\n       Specify configuration file.\n\n"), 0u) << help;
    EXPECT_NE(help.find("RPC server options:\n\n  -rpcallowip=<ip>\n"), std::string::npos);
    EXPECT_NE(help.find("  -testnet4\n       Use the testnet4 chain. Equivalent to -chain=testnet4.\n"), std::string::npos);
    EXPECT_EQ(help.find("-regtest\n"), std::string::npos);  // debug-only
    // Long help wraps at 79 columns with a 7-space indent.
    for (size_t pos = 0, next; pos < help.size(); pos = next + 1) {
        next = help.find('\n', pos);
        if (next == std::string::npos) break;
        EXPECT_LE(next - pos, 79u) << help.substr(pos, next - pos);
    }
    // Core's FormatParagraph: the first line may use 72 columns, continuation lines 65.
    EXPECT_NE(help.find("Use the testnet3 chain. Equivalent to -chain=test. Support for testnet3\n       is deprecated "
                        "and will be removed in an upcoming release.\n       Consider moving"),
              std::string::npos)
        << help;
}

TEST(Args, IntegerAndBoolValues)
{
    EXPECT_TRUE(InterpretBool(""));
    EXPECT_TRUE(InterpretBool(" 2 "));
    EXPECT_FALSE(InterpretBool("0"));
    EXPECT_FALSE(InterpretBool("+-1"));
    EXPECT_FALSE(InterpretBool("abc"));
    ArgsManager a;
    RegisterTestArgs(a);
    std::string err;
    ASSERT_TRUE(a.ParseParameters({"-rpcport=99999999999999999999", "-rpcuser=+12x"}, err));
    EXPECT_EQ(a.GetIntArg("-rpcport", 0), std::numeric_limits<int64_t>::max());
    EXPECT_EQ(a.GetIntArg("-rpcuser", 0), 12);  // like atoi: the leading number counts
    EXPECT_EQ(a.GetIntArg("-missing", 7), 7);
}
