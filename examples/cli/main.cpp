// bgtransfer: restart-safe HTTP downloads and uploads from the command line.

#include "commands.h"
#include "options.h"

#include <downloader.h>
#include <sessionconfiguration.h>
#include <storerecovery.h>
#include <uploader.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QLoggingCategory>

#include <csignal>

#include <cstdio>

using namespace Cli;

namespace {

Background::SessionConfiguration configurationFor(const Options &o)
{
    //! [session-configuration]
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
    config.setCaCertificates(o.caCertificates);
    // Each command says which transfers it runs; `resume` names them all.
    config.setResumeOnStart(false);
    //! [session-configuration]
    return config;
}

// --recover: alone it reports on stdout; before a command, only a move is told, on stderr.
int recover(const QString &storePath, const Options &o)
{
    using Background::StoreRecovery;
    const StoreRecovery r = Background::recoverStore(storePath);
    if (r.status == StoreRecovery::Status::Failed)
        return fail(ExitFailed, r.errorString);
    const bool alone = o.command == Command::None;
    if (alone && o.json) {
        QJsonObject json{{QStringLiteral("store"), r.storePath}};
        json.insert(QStringLiteral("status"),
                    r.status == StoreRecovery::Status::Healthy ? QStringLiteral("healthy")
                                                               : QStringLiteral("recovered"));
        if (!r.movedTo.isEmpty()) {
            json.insert(QStringLiteral("movedTo"), r.movedTo);
            json.insert(QStringLiteral("reason"), r.errorString);
        }
        printLine(QString::fromUtf8(QJsonDocument(json).toJson(QJsonDocument::Compact)));
    } else if (r.status == StoreRecovery::Status::Healthy) {
        if (alone)
            printLine(
                    QStringLiteral("%1: the store is usable; nothing was moved").arg(r.storePath));
    } else {
        const QString line = QStringLiteral("moved the unusable store %1 to %2 and started a new "
                                            "one; partial files were kept")
                                     .arg(r.storePath, r.movedTo);
        if (alone)
            printLine(line);
        else
            std::fputs((QStringLiteral("bgtransfer: ") + line + QLatin1Char('\n'))
                               .toLocal8Bit()
                               .constData(),
                       stderr);
    }
    return ExitSuccess;
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

    const Background::SessionConfiguration config = configurationFor(options);
    if (options.recover) {
        if (const int status = recover(config.storePath(), options);
            status != ExitSuccess || options.command == Command::None)
            return status;
    }
    // Same configuration, same thread: both share one engine and store.
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
