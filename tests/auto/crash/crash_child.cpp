// A process for tst_crash to kill: one download through a Downloader, reported line by line on
// stdout so the test can tell how far it got.
//
//   crash_child --store FILE --url URL --id ID --out FILE [--rate BYTES_PER_SEC]
//               [--checkpoint-ms N] [--lease-timeout-ms N]
//
// The rate takes K/M/G suffixes like bg-faultserver's sizes.
//
// stdout: "progress <bytes> <total>" per progress signal, then
//         "result <outcome> <httpStatus> <bytes> <resumedFrom> <errorString>".
// Exit code 0 on Success, 1 otherwise, 2 on bad arguments.

#include "downloader.h"
#include "parsesize.h"

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

    // No help texts: tst_crash is the only caller and the usage is at the top of this file.
    QCommandLineParser parser;
    for (const char *name :
         {"store", "url", "id", "out", "rate", "checkpoint-ms", "lease-timeout-ms"}) {
        parser.addOption(
                QCommandLineOption(QString::fromLatin1(name), QString(), QStringLiteral("value")));
    }
    parser.process(app);
    const auto isSet
            = [&parser](const char *name) { return parser.isSet(QString::fromLatin1(name)); };
    const auto text
            = [&parser](const char *name) { return parser.value(QString::fromLatin1(name)); };
    if (!isSet("store") || !isSet("url") || !isSet("id") || !isSet("out")) {
        std::fputs("crash_child: --store, --url, --id and --out are required\n", stderr);
        return 2;
    }
    // An option that is not given keeps its default; one that is not a count is a bad argument.
    const auto bytes = [&](const char *name, qint64 *out) {
        return !isSet(name) || FaultTest::parseSize(text(name), out); // as bg-faultserver takes it
    };
    const auto ms = [&](const char *name, qint64 *out) {
        bool ok = true;
        if (isSet(name))
            *out = text(name).toLongLong(&ok);
        return ok && *out >= 0;
    };
    qint64 rate = 0;
    qint64 checkpointMs = 1000;
    qint64 leaseTimeoutMs = 15000;
    if (!bytes("rate", &rate) || !ms("checkpoint-ms", &checkpointMs)
        || !ms("lease-timeout-ms", &leaseTimeoutMs)) {
        std::fputs("crash_child: --rate, --checkpoint-ms and --lease-timeout-ms take counts\n",
                   stderr);
        return 2;
    }

    SessionConfiguration config;
    config.setStorePath(text("store"));
    RetryPolicy policy;
    policy.maxRetries = 5;
    policy.baseDelay = 100ms;
    policy.maxDelay = 1s;
    config.setRetryPolicy(policy);
    config.setStallTimeout(5s);
    config.setMaximumRate(rate);
    config.setCheckpointInterval(std::chrono::milliseconds(checkpointMs));
    config.setLeaseTimeout(std::chrono::milliseconds(leaseTimeoutMs));

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
    watcher.setFuture(downloader.networkResponse(
            QNetworkRequest(QUrl(text("url"))), text("id"), text("out")));
    return app.exec();
}
