// bgtransfer: restart-safe HTTP downloads from the command line.

#include "commands.h"
#include "options.h"

#include <downloader.h>
#include <sessionconfiguration.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QLoggingCategory>

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
    return config;
}

} // namespace

int main(int argc, char **argv)
{
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

    Background::Downloader downloader(configurationFor(options));
    if (downloader.storeError() != Background::NetworkResponse::Error::NoError)
        return fail(ExitFailed, downloader.storeErrorString());

    switch (options.command) {
    case Command::Download:
        return runDownload(downloader, options);
    case Command::List:
        return runList(downloader, options);
    case Command::Result:
        return runResult(downloader, options);
    case Command::Forget:
        return runForget(downloader, options);
    case Command::Cancel:
        return runCancel(downloader, options);
    case Command::Resume:
        return runResume(downloader, options);
    default:
        return fail(ExitUsage, QStringLiteral("no command given (try --help)"));
    }
}
