#include "commands.h"

#include "jsonreport.h"
#include "progressbar.h"
#include "signalwatch.h"

#include <downloader.h>

#include <QtCore/QEventLoop>
#include <QtCore/QFileInfo>
#include <QtCore/QFutureWatcher>
#include <QtNetwork/QNetworkRequest>

#include <cstdio>
#include <vector>

using Background::Downloader;
using Background::NetworkResponse;
using Background::TransferInfo;

namespace Cli {

void printLine(const QString &line)
{
    std::fputs(line.toLocal8Bit().constData(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout); // a reader of the pipe sees each result as it happens
}

int fail(int exitCode, const QString &message)
{
    // One line, whatever the message quotes (user input, a server's or SQLite's text).
    QString line;
    line.reserve(message.size());
    for (const QChar c : message) {
        if (c == QLatin1Char('\n'))
            line += QStringLiteral("\\n");
        else if (c == QLatin1Char('\r'))
            line += QStringLiteral("\\r");
        else if (c.category() == QChar::Other_Control)
            line += QLatin1Char('?');
        else
            line += c;
    }
    std::fprintf(stderr, "bgtransfer: %s\n", line.toLocal8Bit().constData());
    std::fflush(stderr);
    return exitCode;
}

namespace {

void report(const NetworkResponse &r, const Options &o)
{
    printLine(o.json ? jsonLine(responseJson(r)) : responseLine(r));
}

// Waits for every future, printing each result as it arrives. Returns the worst status.
int waitAndReport(Downloader &downloader,
                  const QList<QFuture<NetworkResponse>> &futures,
                  const Options &o)
{
    ProgressBar bar(!o.json && ProgressBar::stderrIsTerminal());
    QEventLoop loop;
    QObject context; // ends the connections before `bar` goes away
    QObject::connect(&downloader,
                     &Downloader::progress,
                     &context,
                     [&bar](const QString &id, qint64 received, qint64 total) {
                         bar.update(id, received, total);
                     });

    int worst = ExitSuccess;
    qsizetype remaining = futures.size();
    QList<NetworkResponse> problems;
    QString inputError;
    int interruptedBy = 0;
    SignalWatch signalWatch([&](int signal) {
        interruptedBy = signal;
        loop.quit();
    });

    std::vector<std::unique_ptr<QFutureWatcher<NetworkResponse>>> watchers;
    for (const QFuture<NetworkResponse> &future : futures) {
        auto watcher = std::make_unique<QFutureWatcher<NetworkResponse>>();
        QFutureWatcher<NetworkResponse> *w = watcher.get();
        QObject::connect(w, &QFutureWatcher<NetworkResponse>::finished, &context, [&, w] {
            const NetworkResponse r = w->result();
            bar.remove(r.identifier());
            bar.clear();
            const int code = exitCodeFor(r);
            if (isInputError(r) || r.error() == NetworkResponse::Error::StoreError) {
                // The request never became a transfer: there is no result to print.
                inputError = responseProblem(r);
            } else {
                report(r, o);
                if (code != ExitSuccess)
                    problems.append(r);
            }
            worst = worseExitCode(worst, code);
            if (--remaining == 0)
                loop.quit();
        });
        w->setFuture(future);
        watchers.push_back(std::move(watcher));
    }
    if (remaining > 0)
        loop.exec();
    bar.clear();

    if (interruptedBy != 0)
        return fail(128 + interruptedBy,
                    QStringLiteral("interrupted; run the same command again to resume"));
    if (!inputError.isEmpty() && problems.isEmpty())
        return fail(worst, inputError);
    if (problems.size() == 1 && inputError.isEmpty())
        return fail(worst, responseProblem(problems.first()));
    if (worst != ExitSuccess) {
        QStringList names;
        for (const NetworkResponse &r : std::as_const(problems))
            names.append(QStringLiteral("%1 (%2)").arg(r.identifier(),
                                                       NetworkResponse::outcomeName(r.outcome())));
        if (!inputError.isEmpty())
            names.append(inputError);
        return fail(worst,
                    QStringLiteral("%1 of %2 transfers did not succeed: %3")
                            .arg(names.size())
                            .arg(futures.size())
                            .arg(names.join(QStringLiteral(", "))));
    }
    return ExitSuccess;
}

QString storePath(const Downloader &downloader)
{
    return QFileInfo(downloader.configuration().storePath()).absoluteFilePath();
}

QString unknownIdentifier(const Downloader &downloader, const QString &id)
{
    return QStringLiteral("no transfer named '%1' in %2").arg(id, storePath(downloader));
}

} // namespace

int runDownload(Downloader &downloader, const Options &o)
{
    QNetworkRequest request{QUrl(o.url)};
    for (const auto &header : o.headers)
        request.setRawHeader(header.first, header.second);
    Background::DownloadOptions options;
    options.expectedSha256 = o.sha256;
    return waitAndReport(
            downloader, {downloader.networkResponse(request, o.identifier, o.output, options)}, o);
}

int runResume(Downloader &downloader, const Options &o)
{
    const QStringList ids = downloader.pendingIdentifiers();
    if (ids.isEmpty()) {
        if (!o.json)
            printLine(QStringLiteral("nothing to resume"));
        return ExitSuccess;
    }
    QList<QFuture<NetworkResponse>> futures;
    for (const QString &id : ids)
        futures.append(downloader.resume(id));
    const int code = waitAndReport(downloader, futures, o);
    // A transfer that vanished meanwhile (canceled elsewhere) is not bad input to `resume`.
    return code == ExitBadInput ? ExitFailed : code;
}

int runList(Downloader &downloader, const Options &o)
{
    const QList<TransferInfo> transfers = downloader.transfers();
    for (const TransferInfo &t : transfers)
        printLine(o.json ? jsonLine(transferJson(t)) : transferLine(t));
    return ExitSuccess;
}

int runResult(Downloader &downloader, const Options &o)
{
    const std::optional<TransferInfo> t = downloader.transfer(o.identifier);
    if (!t)
        return fail(ExitBadInput, unknownIdentifier(downloader, o.identifier));
    if (!t->result)
        return fail(ExitBadInput,
                    QStringLiteral("'%1' has no result yet: it is %2 (%3 MiB received)")
                            .arg(o.identifier,
                                 TransferInfo::stateName(t->state),
                                 mebibytes(t->bytesReceived)));
    report(*t->result, o);
    const int code = exitCodeFor(*t->result);
    if (code != ExitSuccess)
        return fail(code, responseProblem(*t->result));
    return ExitSuccess;
}

int runForget(Downloader &downloader, const Options &o)
{
    const std::optional<TransferInfo> t = downloader.transfer(o.identifier);
    if (!t)
        return fail(ExitBadInput, unknownIdentifier(downloader, o.identifier));
    if (!t->result)
        return fail(
                ExitBadInput,
                QStringLiteral("'%1' is not finished; use cancel to stop it").arg(o.identifier));
    if (!downloader.forget(o.identifier))
        return fail(ExitFailed,
                    QStringLiteral("cannot forget '%1' in %2")
                            .arg(o.identifier, storePath(downloader)));
    return ExitSuccess;
}

int runCancel(Downloader &downloader, const Options &o)
{
    const std::optional<TransferInfo> t = downloader.transfer(o.identifier);
    if (!t)
        return fail(ExitBadInput, unknownIdentifier(downloader, o.identifier));
    if (t->result)
        return fail(ExitBadInput,
                    QStringLiteral("'%1' is finished; use forget to drop its result")
                            .arg(o.identifier));
    if (!downloader.cancel(o.identifier))
        return fail(ExitFailed,
                    QStringLiteral("cannot cancel '%1' in %2")
                            .arg(o.identifier, storePath(downloader)));
    return ExitSuccess;
}

} // namespace Cli
