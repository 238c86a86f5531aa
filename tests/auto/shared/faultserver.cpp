#include "faultserver_p.h"

#include <QtCore/QDateTime>
#include <QtCore/QIODevice>
#include <QtCore/QLocale>
#include <QtCore/QtEndian>
#include <QtNetwork/QHostAddress>
#include <QtNetwork/QSslServer>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>

#include <zlib.h>

#include <algorithm>
#include <cstring>

#if defined(Q_OS_UNIX)
#include <sys/socket.h>
#endif

namespace FaultTest {

using namespace Internal;

namespace {

// splitmix64-style finaliser over (seed, block): cheap, stateless, any offset addressable.
quint64 mixBlock(quint32 seed, quint64 block)
{
    quint64 z = (quint64(seed) * 0xD1B54A32D192ED03ull) ^ (block * 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

} // namespace

namespace Internal {

QByteArray reasonPhrase(int status)
{
    // clang-format off
    static const QHash<int, QByteArray> phrases = {
        {200, "OK"}, {206, "Partial Content"}, {301, "Moved Permanently"}, {302, "Found"},
        {303, "See Other"}, {304, "Not Modified"}, {307, "Temporary Redirect"},
        {308, "Permanent Redirect"}, {400, "Bad Request"}, {401, "Unauthorized"},
        {403, "Forbidden"}, {404, "Not Found"}, {405, "Method Not Allowed"},
        {408, "Request Timeout"}, {410, "Gone"}, {411, "Length Required"},
        {412, "Precondition Failed"}, {413, "Content Too Large"},
        {416, "Range Not Satisfiable"}, {429, "Too Many Requests"},
        {431, "Request Header Fields Too Large"}, {500, "Internal Server Error"},
        {502, "Bad Gateway"}, {503, "Service Unavailable"}, {504, "Gateway Timeout"},
        // tus
        {201, "Created"}, {204, "No Content"}, {409, "Conflict"}, {415, "Unsupported Media Type"},
        {423, "Locked"}, {460, "Checksum Mismatch"}};
    // clang-format on
    return phrases.value(status, QByteArrayLiteral("Scripted Status"));
}

QByteArray httpDateNow()
{
    return QLocale::c()
                   .toString(QDateTime::currentDateTimeUtc(),
                             QStringLiteral("ddd, dd MMM yyyy hh:mm:ss"))
                   .toLatin1()
           + QByteArrayLiteral(" GMT");
}

void addHeader(HeaderList &headers, const char *name, const QByteArray &value)
{
    headers.append(qMakePair(QByteArray(name), value));
}

QByteArray headerValue(const HeaderList &headers, const QByteArray &name)
{
    QByteArray result;
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) != 0)
            continue;
        if (!result.isEmpty())
            result += ", ";
        result += h.second;
    }
    return result;
}

} // namespace Internal

namespace {

struct ByteRange
{
    qint64 first = 0;
    qint64 last = -1; // inclusive; -1 means "to the end"
    bool suffix = false;
};

// Single ranges only ("bytes=N-", "bytes=N-M", "bytes=-N"); anything else is ignored like a
// server that does not understand it would.
bool parseRange(const QByteArray &value, ByteRange *out)
{
    const QByteArray v = value.trimmed();
    if (!v.startsWith("bytes=") || v.contains(','))
        return false;
    const QByteArray spec = v.mid(6).trimmed();
    const qsizetype dash = spec.indexOf('-');
    if (dash < 0)
        return false;
    const QByteArray a = spec.left(dash).trimmed();
    const QByteArray b = spec.mid(dash + 1).trimmed();
    bool ok = true;
    if (a.isEmpty()) {
        out->suffix = true;
        out->first = b.toLongLong(&ok);
        return ok && out->first >= 0;
    }
    out->first = a.toLongLong(&ok);
    if (!ok || out->first < 0)
        return false;
    if (b.isEmpty())
        return true;
    out->last = b.toLongLong(&ok);
    return ok && out->last >= out->first;
}

// gzip of entity bytes [offset, offset+length), in one go: this fault is only used with small
// bodies, so buffering is fine here (and nowhere else).
QByteArray gzipSlice(const Entity &e, qint64 offset, qint64 length)
{
    QByteArray plain(length, Qt::Uninitialized);
    FaultServer::fillContent(e.seed, offset, plain.data(), length);
    z_stream zs;
    std::memset(&zs, 0, sizeof zs);
    // windowBits 15 + 16 asks zlib for gzip framing instead of a zlib header.
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY)
        != Z_OK)
        return QByteArray();
    QByteArray out(qsizetype(deflateBound(&zs, uLong(length))), Qt::Uninitialized);
    zs.next_in = reinterpret_cast<Bytef *>(plain.data());
    zs.avail_in = uInt(length);
    zs.next_out = reinterpret_cast<Bytef *>(out.data());
    zs.avail_out = uInt(out.size());
    const bool ok = deflate(&zs, Z_FINISH) == Z_STREAM_END;
    out.resize(qsizetype(zs.total_out));
    deflateEnd(&zs);
    return ok ? out : QByteArray();
}

} // namespace

QByteArray RequestRecord::header(const QByteArray &name) const
{
    return headerValue(headers, name);
}

FaultServer::Connection::Connection(FaultServer *server, QTcpSocket *s)
    : QObject(server)
    , q(server)
    , socket(s)
{
    socket->setParent(this);
    // Bounded, so that not reading (a stalled or throttled upload) pushes back through TCP.
    socket->setReadBufferSize(ChunkSize);
    connect(socket, &QTcpSocket::readyRead, this, &Connection::onReadyRead);
    connect(socket, &QTcpSocket::bytesWritten, this, &Connection::onBytesWritten);
    connect(socket, &QTcpSocket::disconnected, this, &Connection::onPeerGone);
    connect(socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError) {
        // A peer reset can arrive without a clean disconnected(); treat any error as the end.
        if (socket->state() != QAbstractSocket::ConnectedState)
            onPeerGone();
    });
    q->d->connections.append(this);
    // Data may already be buffered when the server hands the socket over.
    QTimer::singleShot(0, this, &Connection::onReadyRead);
}

FaultServer::Connection::~Connection()
{
    QObject::disconnect(socket, nullptr, this, nullptr);
    socket->abort();
}

void FaultServer::Connection::onReadyRead()
{
    if (state == State::Done)
        return;
    if (up) {
        // An upload reads its body at its own pace and never past a stall.
        if (state == State::ReadingUpload)
            return pumpUpload();
        if (state == State::Stalled)
            return;
        if (up->draining) {
            q->d->uploads[up->uploadIndex].bytesDiscarded += socket->readAll().size();
            return;
        }
    }
    inbuf += socket->readAll();
    if (state == State::ReadingHead) {
        const qsizetype end = inbuf.indexOf("\r\n\r\n");
        if (end < 0) {
            if (inbuf.size() > MaxRequestHead) {
                state = State::Responding;
                startResponse(431, {}, 0, Fault());
            }
            return;
        }
        if (!parseHead(end)) {
            state = State::Responding;
            startResponse(400, {}, 0, Fault());
            return;
        }
        inbuf.remove(0, end + 4);
        if (!q->d->tusRouteOf(path).isEmpty())
            return beginTus();
        if (isUpload())
            return beginUpload();
        state = State::ReadingBody;
    }
    if (state == State::ReadingBody) {
        // Read the whole request body first: closing with unread input would send a RST that
        // can destroy the response in flight.
        const qint64 take = std::min<qint64>(requestBodyLeft, inbuf.size());
        requestBodyLeft -= take;
        inbuf.clear();
        if (requestBodyLeft > 0)
            return;
        state = State::Responding;
        respond();
        return;
    }
    inbuf.clear(); // anything after the request (we answer one per connection) is discarded
}

bool FaultServer::Connection::parseHead(qsizetype headEnd)
{
    const QList<QByteArray> lines = inbuf.left(headEnd).split('\n');
    const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
    if (requestLine.size() != 3 || !requestLine.at(2).startsWith("HTTP/1."))
        return false;
    method = requestLine.at(0);
    QByteArray target = requestLine.at(1);
    if (target.startsWith("http://") || target.startsWith("https://")) {
        const qsizetype slash = target.indexOf('/', target.indexOf("//") + 2);
        target = slash < 0 ? QByteArrayLiteral("/") : target.mid(slash);
    }
    const qsizetype query = target.indexOf('?');
    path = query < 0 ? target : target.left(query);
    const qsizetype fragment = path.indexOf('#');
    if (fragment >= 0)
        path.truncate(fragment);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        if (line.isEmpty())
            continue;
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return false;
        reqHeaders.append(qMakePair(line.left(colon).trimmed(), line.mid(colon + 1).trimmed()));
        if (reqHeaders.last().first.compare("content-length", Qt::CaseInsensitive) == 0)
            requestBodyLeft = std::max<qint64>(0, reqHeaders.last().second.toLongLong());
    }
    return true;
}

void FaultServer::Connection::respond()
{
    if (tus)
        return respondTus();
    Private *d = q->d.get();
    RequestRecord rec;
    rec.method = method;
    rec.path = path;
    rec.headers = reqHeaders;
    pathIndex = q->requestCount(path);
    d->records.append(rec);
    record = int(d->records.size() - 1);
    const auto header = [&rec](const char *name) { return rec.header(QByteArray(name)); };

    HeaderList headers;
    if (d->uploadRoutes.contains(path)) { // with a method that uploads nothing
        addHeader(headers, "Allow", "PUT, POST, PATCH");
        return answerPlain(405, QByteArrayLiteral("method not allowed\n"), headers, Fault());
    }
    const auto it = d->routes.find(path);
    if (it == d->routes.end())
        return answerPlain(404, QByteArrayLiteral("no such path\n"), headers, Fault());
    RouteState &rs = it.value();
    const Fault fault
            = rs.served < rs.route.script.size() ? rs.route.script.at(rs.served) : rs.route.then;
    ++rs.served;
    const Entity entity = rs.route.entity;

    if (method != "GET" && method != "HEAD") {
        addHeader(headers, "Allow", "GET, HEAD");
        return answerPlain(405, QByteArrayLiteral("method not allowed\n"), headers, Fault());
    }

    if (fault.status != 0) {
        if (!fault.retryAfter.isEmpty())
            addHeader(headers, "Retry-After", fault.retryAfter);
        if (!fault.location.isEmpty())
            addHeader(headers, "Location", fault.location);
        return answerPlain(fault.status, fault.errorBody, headers, fault);
    }

    const qint64 size = entity.size;
    const QByteArray sizeText = QByteArray::number(size);
    int status = 200;
    qint64 first = 0;
    qint64 last = size - 1;
    ByteRange range;
    bool useRange = !fault.ignoreRange && parseRange(header("Range"), &range);
    const QByteArray ifRange = header("If-Range");
    if (useRange && !ifRange.isEmpty()) {
        // An entity tag starts with a quote (W/ for weak tags, which never match here).
        const bool isTag = ifRange.startsWith('"') || ifRange.startsWith("W/");
        useRange = isTag ? (!entity.etag.isEmpty() && ifRange == entity.etag)
                         : (!entity.lastModified.isEmpty() && ifRange == entity.lastModified);
    }
    if (useRange) {
        if (range.suffix) {
            first = std::max<qint64>(0, size - range.first);
            if (range.first == 0)
                first = size; // "bytes=-0" cannot be satisfied
        } else {
            first = range.first;
            if (range.last >= 0)
                last = std::min(range.last, size - 1);
        }
        if (first >= size) {
            addHeader(headers, "Content-Range", "bytes */" + sizeText);
            startResponse(416, headers, 0, Fault());
            return;
        }
        // Only the start moves; the end stays what the client asked for (or size-1).
        if (fault.contentRangeShift != 0)
            first = std::clamp<qint64>(first + fault.contentRangeShift, 0, last);
        status = 206;
        addHeader(headers,
                  "Content-Range",
                  "bytes " + QByteArray::number(first) + '-' + QByteArray::number(last) + '/'
                          + sizeText);
    }
    const qint64 length = std::max<qint64>(0, last - first + 1);
    seed = entity.seed;
    bodyOffset = first;
    qint64 wireLength = length;
    addHeader(headers, "Content-Type", "application/octet-stream");
    if (fault.gzipWhenAsked && header("Accept-Encoding").toLower().contains("gzip")) {
        // The selected bytes are compressed as they are; a 206 keeps its identity-based
        // Content-Range, which is itself a fault a careful client must notice.
        useMem = true;
        memBody = gzipSlice(entity, first, length);
        wireLength = memBody.size();
        addHeader(headers, "Content-Encoding", "gzip");
    }
    if (!entity.etag.isEmpty())
        addHeader(headers, "ETag", entity.etag);
    if (!entity.lastModified.isEmpty())
        addHeader(headers, "Last-Modified", entity.lastModified);
    addHeader(headers, "Accept-Ranges", "bytes");
    startResponse(status, headers, wireLength, fault);
}

// A small text body that is no entity (errors, redirects, scripted statuses).
void FaultServer::Connection::answerPlain(int status,
                                          const QByteArray &body,
                                          HeaderList headers,
                                          const Fault &fault)
{
    useMem = true;
    memBody = body;
    addHeader(headers, "Content-Type", "text/plain");
    startResponse(status, headers, body.size(), fault);
}

void FaultServer::Connection::startResponse(int status,
                                            const HeaderList &headers,
                                            qint64 bodyLength,
                                            const Fault &fault)
{
    QByteArray head = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status)
                      + "\r\nDate: " + httpDateNow() + "\r\nConnection: close\r\n";
    if (!fault.omitContentLength)
        head += "Content-Length: " + QByteArray::number(bodyLength) + "\r\n";
    if (tus)
        head += "Tus-Resumable: 1.0.0\r\n";
    for (const auto &h : headers)
        head += h.first + ": " + h.second + "\r\n";
    for (const auto &h : fault.extraHeaders)
        head += h.first + ": " + h.second + "\r\n";
    head += "\r\n";

    if (method == "HEAD")
        bodyLength = 0;
    sendLimit = bodyLength;
    if (fault.dropAfterBytes >= 0 && fault.dropAfterBytes < sendLimit) {
        sendLimit = fault.dropAfterBytes;
        cut = Cut::Drop;
    }
    if (fault.stallAfterBytes >= 0 && fault.stallAfterBytes < sendLimit) {
        afterStallLimit = sendLimit;
        afterStallCut = cut;
        sendLimit = fault.stallAfterBytes;
        cut = Cut::Stall;
    }
    throttle = fault.throttle;

    if (up)
        q->d->uploads[up->uploadIndex].status = status;
    if (record >= 0) {
        q->d->records[record].status = status;
        Q_EMIT q->requestReceived(path, pathIndex);
    }

    headPending += head.size(); // on top of a 100 Continue that may still be unreported
    socket->write(head);
    if (throttle > 0 && sendLimit > 0) {
        throttleTimer = new QTimer(this);
        throttleTimer->setTimerType(Qt::PreciseTimer);
        throttleTimer->setInterval(ThrottleTickMs);
        connect(throttleTimer, &QTimer::timeout, this, [this] {
            // Token bucket capped at 100 ms worth, so a late tick never turns into a burst.
            credit += double(throttle) * double(throttleClock.restart()) / 1000.0;
            credit = std::min(credit, std::max(double(throttle) / 10.0, 1.0));
            pump();
        });
        throttleClock.start();
        throttleTimer->start();
    }
    pump();
}

bool FaultServer::Connection::releaseStall(const QByteArray &forPath)
{
    if (path != forPath || cut != Cut::Stall || up || tus || state == State::Done)
        return false;
    sendLimit = afterStallLimit;
    cut = afterStallCut;
    throttle = 0; // its timer is gone once the stall point was reached
    if (state == State::Stalled)
        state = State::Responding;
    pump();
    return true;
}

void FaultServer::Connection::onBytesWritten(qint64 n)
{
    const qint64 headPart = std::min(n, headPending);
    headPending -= headPart;
    n -= headPart;
    if (n > 0) {
        delivered += n;
        if (record >= 0)
            q->d->records[record].bodyBytesSent += n;
        reportProgress(false);
    }
    pump();
}

void FaultServer::Connection::pump()
{
    if (state != State::Responding)
        return;
    while (queued < sendLimit && socket->bytesToWrite() < MaxQueued) {
        qint64 n = std::min(ChunkSize, sendLimit - queued);
        if (throttle > 0)
            n = std::min<qint64>(n, qint64(credit));
        if (n <= 0)
            break;
        if (useMem) {
            socket->write(memBody.constData() + queued, n);
        } else {
            chunk.resize(n);
            fillContent(seed, bodyOffset + queued, chunk.data(), n);
            socket->write(chunk.constData(), n);
        }
        queued += n;
        if (throttle > 0)
            credit -= double(n);
    }
    if (queued < sendLimit || socket->bytesToWrite() > 0)
        return;

    // Everything we meant to send has reached the kernel.
    delete throttleTimer;
    throttleTimer = nullptr;
    reportProgress(true);
    switch (cut) {
    case Cut::Stall:
        state = State::Stalled; // keep the socket open until the peer leaves
        break;
    case Cut::Drop:
        socket->abort();
        finish();
        break;
    case Cut::None:
        if (linger)
            return lingeringClose();
        socket->disconnectFromHost(); // disconnected() -> finish()
        if (socket->state() == QAbstractSocket::UnconnectedState)
            finish();
        break;
    }
}

// After an answer that left request bytes unread: closing now would reset the connection and
// could destroy the answer before the client read it. So send FIN only, discard what still
// arrives, and close once the client has gone (or after a grace period).
void FaultServer::Connection::lingeringClose()
{
#if defined(Q_OS_UNIX)
    ::shutdown(int(socket->socketDescriptor()), SHUT_WR);
#endif
    QTimer::singleShot(10000, this, [this] {
        socket->abort();
        finish();
    });
}

void FaultServer::Connection::onPeerGone()
{
    if (up && state == State::ReadingUpload)
        return uploadPeerGone();
    finish();
}

void FaultServer::Connection::reportProgress(bool force)
{
    if (record < 0 || delivered == lastReported)
        return;
    if (!force && delivered - lastReported < ProgressStep)
        return;
    lastReported = delivered;
    Q_EMIT q->bodyProgress(path, q->bodyBytesSent(path));
}

void FaultServer::Connection::finish()
{
    if (state == State::Done)
        return;
    state = State::Done;
    delete throttleTimer;
    throttleTimer = nullptr;
    q->d->connections.removeOne(this);
    reportProgress(true);
    if (up)
        finishUpload();
    if (tus)
        finishTus();
    if (record >= 0)
        Q_EMIT q->responseFinished(path, pathIndex);
    if (up && !up->reported)
        Q_EMIT q->uploadFinished(path, up->pathIndex);
    deleteLater();
}

FaultServer::FaultServer(QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>())
{
    d->server = new QTcpServer(this);
    acceptFrom(d->server);
}

void FaultServer::acceptFrom(QTcpServer *server)
{
    // Only once a connection is pending: a QSslServer holds it back until its handshake is done.
    connect(server, &QTcpServer::pendingConnectionAvailable, this, [this, server] {
        while (QTcpSocket *socket = server->nextPendingConnection())
            new Connection(this, socket);
    });
}

void FaultServer::setSslConfiguration(const QSslConfiguration &configuration)
{
    if (d->server->isListening()) {
        qWarning("FaultServer::setSslConfiguration() after listen() is ignored");
        return;
    }
    auto *tls = new QSslServer(this);
    tls->setSslConfiguration(configuration);
    delete d->server;
    d->server = tls;
    acceptFrom(tls);
}

bool FaultServer::isEncrypted() const
{
    return qobject_cast<QSslServer *>(d->server) != nullptr;
}

FaultServer::~FaultServer()
{
    d->server->close();
    // Connections reach into d, so they must go before it does (QObject would delete them later).
    const QList<Connection *> live = d->connections;
    d->connections.clear();
    qDeleteAll(live);
    // Finished connections still waiting for deleteLater are children and go with QObject;
    // they no longer touch d.
}

bool FaultServer::listen(quint16 port)
{
    if (d->server->isListening())
        return true;
    return d->server->listen(QHostAddress(QHostAddress::LocalHost), port);
}

quint16 FaultServer::port() const
{
    return d->server->serverPort();
}

QUrl FaultServer::url(const QByteArray &path) const
{
    const QString scheme = isEncrypted() ? QStringLiteral("https") : QStringLiteral("http");
    return QUrl(QStringLiteral("%1://127.0.0.1:%2").arg(scheme).arg(port())
                + QString::fromLatin1(path));
}

void FaultServer::setRoute(const QByteArray &path, const Route &route)
{
    d->uploadRoutes.remove(path);
    d->tusRoutes.remove(path);
    d->routes.insert(path, RouteState{route, 0});
}

void FaultServer::setEntity(const QByteArray &path, const Entity &entity)
{
    d->routes[path].route.entity = entity;
}

QList<RequestRecord> FaultServer::requests(const QByteArray &path) const
{
    return Internal::recordsFor(d->records, path);
}

int FaultServer::requestCount(const QByteArray &path) const
{
    return int(requests(path).size());
}

qint64 FaultServer::bodyBytesSent(const QByteArray &path) const
{
    qint64 total = 0;
    for (const auto &r : requests(path))
        total += r.bodyBytesSent;
    return total;
}

int FaultServer::openConnections() const
{
    return int(d->connections.size());
}

int FaultServer::releaseStalled(const QByteArray &path)
{
    int released = 0;
    const QList<Connection *> live = d->connections; // one that ends leaves the list
    for (Connection *c : live)
        released += c->releaseStall(path) ? 1 : 0;
    return released;
}

char FaultServer::contentByte(quint32 seed, qint64 offset)
{
    const quint64 v = mixBlock(seed, quint64(offset) / 8);
    return char((v >> (8 * (quint64(offset) % 8))) & 0xff);
}

void FaultServer::fillContent(quint32 seed, qint64 offset, char *data, qint64 length)
{
    // Unaligned head and tail byte by byte, whole 8-byte blocks in between.
    for (; length > 0 && offset % 8 != 0; --length)
        *data++ = contentByte(seed, offset++);
    for (; length >= 8; length -= 8, offset += 8, data += 8)
        qToLittleEndian<quint64>(mixBlock(seed, quint64(offset) / 8), data);
    for (; length > 0; --length)
        *data++ = contentByte(seed, offset++);
}

// Feeds the entity to `sink` in 1 MiB pieces; stops early when the sink returns false.
template<typename Sink>
static bool streamContent(const Entity &entity, Sink sink)
{
    QByteArray buf(1024 * 1024, Qt::Uninitialized);
    for (qint64 offset = 0; offset < entity.size;) {
        const qint64 n = std::min<qint64>(buf.size(), entity.size - offset);
        FaultServer::fillContent(entity.seed, offset, buf.data(), n);
        if (!sink(buf.constData(), n))
            return false;
        offset += n;
    }
    return true;
}

QByteArray FaultServer::contentSha256(const Entity &entity)
{
    Sha256 hash;
    streamContent(entity, [&hash](const char *data, qint64 n) {
        hash.addData(data, n);
        return true;
    });
    return hash.hexResult();
}

bool FaultServer::writeContent(QIODevice *device, const Entity &entity)
{
    return device && device->isWritable()
           && streamContent(entity, [device](const char *data, qint64 n) {
                  return device->write(data, n) == n;
              });
}

} // namespace FaultTest
