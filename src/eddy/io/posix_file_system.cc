#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>

#include "eddy/io/file_system.h"

namespace eddy::io {
namespace {

// Retries a system call interrupted by a signal.
template <typename F>
auto RetryOnEintr(F f) {
  decltype(f()) r;
  do {
    r = f();
  } while (r < 0 && errno == EINTR);
  return r;
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  ~PosixWritableFile() override { ::close(fd_); }

  Status Append(std::string_view data) override {
    const char* p = data.data();
    size_t left = data.size();
    uint64_t size = size_.load(std::memory_order_relaxed);
    while (left > 0) {
      ssize_t n = RetryOnEintr([&] { return ::pwrite(fd_, p, left, static_cast<off_t>(size)); });
      if (n < 0) return Status::FromErrno(errno, "write " + path_);
      if (n == 0) return Status::IoError("write " + path_ + ": wrote nothing");
      p += n;
      left -= static_cast<size_t>(n);
      size += static_cast<uint64_t>(n);
      size_.store(size, std::memory_order_release);
    }
    return Status::Ok();
  }

  Status Sync() override {
    if (RetryOnEintr([&] { return ::fdatasync(fd_); }) < 0) {
      return Status::FromErrno(errno, "fdatasync " + path_);
    }
    return Status::Ok();
  }

  Status Truncate(uint64_t size) override {
    if (RetryOnEintr([&] { return ::ftruncate(fd_, static_cast<off_t>(size)); }) < 0) {
      return Status::FromErrno(errno, "ftruncate " + path_);
    }
    size_.store(size, std::memory_order_release);
    return Status::Ok();
  }

  uint64_t Size() const override { return size_.load(std::memory_order_acquire); }
  const std::string& path() const override { return path_; }

 private:
  const std::string path_;
  const int fd_;
  std::atomic<uint64_t> size_;  // read by Size() on other threads (see WritableFile)
};

class PosixReadableFile final : public ReadableFile {
 public:
  PosixReadableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixReadableFile() override { ::close(fd_); }

  Result<size_t> Read(uint64_t offset, size_t n, char* scratch) const override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = RetryOnEintr([&] {
        return ::pread(fd_, scratch + done, n - done, static_cast<off_t>(offset + done));
      });
      if (r < 0) return Status::FromErrno(errno, "read " + path_);
      if (r == 0) break;  // end of file
      done += static_cast<size_t>(r);
    }
    return done;
  }

  Result<uint64_t> Size() const override {
    struct stat st {};
    if (::fstat(fd_, &st) < 0) return Status::FromErrno(errno, "stat " + path_);
    return static_cast<uint64_t>(st.st_size);
  }

  const std::string& path() const override { return path_; }

 private:
  const std::string path_;
  const int fd_;
};

class PosixFileSystemImpl final : public FileSystem {
 public:
  Result<std::unique_ptr<WritableFile>> OpenWritable(const std::string& path,
                                                     OpenMode mode) override {
    int flags = O_WRONLY | O_CLOEXEC;
    if (mode == OpenMode::kCreateNew) flags |= O_CREAT | O_EXCL;
    int fd = RetryOnEintr([&] { return ::open(path.c_str(), flags, 0644); });
    if (fd < 0) return Status::FromErrno(errno, "open " + path);
    struct stat st {};
    if (::fstat(fd, &st) < 0) {
      Status s = Status::FromErrno(errno, "stat " + path);
      ::close(fd);
      return s;
    }
    return std::unique_ptr<WritableFile>(
        new PosixWritableFile(path, fd, static_cast<uint64_t>(st.st_size)));
  }

  Result<std::unique_ptr<ReadableFile>> OpenReadable(const std::string& path) override {
    int fd = RetryOnEintr([&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); });
    if (fd < 0) return Status::FromErrno(errno, "open " + path);
    return std::unique_ptr<ReadableFile>(new PosixReadableFile(path, fd));
  }

  Result<std::vector<std::string>> ListDirectory(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return Status::FromErrno(errno, "opendir " + dir);
    std::vector<std::string> names;
    errno = 0;
    while (dirent* e = ::readdir(d)) {
      std::string_view name(e->d_name);
      if (name != "." && name != "..") names.emplace_back(name);
    }
    int err = errno;
    ::closedir(d);
    if (err != 0) return Status::FromErrno(err, "readdir " + dir);
    return names;
  }

  Status CreateDirectories(const std::string& dir) override {
    if (dir.empty()) return Status::Ok();
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) {
      return S_ISDIR(st.st_mode) ? Status::Ok()
                                 : Status::AlreadyExists(dir + " exists and is not a directory");
    }
    std::string parent = DirName(dir);
    if (parent != dir && parent != ".") EDDY_RETURN_IF_ERROR(CreateDirectories(parent));
    if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST) {
      return Status::FromErrno(errno, "mkdir " + dir);
    }
    return Status::Ok();
  }

  Status SyncDirectory(const std::string& dir) override {
    int fd = RetryOnEintr([&] { return ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); });
    if (fd < 0) return Status::FromErrno(errno, "open directory " + dir);
    int r = RetryOnEintr([&] { return ::fsync(fd); });
    int err = errno;
    ::close(fd);
    if (r < 0) return Status::FromErrno(err, "fsync directory " + dir);
    return Status::Ok();
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) < 0) return Status::FromErrno(errno, "unlink " + path);
    return Status::Ok();
  }

  Status RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) < 0) {
      return Status::FromErrno(errno, "rename " + from + " to " + to);
    }
    return Status::Ok();
  }

  Result<uint64_t> FileSize(const std::string& path) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) < 0) return Status::FromErrno(errno, "stat " + path);
    return static_cast<uint64_t>(st.st_size);
  }

  bool FileExists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }
};

}  // namespace

FileSystem* PosixFileSystem() {
  static PosixFileSystemImpl* fs = new PosixFileSystemImpl();  // lives for the process
  return fs;
}

}  // namespace eddy::io
