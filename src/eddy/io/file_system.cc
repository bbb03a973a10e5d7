#include "eddy/io/file_system.h"

namespace eddy::io {

Status CreateDirectoriesDurably(FileSystem* fs, const std::string& dir) {
  if (dir.empty() || dir == "." || dir == "/" || fs->FileExists(dir)) {
    return fs->CreateDirectories(dir);  // exists (or is a root): nothing new to sync
  }
  const std::string parent = DirName(dir);
  if (parent != dir) EDDY_RETURN_IF_ERROR(CreateDirectoriesDurably(fs, parent));
  EDDY_RETURN_IF_ERROR(fs->CreateDirectories(dir));
  return fs->SyncDirectory(parent);
}

Result<std::string> ReadWholeFile(FileSystem* fs, const std::string& path) {
  EDDY_ASSIGN_OR_RETURN(auto file, fs->OpenReadable(path));
  EDDY_ASSIGN_OR_RETURN(uint64_t size, file->Size());
  std::string data(size, '\0');
  EDDY_ASSIGN_OR_RETURN(size_t n, file->Read(0, data.size(), data.data()));
  data.resize(n);
  return data;
}

Status WriteFileAtomically(FileSystem* fs, const std::string& path, std::string_view contents) {
  const std::string tmp = path + ".tmp";
  if (fs->FileExists(tmp)) EDDY_RETURN_IF_ERROR(fs->RemoveFile(tmp));
  {
    EDDY_ASSIGN_OR_RETURN(auto file, fs->OpenWritable(tmp, OpenMode::kCreateNew));
    EDDY_RETURN_IF_ERROR(file->Append(contents));
    EDDY_RETURN_IF_ERROR(file->Sync());
  }
  EDDY_RETURN_IF_ERROR(fs->RenameFile(tmp, path));
  return fs->SyncDirectory(DirName(path));
}

std::string JoinPath(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (!out.empty() && out.back() != '/') out += '/';
  out += name;
  return out;
}

std::string DirName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  while (slash > 0 && path[slash - 1] == '/') --slash;  // "a//b" -> "a"
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

}  // namespace eddy::io
