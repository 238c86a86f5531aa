// The upload side of FaultServer: request bodies streamed to files and hashed on the way, with
// faults applied to the reading (answer early, drop, stall, throttle) and a scripted answer.

#include "faultserver_p.h"

#include <QtCore/QDir>
#include <QtNetwork/QTcpSocket>

#include <algorithm>

#if defined(Q_OS_LINUX)
#include <poll.h>
#endif

namespace FaultTest {

using namespace Internal;

namespace {

constexpr int HangupPollMs = 50;
constexpr qint64 FastReadChunk = 1024 * 1024;

bool isUploadMethod(const QByteArray &method)
{
    return method == "PUT" || method == "POST" || method == "PATCH";
}

// The parts of a fault that shape an upload's answer; the byte counts were spent on reading.
Fault answerFault(const Fault &f)
{
    Fault a;
    a.extraHeaders = f.extraHeaders;
    a.omitContentLength = f.omitContentLength;
    return a;
}

void addStatusHeaders(HeaderList &headers, const Fault &f)
{
    if (!f.retryAfter.isEmpty())
        addHeader(headers, "Retry-After", f.retryAfter);
    if (!f.location.isEmpty())
        addHeader(headers, "Location", f.location);
}

} // namespace

QByteArray ReceivedUpload::header(const QByteArray &name) const
{
    return headerValue(headers, name);
}

QString FaultServer::Private::uploadDirectory()
{
    if (!uploadDir.isEmpty())
        return uploadDir;
    if (!tempDir)
        tempDir = std::make_unique<QTemporaryDir>();
    return tempDir->path();
}

bool FaultServer::Connection::isUpload() const
{
    return isUploadMethod(method) && q->d->uploadRoutes.contains(path);
}

void FaultServer::Connection::beginUpload()
{
    Private *d = q->d.get();
    UploadRouteState &rs = d->uploadRoutes[path];
    up = std::make_unique<UploadTransfer>();
    up->fault = rs.served < rs.route.script.size() ? rs.route.script.at(rs.served) : rs.route.then;
    ++rs.served;
    up->route = rs.route;

    // Recorded now rather than when answered, so that cut and stalled requests count too.
    RequestRecord rec;
    rec.method = method;
    rec.path = path;
    rec.headers = reqHeaders;
    pathIndex = q->requestCount(path);
    d->records.append(rec);
    record = int(d->records.size() - 1);
    ReceivedUpload upload;
    upload.method = method;
    upload.path = path;
    upload.headers = reqHeaders;
    up->pathIndex = int(q->uploads(path).size());
    d->uploads.append(upload);
    up->uploadIndex = int(d->uploads.size() - 1);
    state = State::ReadingUpload;
    if (!takeBodyFraming())
        return;

    const Fault &f = up->fault;
    if (f.status != 0 && f.answerBeforeBody) {
        HeaderList headers;
        addStatusHeaders(headers, f);
        return answerEarly(f.status, f.errorBody, headers);
    }

    if (up->route.storeBody) {
        const QString dir = d->uploadDirectory();
        for (int attempt = 0; attempt < 1000 && !up->file.isOpen(); ++attempt) {
            up->file.setFileName(QStringLiteral("%1/upload-%2.bin")
                                         .arg(dir)
                                         .arg(++d->uploadFiles, 4, 10, QLatin1Char('0')));
            if (!up->file.open(QIODevice::WriteOnly | QIODevice::NewOnly) && !up->file.exists())
                break; // not a name clash: the directory is unusable
        }
        if (!up->file.isOpen()) {
            qWarning("FaultServer: cannot store an upload in %s", qPrintable(dir));
            return answerEarly(500, QByteArrayLiteral("cannot store the body\n"), HeaderList());
        }
        d->uploads[up->uploadIndex].bodyFile = up->file.fileName();
    }
    startReadingBody();
}

// The body's length from the head (state ReadingUpload, `up` set); false when that was
// answered at once (411, 400).
bool FaultServer::Connection::takeBodyFraming()
{
    const QByteArray coding = headerValue(reqHeaders, "transfer-encoding").trimmed();
    if (!coding.isEmpty() && coding.compare("identity", Qt::CaseInsensitive) != 0) {
        up->badFraming = true;
        answerEarly(411, QByteArrayLiteral("send the body with a Content-Length\n"), HeaderList());
        return false;
    }
    const QByteArray lengthText = headerValue(reqHeaders, "content-length").trimmed();
    qint64 declared = -1;
    if (!lengthText.isEmpty()) {
        bool ok = false;
        declared = lengthText.toLongLong(&ok);
        up->badFraming = !ok || declared < 0;
        if (up->badFraming) {
            answerEarly(400, QByteArrayLiteral("bad Content-Length\n"), HeaderList());
            return false;
        }
    }
    q->d->uploads[up->uploadIndex].declaredLength = declared;
    up->declared = std::max<qint64>(0, declared); // none: an empty body (RFC 9112 6.3)
    return true;
}

// Reads the body into up->file (if open) with the fault's cut and pace.
void FaultServer::Connection::startReadingBody()
{
    const Fault &f = up->fault;
    up->limit = up->declared;
    if (f.dropAfterBytes >= 0 && f.dropAfterBytes <= up->limit) {
        up->limit = f.dropAfterBytes;
        up->cut = UploadTransfer::Cut::Drop;
    }
    if (f.stallAfterBytes >= 0 && f.stallAfterBytes <= up->limit) {
        up->limit = f.stallAfterBytes;
        up->cut = UploadTransfer::Cut::Stall;
    }
    if (up->cut == UploadTransfer::Cut::Stall || f.throttle > 0) {
        // Small kernel buffers too, so that little is in flight while we read slowly or not
        // at all.
        socket->setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, int(ChunkSize));
    } else {
        // Bigger reads: fewer wake-ups, so a benchmark measures the client, not this loop.
        up->readChunk = FastReadChunk;
        socket->setReadBufferSize(FastReadChunk);
    }

    if (headerValue(reqHeaders, "expect").toLower().contains("100-continue")) {
        const QByteArray interim = QByteArrayLiteral("HTTP/1.1 100 Continue\r\n\r\n");
        headPending += interim.size();
        socket->write(interim);
    }

    if (f.throttle > 0) {
        up->throttleTimer = new QTimer(this);
        up->throttleTimer->setTimerType(Qt::PreciseTimer);
        up->throttleTimer->setInterval(ThrottleTickMs);
        connect(up->throttleTimer, &QTimer::timeout, this, [this] {
            // Token bucket capped at 100 ms worth, as for sending.
            const double rate = double(up->fault.throttle);
            up->credit += rate * double(up->throttleClock.restart()) / 1000.0;
            up->credit = std::min(up->credit, std::max(rate / 10.0, 1.0));
            pumpUpload();
        });
        up->throttleClock.start();
        up->throttleTimer->start();
    }
    pumpUpload();
}

void FaultServer::Connection::pumpUpload()
{
    if (state != State::ReadingUpload)
        return;
    UploadTransfer &u = *up;
    const bool throttled = u.fault.throttle > 0 && !u.peerGone;
    while (u.received < u.limit) {
        qint64 want = std::min(u.readChunk, u.limit - u.received);
        if (throttled)
            want = std::min<qint64>(want, qint64(u.credit));
        if (want <= 0)
            break;
        const char *data = nullptr;
        qint64 n = 0;
        if (!inbuf.isEmpty()) { // read together with the head
            n = std::min<qint64>(want, inbuf.size());
            data = inbuf.constData();
        } else {
            chunk.resize(want);
            n = socket->read(chunk.data(), want);
            data = chunk.constData();
        }
        if (n <= 0)
            break;
        if (u.file.isOpen() && u.file.write(data, n) != n) {
            qWarning("FaultServer: writing %s failed: %s",
                     qPrintable(u.file.fileName()),
                     qPrintable(u.file.errorString()));
            u.file.close(); // keep counting and hashing; bodyFile is then short
        }
        u.hash.addData(data, n);
        if (data == inbuf.constData())
            inbuf.remove(0, n);
        u.received += n;
        q->d->uploads[u.uploadIndex].bytesReceived += n;
        if (tus)
            tusStored(n);
        if (throttled)
            u.credit -= double(n);
        reportUploadProgress(false);
    }
    if (u.received < u.limit) {
        if (u.peerGone) { // nothing more will come
            endUploadBody();
            finish();
        }
        return;
    }

    endUploadBody();
    if (u.peerGone)
        return finish();
    switch (u.cut) {
    case UploadTransfer::Cut::Drop:
        socket->abort();
        finish();
        break;
    case UploadTransfer::Cut::Stall:
        state = State::Stalled;
        u.hangupPoll = new QTimer(this);
        connect(u.hangupPoll, &QTimer::timeout, this, [this] {
#if defined(Q_OS_LINUX)
            // Qt would only see the peer's FIN behind the bytes we refuse to read; POLLRDHUP
            // reports it at once.
            pollfd p = {int(socket->socketDescriptor()), POLLRDHUP, 0};
            if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) {
                socket->abort();
                finish();
            }
#endif
        });
        u.hangupPoll->start(HangupPollMs);
        // Final now. The client giving up often cannot be seen: its FIN queues behind the
        // bytes we refuse to read.
        u.reported = true;
        Q_EMIT q->uploadFinished(path, u.pathIndex);
        break;
    case UploadTransfer::Cut::None:
        respondUpload();
        break;
    }
}

void FaultServer::Connection::endUploadBody()
{
    UploadTransfer &u = *up;
    if (u.bodyEnded)
        return;
    u.bodyEnded = true;
    if (u.throttleTimer) { // we may be inside its timeout()
        u.throttleTimer->stop();
        u.throttleTimer->deleteLater();
        u.throttleTimer = nullptr;
    }
    if (u.file.isOpen())
        u.file.close();
    ReceivedUpload &rec = q->d->uploads[u.uploadIndex];
    rec.sha256 = u.hash.hexResult();
    rec.complete = u.received == u.declared && !u.badFraming;
    reportUploadProgress(true);
}

void FaultServer::Connection::respondUpload()
{
    if (tus)
        return respondTusPatch();
    state = State::Responding;
    const Fault &f = up->fault;
    const Fault shape = answerFault(f);
    HeaderList headers;
    if (f.status != 0) {
        addStatusHeaders(headers, f);
        return answerPlain(f.status, f.errorBody, headers, shape);
    }
    const UploadRoute &route = up->route;
    headers = route.responseHeaders;
    const int status = route.successStatus;
    const bool hasContentType = !headerValue(headers, "content-type").isEmpty();
    if (status == 204 || status == 304) {
        useMem = true;
        return startResponse(status, headers, 0, shape);
    }
    if (route.generatedResponseBytes >= 0) {
        seed = 99;
        bodyOffset = 0;
        if (!hasContentType)
            addHeader(headers, "Content-Type", "application/octet-stream");
        return startResponse(status, headers, route.generatedResponseBytes, shape);
    }
    useMem = true;
    memBody = route.responseBody;
    if (!hasContentType)
        addHeader(headers, "Content-Type", "text/plain");
    startResponse(status, headers, memBody.size(), shape);
}

// Answers without reading the body. What the client still sends is read and thrown away until
// it leaves, so that its view of the answer is not destroyed by a reset.
void FaultServer::Connection::answerEarly(int status, const QByteArray &body, HeaderList headers)
{
    endUploadBody();
    up->draining = true;
    q->d->uploads[up->uploadIndex].bytesDiscarded += inbuf.size();
    inbuf.clear();
    linger = true;
    state = State::Responding;
    answerPlain(status, body, headers, Fault());
}

void FaultServer::Connection::reportUploadProgress(bool force)
{
    UploadTransfer &u = *up;
    if (u.received == u.lastReported)
        return;
    if (!force && u.received - u.lastReported < ProgressStep)
        return;
    u.lastReported = u.received;
    Q_EMIT q->uploadProgress(path, q->bodyBytesReceived(path));
}

void FaultServer::Connection::uploadPeerGone()
{
    // What arrived before the client left was received; take it (as far as the fault allows),
    // however slowly we were reading.
    up->peerGone = true;
    pumpUpload();
}

void FaultServer::Connection::finishUpload()
{
    endUploadBody();
    if (up->hangupPoll) { // we may be inside its timeout()
        up->hangupPoll->stop();
        up->hangupPoll->deleteLater();
        up->hangupPoll = nullptr;
    }
}

void FaultServer::setUploadRoute(const QByteArray &path, const UploadRoute &route)
{
    d->routes.remove(path);
    d->tusRoutes.remove(path);
    d->uploadRoutes.insert(path, UploadRouteState{route, 0});
}

void FaultServer::setUploadDirectory(const QString &dir)
{
    QDir().mkpath(dir);
    d->uploadDir = dir;
}

QString FaultServer::uploadDirectory() const
{
    return d->uploadDirectory();
}

QList<ReceivedUpload> FaultServer::uploads(const QByteArray &path) const
{
    return Internal::recordsFor(d->uploads, path);
}

qint64 FaultServer::bodyBytesReceived(const QByteArray &path) const
{
    qint64 total = 0;
    for (const auto &u : d->uploads) {
        if (Internal::recordMatches(u, path))
            total += u.bytesReceived;
    }
    return total;
}

} // namespace FaultTest
