#pragma once

#include "options.h"

namespace Background {
class Downloader;
}

namespace Cli {

// Each returns the process exit status; a non-zero one has printed exactly one stderr line.
int runDownload(Background::Downloader &downloader, const Options &options);
int runList(Background::Downloader &downloader, const Options &options);
int runResult(Background::Downloader &downloader, const Options &options);
int runForget(Background::Downloader &downloader, const Options &options);
int runCancel(Background::Downloader &downloader, const Options &options);
int runResume(Background::Downloader &downloader, const Options &options);

void printLine(const QString &line);            // stdout
int fail(int exitCode, const QString &message); // stderr, "bgtransfer: " prefixed

} // namespace Cli
