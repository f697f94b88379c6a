// Block and undo flat files: framing, obfuscation, rollover, checksums and scanning for -reindex.
#include "node/blockfiles.h"
#include "testutil/vectors.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

namespace fs = std::filesystem;

namespace {
const std::array<uint8_t, 4> MAGIC{0xfa, 0xbf, 0xb5, 0xda};

fs::path TempDir(const std::string& name)
{
    fs::path dir = fs::temp_directory_path() / ("sov_blockfiles_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    return dir;
}

Block LoadBlock()
{
    auto raw = ReadVectorBytes("bitcoin-core/block413567.raw");
    auto block = DecodeBlock(raw);
    EXPECT_TRUE(block);
    return *block;
}

std::vector<uint8_t> ReadFile(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
}  // namespace

TEST(BlockFiles, WritesCoreFramedObfuscatedRecordsAndReadsThemBack)
{
    fs::path dir = TempDir("rw");
    std::string error;
    auto files = BlockFiles::Open({dir, MAGIC, true}, {}, &error);
    ASSERT_TRUE(files) << error;
    EXPECT_EQ(fs::file_size(dir / "xor.dat"), 8u);
    EXPECT_NE(files->XorKey(), (std::array<uint8_t, 8>{}));

    Block block = LoadBlock();
    auto pos = files->WriteBlock(block, 413567, &error);
    ASSERT_TRUE(pos) << error;
    EXPECT_EQ(pos->file, 0);
    EXPECT_EQ(pos->pos, STORAGE_HEADER_BYTES);
    ASSERT_TRUE(files->Flush(&error)) << error;

    // On disk: magic and length XOR the key at offsets 0..7.
    auto disk = ReadFile(dir / "blk00000.dat");
    const auto key = files->XorKey();
    for (int i = 0; i < 4; ++i) EXPECT_EQ(disk[i] ^ key[i], MAGIC[i]);
    auto back = files->ReadBlock(*pos);
    ASSERT_TRUE(back) << back.error;
    EXPECT_EQ(back->GetHash(), block.GetHash());

    // Undo data is checked against the parent hash.
    BlockUndo undo;
    undo.vtxundo.resize(1);
    undo.vtxundo[0].prevout.emplace_back(TxOut(5000, Script(std::vector<uint8_t>{0x51})), 7, false);
    auto upos = files->WriteUndo(undo, block.header.prev_block, pos->file, &error);
    ASSERT_TRUE(upos) << error;
    auto uback = files->ReadUndo(*upos, block.header.prev_block);
    ASSERT_TRUE(uback) << uback.error;
    EXPECT_EQ(uback->vtxundo[0].prevout[0], undo.vtxundo[0].prevout[0]);
    EXPECT_FALSE(files->ReadUndo(*upos, block.GetHash()));
    fs::remove_all(dir);
}

TEST(BlockFiles, ReopenKeepsKeyAndAppendsAfterRecordedSize)
{
    fs::path dir = TempDir("reopen");
    std::string error;
    Block block = LoadBlock();
    std::vector<BlockFileInfo> info;
    std::array<uint8_t, 8> key;
    {
        auto files = BlockFiles::Open({dir, MAGIC, true}, {}, &error);
        ASSERT_TRUE(files);
        ASSERT_TRUE(files->WriteBlock(block, 1, &error));
        info = files->FileInfo();
        key = files->XorKey();
    }
    auto files = BlockFiles::Open({dir, MAGIC, true}, info, &error);
    ASSERT_TRUE(files) << error;
    EXPECT_EQ(files->XorKey(), key);
    auto pos = files->WriteBlock(block, 2, &error);
    ASSERT_TRUE(pos);
    EXPECT_EQ(pos->pos, info[0].size + STORAGE_HEADER_BYTES);
    EXPECT_TRUE(files->ReadBlock(*pos));
    // A stored random key cannot be switched off.
    files.reset();
    EXPECT_FALSE(BlockFiles::Open({dir, MAGIC, false}, info, &error));
    fs::remove_all(dir);
}

TEST(BlockFiles, RollsOverAndScanSkipsGarbage)
{
    fs::path dir = TempDir("scan");
    std::string error;
    Block block = LoadBlock();
    auto files = BlockFiles::Open({dir, MAGIC, false, 2'500'000}, {}, &error);
    ASSERT_TRUE(files);
    for (uint32_t h = 0; h < 5; ++h) ASSERT_TRUE(files->WriteBlock(block, h, &error));
    EXPECT_EQ(files->CurrentFile(), 2);  // two ~1 MB blocks per 2.5 MB file
    EXPECT_EQ(files->FileInfo()[0].blocks, 2u);
    EXPECT_EQ(files->FileInfo()[2].height_last, 4u);

    // A torn write at the end of file 0, then another block after it.
    {
        std::ofstream out(files->BlockPath(0), std::ios::binary | std::ios::app);
        std::vector<char> junk{char(0xfa), char(0xbf), 1, 2, 3};
        out.write(junk.data(), junk.size());
    }
    int found = 0;
    ASSERT_TRUE(files->ScanFile(0, [&](const FlatFilePos&, std::span<const uint8_t> raw) {
        auto b = DecodeBlock(raw);
        ASSERT_TRUE(b);
        EXPECT_EQ(b->GetHash(), block.GetHash());
        ++found;
    }));
    EXPECT_EQ(found, 2);
    EXPECT_FALSE(files->ScanFile(9, [](const FlatFilePos&, std::span<const uint8_t>) {}));
    fs::remove_all(dir);
}
