// Recovery on open: torn tails are cut, damage before the tail is reported, never skipped.
#include <filesystem>
#include <fstream>

#include "eddy/log/record_format.h"
#include "log_test_util.h"

namespace eddy::log {
namespace {

using testing::LogTest;

void TruncateFile(const std::string& path, uint64_t size) {
  std::filesystem::resize_file(path, size);
}

void AppendBytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::app);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void FlipByte(const std::string& path, uint64_t position) {
  std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
  f.seekg(static_cast<std::streamoff>(position));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x40);
  f.seekp(static_cast<std::streamoff>(position));
  f.write(&c, 1);
}

class RecoveryTest : public LogTest {
 protected:
  // Ten 100-byte records (frames of 8 + 20 + 3 + 100 = 131 bytes) after the 32-byte header.
  static constexpr uint64_t kFrame = 131;
  void WriteTen() {
    OpenLog();
    for (const auto& d : Numbered(10, 100)) AppendOne(d);
    log_.reset();
  }
  std::string Active() { return SegmentFiles().back(); }
};

TEST_F(RecoveryTest, TornLastRecordIsCutAtEveryLength) {
  WriteTen();
  const std::string path = Active();
  const uint64_t full = std::filesystem::file_size(path);
  ASSERT_EQ(full, kSegmentHeaderSize + 10 * kFrame);
  const std::string saved = dir_ + "/../saved.log";
  std::filesystem::copy_file(path, saved);
  for (uint64_t cut = full - kFrame + 1; cut < full; cut += 13) {
    std::filesystem::copy_file(saved, path, std::filesystem::copy_options::overwrite_existing);
    TruncateFile(path, cut);
    OpenLog();
    EXPECT_EQ(log_->end_offset().value(), 9u) << "cut at " << cut;
    EXPECT_EQ(ReadAll(), Numbered(9, 100));
    EXPECT_EQ(std::filesystem::file_size(path), full - kFrame);  // the torn bytes are gone
    EXPECT_EQ(AppendOne("next"), 9u);
    log_.reset();
  }
}

TEST_F(RecoveryTest, HalfWrittenBatchIsCutWhole) {
  WriteTen();
  OpenLog();
  AppendAll(Numbered(5, 100, 10));  // one append of five records: offsets 10..14
  log_.reset();
  const std::string path = Active();
  const uint64_t batch_start = kSegmentHeaderSize + 10 * kFrame;
  for (uint64_t cut :
       {batch_start + 3 * kFrame, batch_start + 2 * kFrame + 40, batch_start + 4 * kFrame + 130}) {
    std::filesystem::copy_file(path, path + ".copy",
                               std::filesystem::copy_options::overwrite_existing);
    TruncateFile(path, cut);  // the crash left whole records 10..12 but not the batch's end
    OpenLog();
    EXPECT_EQ(log_->end_offset().value(), 10u) << "cut at " << cut;
    EXPECT_EQ(ReadAll(), Numbered(10, 100));
    log_.reset();
    std::filesystem::rename(path + ".copy", path);
  }
  // With an index interval small enough that recovery resumes inside the batch.
  options_.index_interval_bytes = 64;
  TruncateFile(path, batch_start + 4 * kFrame);
  OpenLog();
  EXPECT_EQ(ReadAll(), Numbered(10, 100));
}

TEST_F(RecoveryTest, GarbageAfterTheLastRecordIsCut) {
  WriteTen();
  AppendBytes(Active(), std::string(50, '\0'));
  AppendBytes(Active(), "trailing junk that is not a frame");
  OpenLog();
  EXPECT_EQ(ReadAll(), Numbered(10, 100));
}

TEST_F(RecoveryTest, CorruptLastRecordIsCut) {
  WriteTen();
  FlipByte(Active(), kSegmentHeaderSize + 9 * kFrame + 60);  // inside the last record's data
  OpenLog();
  EXPECT_EQ(ReadAll(), Numbered(9, 100));
}

TEST_F(RecoveryTest, DamageBeforeTheTailFailsOpenNamingFileAndOffset) {
  WriteTen();
  const uint64_t position = kSegmentHeaderSize + 4 * kFrame + 50;  // inside record 4
  FlipByte(Active(), position);
  Status s = TryOpen();
  ASSERT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("00000000000000000000.log"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("record offset 4"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(std::to_string(kSegmentHeaderSize + 4 * kFrame)), std::string::npos)
      << s.message();
  // Nothing was cut: the file still holds all ten records.
  EXPECT_EQ(std::filesystem::file_size(Active()), kSegmentHeaderSize + 10 * kFrame);
}

TEST_F(RecoveryTest, DamagedLengthBeforeTheTailIsStillDetected) {
  // A length changed by one still ends inside the file: the frame fails its CRC and the valid
  // records after it give the damage away. (A length that points past the end of the file
  // cannot be told from a torn write; see docs/design/log-format.md.)
  WriteTen();
  FlipByte(Active(), kSegmentHeaderSize + 2 * kFrame);  // low byte of record 2's length
  EXPECT_TRUE(TryOpen().IsCorruption());
}

TEST_F(RecoveryTest, FrameHiddenInATornRecordsPayloadIsNotMistakenForData) {
  // A producer's data can hold bytes that form a valid frame for the next offset; when a crash
  // tears that record, recovery must see a torn tail, not "valid data after damage".
  OpenLog();
  AppendOne("r0");
  std::string fake;
  EncodeFrame({"k", std::nullopt, "hidden"}, /*offset=*/2, 0, false, &fake);
  const std::string payload = std::string(40, 'x') + fake + std::string(200, 'y');
  AppendOne(payload);
  log_.reset();
  const uint64_t record1 = kSegmentHeaderSize + 8 + 20 + 3 + 2;
  TruncateFile(Active(), record1 + 8 + 20 + 3 + 40 + fake.size() + 10);  // torn after the fake
  OpenLog();
  EXPECT_EQ(ReadAll(), (std::vector<std::string>{"r0"}));
}

TEST_F(RecoveryTest, DamageInASealedSegmentIsReportedByReads) {
  options_.max_segment_bytes = 1024;
  OpenLog();
  for (const auto& d : Numbered(30, 100)) AppendOne(d);
  log_.reset();
  auto files = SegmentFiles();
  ASSERT_GT(files.size(), 2u);
  FlipByte(files[0], kSegmentHeaderSize + kFrame + 70);  // record 1 of the first segment
  OpenLog();  // sealed segments are not scanned at open when their indexes are sound
  auto r = log_->Read(LogOffset(0), ReadLimits{});
  ASSERT_TRUE(r.status().IsCorruption()) << r.status().ToString();
  EXPECT_NE(r.status().message().find(files[0]), std::string::npos);
  EXPECT_NE(r.status().message().find("record offset 1"), std::string::npos);
  // Later segments remain readable.
  auto later = log_->Read(LogOffset(log_->end_offset().value() - 1), ReadLimits{});
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->records.size(), 1u);
}

TEST_F(RecoveryTest, DamagedSealedSegmentWithoutIndexFailsOpen) {
  options_.max_segment_bytes = 1024;
  OpenLog();
  for (const auto& d : Numbered(30, 100)) AppendOne(d);
  log_.reset();
  auto files = SegmentFiles();
  FlipByte(files[0], kSegmentHeaderSize + 70);
  std::filesystem::remove(files[0].substr(0, files[0].size() - 4) + ".timeindex");
  Status s = TryOpen();  // the rebuild scan meets the damage
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

TEST_F(RecoveryTest, InterruptedSegmentCreationIsRepaired) {
  options_.max_segment_bytes = 1024;
  OpenLog();
  for (const auto& d : Numbered(12, 100)) AppendOne(d);
  const uint64_t end = log_->end_offset().value();
  log_.reset();
  // A crash right after creating the next segment file, before its header was complete.
  const std::string next = dir_ + "/" + Segment::LogFileName(end);
  ASSERT_FALSE(std::filesystem::exists(next));
  AppendBytes(next, std::string(10, '\0'));
  OpenLog();
  EXPECT_EQ(ReadAll(), Numbered(12, 100));
  EXPECT_EQ(AppendOne("after"), end);
  OpenLog();
  EXPECT_EQ(log_->end_offset().value(), end + 1);
}

TEST_F(RecoveryTest, LeftoverTempAndOrphanIndexFilesAreRemoved) {
  WriteTen();
  AppendBytes(dir_ + "/00000000000000000000.index.tmp", "partial");
  AppendBytes(dir_ + "/00000000000000099999.index", "orphan");
  AppendBytes(dir_ + "/00000000000000099999.timeindex", "orphan");
  OpenLog();
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/00000000000000000000.index.tmp"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/00000000000000099999.index"));
  EXPECT_EQ(ReadAll(), Numbered(10, 100));
}

TEST_F(RecoveryTest, UnexpectedSegmentNameIsAnError) {
  WriteTen();
  AppendBytes(dir_ + "/not-a-segment.log", "x");
  EXPECT_TRUE(TryOpen().IsCorruption());
}

TEST_F(RecoveryTest, ZeroFilledTailAfterRecordsIsCut) {
  // ext4 can expose zeros for blocks allocated but never written before a power cut.
  WriteTen();
  AppendBytes(Active(), std::string(4096, '\0'));
  OpenLog();
  EXPECT_EQ(log_->end_offset().value(), 10u);
  EXPECT_EQ(AppendOne("x"), 10u);
  OpenLog();
  EXPECT_EQ(ReadAll().size(), 11u);
}

}  // namespace
}  // namespace eddy::log
