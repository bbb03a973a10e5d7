#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "eddy/auth/sigv4.h"
#include "eddy/base/result.h"

namespace eddy::auth {

// Where the AWS settings of a process come from, injectable so tests need not touch the real
// environment or home directory.
struct SettingsSource {
  // Returns an environment variable, or nullopt when it is unset.
  std::function<std::optional<std::string>(const std::string&)> getenv;
  // The home directory that holds .aws/ (empty: none).
  std::string home;

  // The process's own environment and $HOME.
  static SettingsSource FromProcess();
};

// What the AWS CLI and SDKs read for a profile, resolved in their order:
//  - credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, then the
//    profile in the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, ~/.aws/credentials),
//    then the profile in the config file (AWS_CONFIG_FILE, ~/.aws/config);
//  - region: AWS_REGION, AWS_DEFAULT_REGION, then `region` in the config file's profile;
//  - endpoint: AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_KINESIS), AWS_ENDPOINT_URL,
//    then `endpoint_url` in the config file's profile;
//  - CA bundle for TLS: AWS_CA_BUNDLE, then `ca_bundle` in the config file's profile.
// The profile is `profile` when not empty, else AWS_PROFILE, else "default". In the config file
// a profile's section is "[profile NAME]" ("[default]" for the default one); in the
// credentials file it is "[NAME]". Lines starting with '#' or ';' are comments; indented lines
// (nested service settings) are skipped.
struct AwsSettings {
  std::string profile;
  std::optional<Credentials> credentials;  // nullopt when none was found anywhere
  std::optional<std::string> region;
  std::optional<std::string> endpoint_url;
  std::optional<std::string> ca_bundle;  // PEM file of trusted CAs
};

// `service_env_name` is the service's part of AWS_ENDPOINT_URL_<NAME>, e.g. "KINESIS" or
// "DYNAMODB". Errors: a named profile (not "default") that exists in neither file is
// NotFound, as the AWS CLI reports "The config profile (x) could not be found".
Result<AwsSettings> ResolveAwsSettings(const SettingsSource& source, const std::string& profile,
                                       const std::string& service_env_name);

// Parses an INI file in the shared-config dialect into section -> (key -> value). A missing
// file is an empty map.
std::map<std::string, std::map<std::string, std::string>> ReadIniFile(const std::string& path);

}  // namespace eddy::auth
