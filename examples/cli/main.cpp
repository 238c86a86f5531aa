// bgtransfer: restart-safe HTTP downloads and uploads from the command line.

#include "commands.h"
#include "options.h"

#include <downloader.h>
#include <sessionconfiguration.h>
#include <uploader.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QLoggingCategory>

#include <csignal>

#include <cstdio>

using namespace Cli;

namespace {

Background::SessionConfiguration configurationFor(const Options &o)
{
    Background::SessionConfiguration config;
    if (!o.storePath.isEmpty())
        config.setStorePath(o.storePath);
    Background::RetryPolicy policy = config.retryPolicy();
    policy.maxRetries = o.retries;
    config.setRetryPolicy(policy);
    if (o.stallTimeout)
        config.setStallTimeout(*o.stallTimeout);
    if (o.checkpointInterval)
        config.setCheckpointInterval(*o.checkpointInterval);
    config.setMaximumRate(o.limitRate);
    if (o.concurrency > 0) {
        config.setMaximumConcurrentTransfers(o.concurrency);
        config.setMaximumConcurrentTransfersPerHost(o.concurrency);
    }
    if (o.diskReserve >= 0)
        config.setDiskSpaceReserve(o.diskReserve);
    config.setAllowMetered(o.allowMetered);
    // Each command says which transfers it runs; `resume` names them all.
    config.setResumeOnStart(false);
    return config;
}

} // namespace

int main(int argc, char **argv)
{
#ifdef SIGXFSZ
    // Over a file size limit (ulimit -f) a write then fails with EFBIG, which the library
    // reports as a full disk with the partial data kept, instead of the process dying.
    std::signal(SIGXFSZ, SIG_IGN);
#endif
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("bgtransfer"));
    QCoreApplication::setApplicationVersion(QStringLiteral(BGTRANSFER_VERSION));
    // The library's log would break the one-line-on-stderr promise; QT_LOGGING_RULES still
    // overrides this for debugging.
    QLoggingCategory::setFilterRules(QStringLiteral("background.*=false"));

    Options options;
    const ParseResult parsed = parseArguments(QCoreApplication::arguments(), &options);
    if (!parsed.ok())
        return fail(parsed.exitCode, parsed.message);

    switch (options.command) {
    case Command::Help:
        std::fputs(usageText().toLocal8Bit().constData(), stdout);
        return ExitSuccess;
    case Command::Version:
        printLine(QStringLiteral("bgtransfer ") + QCoreApplication::applicationVersion());
        return ExitSuccess;
    default:
        break;
    }

    // Same configuration, same thread: both share one engine and store.
    const Background::SessionConfiguration config = configurationFor(options);
    Background::Downloader downloader(config);
    Background::Uploader uploader(config);
    if (downloader.storeError() != Background::NetworkResponse::Error::NoError)
        return fail(ExitFailed, downloader.storeErrorString());
    Clients clients{downloader, uploader};

    switch (options.command) {
    case Command::Download:
        return runDownload(clients, options);
    case Command::Upload:
        return runUpload(clients, options);
    case Command::List:
        return runList(clients, options);
    case Command::Result:
        return runResult(clients, options);
    case Command::Forget:
        return runForget(clients, options);
    case Command::Cancel:
        return runCancel(clients, options);
    case Command::Resume:
        return runResume(clients, options);
    case Command::Pause:
        return runPause(clients, options);
    default:
        return fail(ExitUsage, QStringLiteral("no command given (try --help)"));
    }
}
