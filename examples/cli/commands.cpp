#include "commands.h"

#include "jsonreport.h"
#include "progressbar.h"
#include "signalwatch.h"

#include <downloader.h>
#include <uploader.h>

#include <QtCore/QEventLoop>
#include <QtCore/QFileInfo>
#include <QtCore/QFutureWatcher>
#include <QtCore/QSet>
#include <QtCore/QTimer>
#include <QtNetwork/QNetworkRequest>

#include <cstdio>
#include <vector>

using Background::Downloader;
using Background::NetworkResponse;
using Background::TransferInfo;
using Background::Uploader;

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

// One transfer being waited for, and what its report needs beyond the response.
struct Pending
{
    QFuture<NetworkResponse> future;
    QString identifier;
    TransferInfo::Kind kind = TransferInfo::Kind::Download;
    QString localPath; // the source of an upload
};

// Transfers not running here are checked for a pause from elsewhere a few at a time, so a long
// --input list costs a few store reads a second, not one per transfer each time.
constexpr int kPausePollMs = 500;
constexpr int kPauseChecksPerPoll = 8;
// How long `pause` waits for another process to let go (as `cancel` waits for a tus DELETE).
constexpr int kPauseWaitMs = 20000;

void report(Clients &c,
            const NetworkResponse &r,
            TransferInfo::Kind kind,
            const QString &localPath,
            const Options &o)
{
    if (kind == TransferInfo::Kind::Upload) {
        const std::optional<TransferInfo> t = c.uploader.transfer(r.identifier());
        const QUrl uploadUrl = t ? t->remoteUrl : QUrl();
        printLine(o.json ? jsonLine(uploadResponseJson(r, localPath, uploadUrl))
                         : uploadResponseLine(r, localPath));
        return;
    }
    printLine(o.json ? jsonLine(responseJson(r)) : responseLine(r));
}

// A transfer this process waits for that was paused (by `bgtransfer pause`, maybe from another
// process): it will not finish here, so it is reported and no longer waited for.
void reportPaused(const TransferInfo &t, const Options &o)
{
    printLine(o.json ? jsonLine(transferJson(t)) : pausedLine(t));
}

// Waits for every future, printing each result as it arrives, until each has finished or was
// paused. Returns the worst status.
int waitAndReport(Clients &clients, const QList<Pending> &futures, const Options &o)
{
    ProgressBar bar(!o.json && ProgressBar::stderrIsTerminal());
    if (bar.isEnabled()) {
        bar.setSpeedSource([&clients](const QString &id) -> std::optional<ProgressBar::Speed> {
            const std::optional<TransferInfo> t = clients.downloader.transfer(id);
            if (!t)
                return std::nullopt;
            return ProgressBar::Speed{t->bytesPerSecond, t->etaSeconds};
        });
    }
    QEventLoop loop;
    QObject context; // ends the connections before `bar` goes away
    const auto onProgress
            = [&bar](const QString &id, qint64 done, qint64 total) { bar.update(id, done, total); };
    QObject::connect(&clients.downloader, &Downloader::progress, &context, onProgress);
    QObject::connect(&clients.uploader, &Uploader::progress, &context, onProgress);

    int worst = ExitSuccess;
    QSet<QString> open; // neither finished nor paused yet
    for (const Pending &pending : futures)
        open.insert(pending.identifier);
    QSet<QString> runningHere;
    QStringList problems; // "ID (outcome)"
    QString lastProblem;  // the whole message, for a single problem
    QString inputError;
    int interruptedBy = 0;
    SignalWatch signalWatch([&](int signal) {
        interruptedBy = signal;
        loop.quit();
    });
    const auto done = [&](const QString &id, int code) {
        open.remove(id);
        bar.remove(id);
        bar.clear();
        worst = worseExitCode(worst, code);
        if (open.isEmpty())
            loop.quit();
    };
    const auto checkPaused = [&](const QString &id) {
        if (!open.contains(id))
            return;
        const std::optional<TransferInfo> t = clients.downloader.transfer(id);
        if (!t || t->state != TransferInfo::State::Paused)
            return;
        bar.clear();
        reportPaused(*t, o);
        problems.append(QStringLiteral("%1 (paused)").arg(id));
        lastProblem = QStringLiteral("%1 was paused; 'bgtransfer resume %1' continues it").arg(id);
        done(id, ExitPaused);
    };
    // A transfer running here hears of its pause at once; one still queued (here or in another
    // process) is found paused by the poll below.
    const auto onState = [&](const QString &id, TransferInfo::State state) {
        if (state == TransferInfo::State::Running)
            runningHere.insert(id);
        else
            runningHere.remove(id);
        if (state == TransferInfo::State::Paused)
            checkPaused(id);
    };
    QObject::connect(&clients.downloader, &Downloader::stateChanged, &context, onState);
    QObject::connect(&clients.uploader, &Uploader::stateChanged, &context, onState);
    QStringList order; // round robin over the transfers
    for (const Pending &pending : futures)
        order.append(pending.identifier);
    qsizetype cursor = 0;
    const auto checkSome = [&] {
        int checked = 0;
        for (qsizetype n = 0; n < order.size() && checked < kPauseChecksPerPoll; ++n) {
            const QString id = order.at(cursor);
            cursor = (cursor + 1) % order.size();
            if (open.contains(id) && !runningHere.contains(id)) {
                ++checked;
                checkPaused(id);
            }
        }
    };
    QTimer pausePoll;
    pausePoll.setInterval(kPausePollMs);
    QObject::connect(&pausePoll, &QTimer::timeout, &context, checkSome);

    std::vector<std::unique_ptr<QFutureWatcher<NetworkResponse>>> watchers;
    for (const Pending &pending : futures) {
        auto watcher = std::make_unique<QFutureWatcher<NetworkResponse>>();
        QFutureWatcher<NetworkResponse> *w = watcher.get();
        const TransferInfo::Kind kind = pending.kind;
        const QString localPath = pending.localPath;
        const QString id = pending.identifier;
        QObject::connect(
                w,
                &QFutureWatcher<NetworkResponse>::finished,
                &context,
                [&, w, kind, localPath, id] {
                    if (!open.contains(id))
                        return; // reported as paused already
                    const NetworkResponse r = w->result();
                    bar.clear();
                    const int code = exitCodeFor(r);
                    if (isInputError(r) || r.error() == NetworkResponse::Error::StoreError) {
                        // The request never became a transfer: there is no result to print.
                        inputError = responseProblem(r);
                    } else {
                        report(clients, r, kind, localPath, o);
                        if (code != ExitSuccess) {
                            problems.append(QStringLiteral("%1 (%2)").arg(
                                    r.identifier(), NetworkResponse::outcomeName(r.outcome())));
                            lastProblem = responseProblem(r);
                        }
                    }
                    done(id, code);
                });
        w->setFuture(pending.future);
        watchers.push_back(std::move(watcher));
    }
    // One asked for while paused waits for a resume that this process will not see coming.
    checkSome();
    if (!open.isEmpty()) {
        pausePoll.start();
        loop.exec();
    }
    pausePoll.stop();
    bar.clear();

    if (interruptedBy != 0)
        return fail(128 + interruptedBy,
                    QStringLiteral("interrupted; run the same command again to resume"));
    if (!inputError.isEmpty() && problems.isEmpty())
        return fail(worst, inputError);
    if (problems.size() == 1 && inputError.isEmpty())
        return fail(worst, lastProblem);
    if (worst != ExitSuccess) {
        QStringList names = problems;
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

QString storePath(const Clients &c)
{
    return QFileInfo(c.downloader.configuration().storePath()).absoluteFilePath();
}

QString unknownIdentifier(const Clients &c, const QString &id)
{
    return QStringLiteral("no transfer named '%1' in %2").arg(id, storePath(c));
}

QNetworkRequest requestFor(const Options &o)
{
    QNetworkRequest request{QUrl(o.url)};
    for (const auto &header : o.headers)
        request.setRawHeader(header.first, header.second);
    return request;
}

Background::UploadOptions::Method methodFor(const QByteArray &name)
{
    if (name == "POST")
        return Background::UploadOptions::Method::Post;
    if (name == "PATCH")
        return Background::UploadOptions::Method::Patch;
    return Background::UploadOptions::Method::Put;
}

} // namespace

int runDownload(Clients &c, const Options &o)
{
    Background::DownloadOptions options;
    options.expectedSha256 = o.sha256;
    options.priority = o.priority;
    if (o.inputPath.isEmpty()) {
        return waitAndReport(
                c,
                {{c.downloader.networkResponse(requestFor(o), o.identifier, o.output, options),
                  o.identifier,
                  TransferInfo::Kind::Download,
                  o.output}},
                o);
    }
    // All in one event-loop turn, so the queue orders them before any starts.
    QList<Pending> futures;
    futures.reserve(o.inputs.size());
    for (const InputEntry &entry : o.inputs) {
        QNetworkRequest request{QUrl(entry.url)};
        for (const auto &header : o.headers)
            request.setRawHeader(header.first, header.second);
        futures.append(
                {c.downloader.networkResponse(request, entry.identifier, entry.output, options),
                 entry.identifier,
                 TransferInfo::Kind::Download,
                 entry.output});
    }
    if (futures.isEmpty()) {
        if (!o.json)
            printLine(QStringLiteral("nothing to download"));
        return ExitSuccess;
    }
    return waitAndReport(c, futures, o);
}

int runUpload(Clients &c, const Options &o)
{
    Background::UploadOptions options;
    options.method = methodFor(o.method);
    options.contentType = o.contentType;
    options.priority = o.priority;
    if (o.tus) {
        options.protocol = Background::UploadOptions::Protocol::Tus;
        options.chunkSize = o.chunkSize;
        options.tusChecksum = o.tusChecksum;
        options.fields = o.fields;
    } else if (!o.formField.isEmpty()) {
        options.body = Background::UploadOptions::Body::Multipart;
        options.fileField = o.formField;
        options.fields = o.fields;
    }
    return waitAndReport(c,
                         {{c.uploader.networkResponse(requestFor(o), o.file, o.identifier, options),
                           o.identifier,
                           TransferInfo::Kind::Upload,
                           QFileInfo(o.file).absoluteFilePath()}},
                         o);
}

int runResume(Clients &c, const Options &o)
{
    QList<Pending> futures;
    if (!o.identifier.isEmpty()) {
        const std::optional<TransferInfo> t = c.downloader.transfer(o.identifier);
        if (!t)
            return fail(ExitBadInput, unknownIdentifier(c, o.identifier));
        // Unpauses it; a kept Retry or DiskFull result is reopened, any other one is reported.
        if (t->kind == TransferInfo::Kind::Upload)
            futures.append({c.uploader.resume(o.identifier),
                            o.identifier,
                            TransferInfo::Kind::Upload,
                            t->localPath});
        else
            futures.append({c.downloader.resume(o.identifier),
                            o.identifier,
                            TransferInfo::Kind::Download,
                            QString()});
        return waitAndReport(c, futures, o);
    }
    // Unpause everything, then wait for each unfinished transfer (resume() joins the queued one).
    c.downloader.resumeAll();
    c.uploader.resumeAll();
    const QStringList downloads = c.downloader.pendingIdentifiers();
    for (const QString &id : downloads)
        futures.append({c.downloader.resume(id), id, TransferInfo::Kind::Download, QString()});
    // Each client answers for its own kind, so an upload's progress reaches the bar.
    const QStringList uploads = c.uploader.pendingIdentifiers();
    for (const QString &id : uploads) {
        const std::optional<TransferInfo> t = c.uploader.transfer(id);
        futures.append({c.uploader.resume(id),
                        id,
                        TransferInfo::Kind::Upload,
                        t ? t->localPath : QString()});
    }
    if (futures.isEmpty()) {
        if (!o.json)
            printLine(QStringLiteral("nothing to resume"));
        return ExitSuccess;
    }
    const int code = waitAndReport(c, futures, o);
    // A transfer that vanished meanwhile (canceled elsewhere) is not bad input to `resume`.
    return code == ExitBadInput ? ExitFailed : code;
}

int runPause(Clients &c, const Options &o)
{
    const std::optional<TransferInfo> before = c.downloader.transfer(o.identifier);
    if (!before)
        return fail(ExitBadInput, unknownIdentifier(c, o.identifier));
    const QString finished = QStringLiteral("'%1' is finished; there is nothing to pause");
    if (before->result)
        return fail(ExitBadInput, finished.arg(o.identifier));
    const bool paused = before->kind == TransferInfo::Kind::Upload
                                ? c.uploader.pause(o.identifier)
                                : c.downloader.pause(o.identifier);
    std::optional<TransferInfo> t = c.downloader.transfer(o.identifier);
    if (!t)
        return fail(ExitBadInput, unknownIdentifier(c, o.identifier)); // canceled meanwhile
    if (t->result)
        return fail(ExitBadInput, finished.arg(o.identifier));
    if (!paused)
        return fail(ExitFailed,
                    QStringLiteral("cannot pause '%1' in %2").arg(o.identifier, storePath(c)));

    // Paused, but a live process still runs it until it notices (within a second) and lets go.
    const bool elsewhere = t->state != TransferInfo::State::Paused;
    if (elsewhere) {
        QEventLoop loop;
        QTimer poll;
        QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
            t = c.downloader.transfer(o.identifier);
            if (!t || t->result || t->state == TransferInfo::State::Paused)
                loop.quit();
        });
        poll.start(100);
        QTimer::singleShot(kPauseWaitMs, &loop, &QEventLoop::quit);
        loop.exec();
        if (!t)
            return fail(ExitBadInput, unknownIdentifier(c, o.identifier));
        if (t->result)
            return fail(
                    ExitBadInput,
                    QStringLiteral("'%1' finished before it could be paused").arg(o.identifier));
        if (t->state != TransferInfo::State::Paused) // paused all the same: a warning
            return fail(ExitSuccess,
                        QStringLiteral("paused '%1', but the process running it did not let go "
                                       "within %2 s; it stops when it notices")
                                .arg(o.identifier)
                                .arg(kPauseWaitMs / 1000));
    }
    if (o.json) {
        QJsonObject json = transferJson(*t);
        json.insert(QStringLiteral("stoppedElsewhere"), elsewhere);
        printLine(jsonLine(json));
    } else {
        QString line = pausedLine(*t);
        if (elsewhere)
            line += QStringLiteral("; the process running it has let go");
        printLine(line);
    }
    return ExitSuccess;
}

int runList(Clients &c, const Options &o)
{
    QList<TransferInfo> transfers = c.downloader.transfers();
    transfers += c.uploader.transfers();
    // A few large writes, not a write and a flush per line: a store may hold thousands.
    constexpr qsizetype kChunk = 64 * 1024;
    QByteArray out;
    out.reserve(kChunk + 4096);
    for (const TransferInfo &t : std::as_const(transfers)) {
        if (o.json)
            appendTransferJson(&out, t);
        else
            out += transferLine(t).toLocal8Bit();
        out += '\n';
        if (out.size() >= kChunk) {
            std::fwrite(out.constData(), 1, size_t(out.size()), stdout);
            out.resize(0); // keeps the capacity
        }
    }
    std::fwrite(out.constData(), 1, size_t(out.size()), stdout);
    std::fflush(stdout);
    return ExitSuccess;
}

int runResult(Clients &c, const Options &o)
{
    const std::optional<TransferInfo> t = c.downloader.transfer(o.identifier);
    if (!t)
        return fail(ExitBadInput, unknownIdentifier(c, o.identifier));
    if (!t->result) {
        const bool upload = t->kind == TransferInfo::Kind::Upload;
        return fail(ExitBadInput,
                    QStringLiteral("'%1' has no result yet: it is %2 (%3 MiB %4)")
                            .arg(o.identifier,
                                 TransferInfo::stateName(t->state),
                                 mebibytes(t->bytesReceived),
                                 upload ? QStringLiteral("sent") : QStringLiteral("received")));
    }
    report(c, *t->result, t->kind, t->localPath, o);
    const int code = exitCodeFor(*t->result);
    if (code != ExitSuccess)
        return fail(code, responseProblem(*t->result));
    return ExitSuccess;
}

int runForget(Clients &c, const Options &o)
{
    const std::optional<TransferInfo> t = c.downloader.transfer(o.identifier);
    if (!t)
        return fail(ExitBadInput, unknownIdentifier(c, o.identifier));
    if (!t->result)
        return fail(
                ExitBadInput,
                QStringLiteral("'%1' is not finished; use cancel to stop it").arg(o.identifier));
    const bool forgotten = t->kind == TransferInfo::Kind::Upload
                                   ? c.uploader.forget(o.identifier)
                                   : c.downloader.forget(o.identifier);
    if (!forgotten)
        return fail(ExitFailed,
                    QStringLiteral("cannot forget '%1' in %2").arg(o.identifier, storePath(c)));
    return ExitSuccess;
}

int runCancel(Clients &c, const Options &o)
{
    const std::optional<TransferInfo> t = c.downloader.transfer(o.identifier);
    if (!t)
        return fail(ExitBadInput, unknownIdentifier(c, o.identifier));
    if (t->result)
        return fail(ExitBadInput,
                    QStringLiteral("'%1' is finished; use forget to drop its result")
                            .arg(o.identifier));
    // A tus upload's server is asked to delete it too; wait for that answer, bounded.
    QEventLoop loop;
    bool acknowledged = false;
    QObject::connect(&c.uploader, &Uploader::terminated, &loop, [&](const QString &id, bool ok) {
        if (id != o.identifier)
            return;
        acknowledged = ok;
        loop.quit();
    });
    const bool canceled = t->kind == TransferInfo::Kind::Upload ? c.uploader.cancel(o.identifier)
                                                                : c.downloader.cancel(o.identifier);
    if (!canceled)
        return fail(ExitFailed,
                    QStringLiteral("cannot cancel '%1' in %2").arg(o.identifier, storePath(c)));
    if (!t->remoteUrl.isEmpty()) {
        QTimer::singleShot(20000, &loop, &QEventLoop::quit);
        loop.exec();
        if (!acknowledged) // canceled here all the same: a warning, not a failure
            return fail(ExitSuccess,
                        QStringLiteral("canceled '%1', but the server did not confirm deleting "
                                       "%2; it will expire there")
                                .arg(o.identifier, t->remoteUrl.toDisplayString()));
    }
    return ExitSuccess;
}

} // namespace Cli
