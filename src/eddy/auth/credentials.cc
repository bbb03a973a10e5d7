#include "eddy/auth/credentials.h"

#include <cstdlib>
#include <fstream>

namespace eddy::auth {

namespace {

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::optional<std::string> NonEmpty(const std::optional<std::string>& v) {
  if (v && !v->empty()) return v;
  return std::nullopt;
}

}  // namespace

SettingsSource SettingsSource::FromProcess() {
  SettingsSource source;
  source.getenv = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  const char* home = std::getenv("HOME");
  source.home = home != nullptr ? home : "";
  return source;
}

std::map<std::string, std::map<std::string, std::string>> ReadIniFile(const std::string& path) {
  std::map<std::string, std::map<std::string, std::string>> sections;
  std::ifstream in(path);
  if (!in) return sections;
  std::string line;
  std::string section;
  bool in_section = false;
  while (std::getline(in, line)) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) continue;  // nested setting
    const std::string text = Trim(line);
    if (text.empty() || text[0] == '#' || text[0] == ';') continue;
    if (text.front() == '[') {
      const size_t close = text.find(']');
      if (close == std::string::npos) {
        in_section = false;
        continue;
      }
      section = Trim(text.substr(1, close - 1));
      in_section = true;
      sections[section];
      continue;
    }
    const size_t eq = text.find('=');
    if (!in_section || eq == std::string::npos) continue;
    const std::string key = Trim(text.substr(0, eq));
    if (key.empty()) continue;
    sections[section][key] = Trim(text.substr(eq + 1));
  }
  return sections;
}

Result<AwsSettings> ResolveAwsSettings(const SettingsSource& source, const std::string& profile,
                                       const std::string& service_env_name) {
  auto env = [&](const std::string& name) { return NonEmpty(source.getenv(name)); };
  AwsSettings settings;
  settings.profile = !profile.empty() ? profile : env("AWS_PROFILE").value_or("default");

  const std::string aws_dir = source.home.empty() ? "" : source.home + "/.aws/";
  const std::string credentials_path =
      env("AWS_SHARED_CREDENTIALS_FILE").value_or(aws_dir.empty() ? "" : aws_dir + "credentials");
  const std::string config_path =
      env("AWS_CONFIG_FILE").value_or(aws_dir.empty() ? "" : aws_dir + "config");
  const auto credentials_file =
      credentials_path.empty() ? decltype(ReadIniFile("")){} : ReadIniFile(credentials_path);
  const auto config_file =
      config_path.empty() ? decltype(ReadIniFile("")){} : ReadIniFile(config_path);

  const std::map<std::string, std::string> none;
  auto find = [&](const auto& file, const std::string& section) -> const auto& {
    auto it = file.find(section);
    return it == file.end() ? none : it->second;
  };
  const auto& cred_profile = find(credentials_file, settings.profile);
  const auto& config_profile = find(
      config_file, settings.profile == "default" ? "default" : "profile " + settings.profile);
  if (settings.profile != "default" && !credentials_file.contains(settings.profile) &&
      !config_file.contains("profile " + settings.profile)) {
    return Status::NotFound("The config profile (" + settings.profile + ") could not be found");
  }
  auto get = [](const std::map<std::string, std::string>& m,
                const std::string& key) -> std::optional<std::string> {
    auto it = m.find(key);
    if (it == m.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };

  // Environment credentials apply only when no profile was named explicitly, as in the CLI.
  auto key = profile.empty() ? env("AWS_ACCESS_KEY_ID") : std::nullopt;
  auto secret = profile.empty() ? env("AWS_SECRET_ACCESS_KEY") : std::nullopt;
  if (key && secret) {
    settings.credentials =
        Credentials{*key, *secret, profile.empty() ? env("AWS_SESSION_TOKEN").value_or("") : ""};
  } else {
    for (const auto* m : {&cred_profile, &config_profile}) {
      auto k = get(*m, "aws_access_key_id");
      auto s = get(*m, "aws_secret_access_key");
      if (k && s) {
        settings.credentials = Credentials{*k, *s, get(*m, "aws_session_token").value_or("")};
        break;
      }
    }
  }

  settings.region = env("AWS_REGION");
  if (!settings.region) settings.region = env("AWS_DEFAULT_REGION");
  if (!settings.region) settings.region = get(config_profile, "region");

  settings.endpoint_url = env("AWS_ENDPOINT_URL_" + service_env_name);
  if (!settings.endpoint_url) settings.endpoint_url = env("AWS_ENDPOINT_URL");
  if (!settings.endpoint_url) settings.endpoint_url = get(config_profile, "endpoint_url");

  settings.ca_bundle = env("AWS_CA_BUNDLE");
  if (!settings.ca_bundle) settings.ca_bundle = get(config_profile, "ca_bundle");
  return settings;
}

}  // namespace eddy::auth
