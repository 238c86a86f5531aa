// A process for tst_crash to kill: one download through a Downloader, reported line by line on
// stdout so the test can tell how far it got.
//
//   crash_child --store FILE --url URL --id ID --out FILE [--rate BYTES_PER_SEC]
//               [--checkpoint-ms N] [--lease-timeout-ms N]
//
// stdout: "progress <bytes> <total>" per progress signal, then
//         "result <outcome> <httpStatus> <bytes> <resumedFrom> <errorString>".
// Exit code 0 on Success, 1 otherwise, 2 on bad arguments.

#include "downloader.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QFutureWatcher>
#include <QtNetwork/QNetworkRequest>

#include <chrono>
#include <cstdio>

#if defined(Q_OS_LINUX)
#include <csignal>
#include <sys/prctl.h>
#endif

using namespace Background;
using namespace std::chrono_literals;

namespace {

void printLine(const QString &line)
{
    // One write and a flush per line: the test reads a pipe and must see whole lines at once.
    const QByteArray bytes = line.toUtf8() + '\n';
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
    std::fflush(stdout);
}

} // namespace

int main(int argc, char **argv)
{
#if defined(Q_OS_LINUX)
    // Never outlive a test that died (its watchdog aborts without killing us).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    QCoreApplication app(argc, argv);

    QCommandLineParser parser;
    const QCommandLineOption storeOption(
            QStringLiteral("store"), QStringLiteral("Store file"), QStringLiteral("file"));
    const QCommandLineOption urlOption(
            QStringLiteral("url"), QStringLiteral("URL"), QStringLiteral("url"));
    const QCommandLineOption idOption(
            QStringLiteral("id"), QStringLiteral("Identifier"), QStringLiteral("id"));
    const QCommandLineOption outOption(
            QStringLiteral("out"), QStringLiteral("Destination"), QStringLiteral("file"));
    const QCommandLineOption rateOption(QStringLiteral("rate"),
                                        QStringLiteral("Receive rate limit, bytes per second"),
                                        QStringLiteral("bytes"),
                                        QStringLiteral("0"));
    const QCommandLineOption checkpointOption(QStringLiteral("checkpoint-ms"),
                                              QStringLiteral("Checkpoint interval"),
                                              QStringLiteral("ms"),
                                              QStringLiteral("1000"));
    const QCommandLineOption leaseOption(QStringLiteral("lease-timeout-ms"),
                                         QStringLiteral("Lease timeout"),
                                         QStringLiteral("ms"),
                                         QStringLiteral("15000"));
    parser.addOptions({storeOption,
                       urlOption,
                       idOption,
                       outOption,
                       rateOption,
                       checkpointOption,
                       leaseOption});
    parser.process(app);
    if (!parser.isSet(storeOption) || !parser.isSet(urlOption) || !parser.isSet(idOption)
        || !parser.isSet(outOption)) {
        std::fputs("crash_child: --store, --url, --id and --out are required\n", stderr);
        return 2;
    }

    SessionConfiguration config;
    config.setStorePath(parser.value(storeOption));
    RetryPolicy policy;
    policy.maxRetries = 5;
    policy.baseDelay = 100ms;
    policy.maxDelay = 1s;
    config.setRetryPolicy(policy);
    config.setStallTimeout(5s);
    config.setMaximumRate(parser.value(rateOption).toLongLong());
    config.setCheckpointInterval(
            std::chrono::milliseconds(parser.value(checkpointOption).toLongLong()));
    config.setLeaseTimeout(std::chrono::milliseconds(parser.value(leaseOption).toLongLong()));

    Downloader downloader(config);
    QObject::connect(&downloader,
                     &Downloader::progress,
                     &app,
                     [](const QString &, qint64 received, qint64 total) {
                         printLine(QStringLiteral("progress %1 %2").arg(received).arg(total));
                     });

    QFutureWatcher<NetworkResponse> watcher;
    QObject::connect(&watcher, &QFutureWatcher<NetworkResponse>::finished, &app, [&watcher] {
        const NetworkResponse r = watcher.result();
        printLine(QStringLiteral("result %1 %2 %3 %4 %5")
                          .arg(NetworkResponse::outcomeName(r.outcome()))
                          .arg(r.httpStatus())
                          .arg(r.bytes())
                          .arg(r.resumedFrom())
                          .arg(r.errorString()));
        QCoreApplication::exit(r.isSuccess() ? 0 : 1);
    });
    watcher.setFuture(downloader.networkResponse(QNetworkRequest(QUrl(parser.value(urlOption))),
                                                 parser.value(idOption),
                                                 parser.value(outOption)));
    return app.exec();
}
