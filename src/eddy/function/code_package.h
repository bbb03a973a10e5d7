#pragma once

#include <memory>
#include <string>

#include "eddy/base/result.h"
#include "eddy/function/definition.h"

namespace eddy::function {

// Unpacks the .zip at `zip_path` into `folder` (made fresh: anything there first is removed),
// keeping the files' Unix permissions (a custom runtime's bootstrap must stay executable).
// Runs `unzip` (Info-ZIP, which refuses to write outside the folder) and waits for it; when
// `unzip` cannot be found, `python`'s zipfile module (refusing entries that would land outside
// the folder). The child runs on the calling thread, which waits for it, so it outlives it as
// ChildProcess requires.
// Errors: InvalidArgument with Lambda's message for a file that cannot be read or is not a zip
// ("Could not unzip uploaded file. ..."), IoError for the folder.
Result<std::shared_ptr<const UnpackedCode>> UnpackZip(const std::string& zip_path,
                                                      const std::string& folder,
                                                      const std::string& unzip,
                                                      const std::string& python);

}  // namespace eddy::function
