#pragma once

#include <CLI/CLI.hpp>

namespace eddy::cli {

// `eddy stream create|list|describe|delete|put|tail`: the Kinesis API of eddy (or of any
// compatible endpoint, AWS included) for people. The endpoint is --endpoint, else
// AWS_ENDPOINT_URL_KINESIS / AWS_ENDPOINT_URL / the profile's endpoint_url, else the local eddy
// at http://127.0.0.1:4566; credentials and region come from the usual AWS settings.
void AddStreamCommands(CLI::App& app);

}  // namespace eddy::cli
