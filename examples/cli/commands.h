#pragma once

#include "options.h"

namespace Background {
class Downloader;
class Uploader;
} // namespace Background

namespace Cli {

// Both clients share one engine (and store): list, result, forget, cancel and resume see
// downloads and uploads alike.
struct Clients
{
    Background::Downloader &downloader;
    Background::Uploader &uploader;
};

// Each returns the process exit status; a non-zero one has printed exactly one stderr line.
int runDownload(Clients &clients, const Options &options);
int runUpload(Clients &clients, const Options &options);
int runList(Clients &clients, const Options &options);
int runResult(Clients &clients, const Options &options);
int runForget(Clients &clients, const Options &options);
int runCancel(Clients &clients, const Options &options);
int runResume(Clients &clients, const Options &options);
int runPause(Clients &clients, const Options &options);

void printLine(const QString &line);            // stdout
int fail(int exitCode, const QString &message); // stderr, "bgtransfer: " prefixed

} // namespace Cli
