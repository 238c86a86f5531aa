// The tus 1.0 side of FaultServer (see TusRoute in faultserver.h): creation, HEAD, termination
// and checksums here; PATCH bodies go through the upload plumbing (faultserver_upload.cpp), so
// they are streamed to disk with the same drop, stall and throttle faults.

#include "faultserver_p.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QRandomGenerator>
#include <QtNetwork/QTcpSocket>

#include <algorithm>

namespace FaultTest {

using namespace Internal;

namespace {

constexpr qint64 CopyChunk = 1024 * 1024;

QByteArray tusVersion()
{
    return QByteArrayLiteral("1.0.0");
}

// A non-negative decimal that fits a qint64 (no sign, no spaces).
bool isCount(const QByteArray &text)
{
    if (text.isEmpty() || text.size() > 18)
        return false;
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "key base64value,key2,..." (values optional, keys unique); false when malformed.
bool decodeMetadata(const QByteArray &raw, QList<QPair<QByteArray, QByteArray>> *out)
{
    if (raw.trimmed().isEmpty())
        return true;
    for (const QByteArray &part : raw.split(',')) {
        const QByteArray item = part.trimmed();
        const qsizetype space = item.indexOf(' ');
        const QByteArray key = space < 0 ? item : item.left(space);
        const QByteArray value = space < 0 ? QByteArray() : item.mid(space + 1).trimmed();
        if (key.isEmpty())
            return false;
        for (const auto &pair : std::as_const(*out)) {
            if (pair.first == key)
                return false;
        }
        const auto decoded
                = QByteArray::fromBase64Encoding(value, QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded)
            return false;
        out->append(qMakePair(key, decoded.decoded));
    }
    return true;
}

QByteArray fileSha256(const QString &name)
{
    Sha256 hash;
    QFile file(name);
    if (file.open(QIODevice::ReadOnly)) {
        QByteArray buf(CopyChunk, Qt::Uninitialized);
        for (qint64 n; (n = file.read(buf.data(), buf.size())) > 0;)
            hash.addData(buf.constData(), n);
    }
    return hash.hexResult();
}

// The upload's state after `n` more bytes were stored in its file.
void advance(TusUpload &u, qint64 n)
{
    u.offset += n;
    if (u.offset == u.length)
        u.sha256 = fileSha256(u.file);
}

// Appends a checksummed chunk (the side file `chunk`) when its sha1 matches; removes it.
// Returns 0 when stored, else the status to answer.
int commitChunk(TusUpload &u, const QString &chunk, const QByteArray &sha1)
{
    QFile in(chunk);
    if (!in.open(QIODevice::ReadOnly))
        return 500;
    QCryptographicHash hash(QCryptographicHash::Sha1);
    hash.addData(&in);
    int status = hash.result() == sha1 ? 0 : 460;
    if (status == 0) {
        QFile out(u.file);
        in.seek(0);
        QByteArray buf(CopyChunk, Qt::Uninitialized);
        qint64 n = 0;
        if (!out.open(QIODevice::WriteOnly | QIODevice::Append))
            status = 500;
        while (status == 0 && (n = in.read(buf.data(), buf.size())) > 0) {
            if (out.write(buf.constData(), n) != n)
                status = 500;
        }
        out.close();
        if (status == 0)
            advance(u, in.size());
    }
    in.close();
    in.remove();
    return status;
}

} // namespace

QByteArray FaultServer::Private::tusRouteOf(const QByteArray &path) const
{
    if (tusRoutes.contains(path))
        return path;
    // An upload: <route>/<id>, or <route><id> for a route that ends with '/'.
    const qsizetype slash = path.lastIndexOf('/');
    if (slash < 0 || slash == path.size() - 1)
        return QByteArray();
    if (slash > 0 && tusRoutes.contains(path.left(slash)))
        return path.left(slash);
    if (tusRoutes.contains(path.left(slash + 1)))
        return path.left(slash + 1);
    return QByteArray();
}

// Head parsed: record the request under its route, then read (PATCH) or discard its body.
void FaultServer::Connection::beginTus()
{
    Private *d = q->d.get();
    tus = std::make_unique<TusRequest>();
    TusRequest &t = *tus;
    t.route = d->tusRouteOf(path);
    t.target = path;
    TusRouteState &rs = d->tusRoutes[t.route];
    t.fault = rs.route.script.value(method).value(rs.served[method]++);
    if (t.fault.throttle == 0)
        t.fault.throttle = rs.route.throttle;
    for (int i = 0; i < d->tusUploads.size(); ++i) {
        if (d->tusUploads.at(i).route == t.route && d->tusUploads.at(i).upload.path == path)
            t.upload = i;
    }

    // Recorded now rather than when answered, so that cut and stalled requests count too. The
    // connection goes by the route's path from here on: signals and indices refer to it.
    RequestRecord rec;
    rec.method = method;
    rec.path = t.target;
    rec.route = t.route;
    rec.headers = reqHeaders;
    path = t.route;
    pathIndex = q->requestCount(path);
    d->records.append(rec);
    record = int(d->records.size() - 1);

    if (method == "PATCH")
        return beginTusPatch();
    state = State::ReadingBody; // any body is thrown away, then respond() -> respondTus()
    onReadyRead();
}

void FaultServer::Connection::beginTusPatch()
{
    Private *d = q->d.get();
    TusRequest &t = *tus;
    const TusRoute route = d->tusRoutes.value(t.route).route; // signals below may replace it
    up = std::make_unique<UploadTransfer>();
    up->fault = t.fault;
    ReceivedUpload rec;
    rec.method = method;
    rec.path = t.target;
    rec.route = t.route;
    rec.headers = reqHeaders;
    up->pathIndex = int(q->uploads(path).size());
    d->uploads.append(rec);
    up->uploadIndex = int(d->uploads.size() - 1);
    state = State::ReadingUpload;
    if (!takeBodyFraming())
        return;

    const auto fail = [&t](int status, const char *text) {
        t.errorStatus = status;
        t.errorBody = QByteArray(text);
    };
    const auto header = [this](const char *name) {
        return headerValue(reqHeaders, QByteArray(name)).trimmed();
    };
    const Fault &f = t.fault;
    Private::TusUploadState *s = t.upload >= 0 ? &d->tusUploads[t.upload] : nullptr;
    const QByteArray offsetText = header("upload-offset");
    const QList<QByteArray> checksum = header("upload-checksum").split(' ');
    if (f.status != 0) {
        t.errorStatus = f.status;
        t.errorBody = f.errorBody;
        if (!f.retryAfter.isEmpty())
            addHeader(t.errorHeaders, "Retry-After", f.retryAfter);
        if (!f.location.isEmpty())
            addHeader(t.errorHeaders, "Location", f.location);
        if (f.answerBeforeBody)
            return answerEarly(f.status, f.errorBody, t.errorHeaders + f.extraHeaders);
    } else if (header("tus-resumable") != tusVersion()) {
        fail(412, "Tus-Resumable: 1.0.0 required\n");
        addHeader(t.errorHeaders, "Tus-Version", tusVersion());
    } else if (t.target == t.route) {
        fail(405, "method not allowed\n");
        addHeader(t.errorHeaders, "Allow", "POST, OPTIONS");
    } else if (!s || s->upload.terminated || s->upload.expired) {
        fail(route.goneStatus, "no such upload\n");
    } else if (header("content-type").split(';').value(0).trimmed().toLower()
               != "application/offset+octet-stream") {
        fail(415, "Content-Type must be application/offset+octet-stream\n");
    } else {
        // Like tusd 2: the new request takes the upload over from one still writing to it.
        stopTusWriter(t.upload);
        s = &d->tusUploads[t.upload];
        if (!isCount(offsetText)) {
            fail(400, "Upload-Offset required\n");
        } else if (offsetText.toLongLong() != s->upload.offset) {
            fail(409, "Upload-Offset does not match\n");
        } else if (route.checksum && !header("upload-checksum").isEmpty()) {
            const auto digest = QByteArray::fromBase64Encoding(
                    checksum.value(1), QByteArray::AbortOnBase64DecodingErrors);
            if (checksum.size() != 2 || checksum.at(0) != "sha1")
                fail(400, "unsupported checksum algorithm\n");
            else if (!digest || digest.decoded.size() != 20)
                fail(400, "bad checksum\n");
            t.sink = TusRequest::Sink::Verify;
            t.sha1 = digest.decoded;
        }
        if (t.errorStatus == 0 && s->upload.offset + up->declared > s->upload.length)
            fail(400, "the body goes beyond Upload-Length\n"); // and nothing of it is kept
        if (t.errorStatus == 0 && t.sink == TusRequest::Sink::Discard)
            t.sink = TusRequest::Sink::Append;
    }
    if (t.errorStatus != 0)
        t.sink = TusRequest::Sink::Discard;

    // Appended as it arrives (unbuffered: the file always holds `offset` bytes), or kept aside
    // until its checksum was verified.
    if (t.sink == TusRequest::Sink::Append) {
        up->file.setFileName(s->upload.file);
        up->file.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Unbuffered);
    } else if (t.sink == TusRequest::Sink::Verify) {
        up->file.setFileName(s->upload.file + QStringLiteral(".chunk%1").arg(record));
        up->file.open(QIODevice::WriteOnly | QIODevice::Truncate);
    }
    if (t.sink != TusRequest::Sink::Discard) {
        if (!up->file.isOpen()) {
            qWarning("FaultServer: cannot write %s", qPrintable(up->file.fileName()));
            fail(500, "cannot store the body\n");
            t.sink = TusRequest::Sink::Discard;
        } else {
            s->writer = this;
        }
    }
    startReadingBody();
}

// PATCH body stored as it arrives: the offset moves with it.
void FaultServer::Connection::tusStored(qint64 n)
{
    if (tus->sink == TusRequest::Sink::Append && up->file.isOpen())
        advance(q->d->tusUploads[tus->upload].upload, n);
}

// The whole PATCH body was read (and the file closed).
void FaultServer::Connection::respondTusPatch()
{
    Private *d = q->d.get();
    TusRequest &t = *tus;
    if (t.upload >= 0 && d->tusUploads.at(t.upload).writer == this)
        d->tusUploads[t.upload].writer = nullptr;
    TusUpload *u = t.upload >= 0 ? &d->tusUploads[t.upload].upload : nullptr;
    if (t.errorStatus == 0 && (u->expired || u->terminated)) { // while the body came
        t.errorStatus = d->tusRoutes.value(t.route).route.goneStatus;
        t.errorBody = QByteArrayLiteral("no such upload\n");
    } else if (t.sink == TusRequest::Sink::Verify) {
        t.sink = TusRequest::Sink::Discard; // the side file is consumed either way
        t.errorStatus = commitChunk(*u, up->file.fileName(), t.sha1);
        t.errorBody = t.errorStatus == 460 ? QByteArrayLiteral("checksum mismatch\n")
                                           : QByteArrayLiteral("cannot store the body\n");
    }
    if (t.errorStatus != 0)
        return answerTus(t.errorStatus, t.errorHeaders, t.errorBody);
    HeaderList headers;
    addHeader(headers, "Upload-Offset", QByteArray::number(u->offset));
    answerTus(204, headers);
}

// Everything but PATCH, once any request body was thrown away.
void FaultServer::Connection::respondTus()
{
    Private *d = q->d.get();
    TusRequest &t = *tus;
    const TusRoute route = d->tusRoutes.value(t.route).route;
    const Fault &f = t.fault;
    const auto header = [this](const char *name) {
        return headerValue(reqHeaders, QByteArray(name)).trimmed();
    };
    HeaderList headers;
    if (f.status != 0) {
        if (!f.retryAfter.isEmpty())
            addHeader(headers, "Retry-After", f.retryAfter);
        if (!f.location.isEmpty())
            addHeader(headers, "Location", f.location);
        return answerTus(f.status, headers, f.errorBody);
    }
    if (method == "OPTIONS") { // the one request that needs no Tus-Resumable
        addHeader(headers, "Tus-Version", tusVersion());
        addHeader(headers,
                  "Tus-Extension",
                  route.checksum ? "creation,termination,checksum" : "creation,termination");
        if (route.checksum)
            addHeader(headers, "Tus-Checksum-Algorithm", "sha1");
        if (route.maxSize > 0)
            addHeader(headers, "Tus-Max-Size", QByteArray::number(route.maxSize));
        return answerTus(204, headers);
    }
    if (header("tus-resumable") != tusVersion()) {
        addHeader(headers, "Tus-Version", tusVersion());
        return answerTus(412, headers, "Tus-Resumable: 1.0.0 required\n");
    }
    const bool onUpload = t.target != t.route;
    if (onUpload ? method != "HEAD" && method != "DELETE" : method != "POST") {
        addHeader(headers, "Allow", onUpload ? "HEAD, PATCH, DELETE, OPTIONS" : "POST, OPTIONS");
        return answerTus(405, headers, "method not allowed\n");
    }

    if (method == "POST") {
        const QByteArray lengthText = header("upload-length");
        if (!isCount(lengthText))
            return answerTus(400, headers, "Upload-Length required\n");
        TusUpload u;
        u.length = lengthText.toLongLong();
        if (route.maxSize > 0 && u.length > route.maxSize)
            return answerTus(413, headers, "Upload-Length exceeds Tus-Max-Size\n");
        u.metadataRaw = header("upload-metadata");
        if (!decodeMetadata(u.metadataRaw, &u.metadata))
            return answerTus(400, headers, "bad Upload-Metadata\n");
        u.id = QByteArray::number(++d->tusIds) + '-'
               + QByteArray::number(QRandomGenerator::global()->generate(), 16);
        u.path = (t.route.endsWith('/') ? t.route : t.route + '/') + u.id;
        u.file = QStringLiteral("%1/tus-%2.bin")
                         .arg(d->uploadDirectory(), QString::fromLatin1(u.id));
        QFile file(u.file);
        if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly)) {
            qWarning("FaultServer: cannot create %s", qPrintable(u.file));
            return answerTus(500, headers, "cannot store the upload\n");
        }
        file.close();
        advance(u, 0); // an empty upload is complete at once
        d->tusUploads.append(Private::TusUploadState{t.route, u, nullptr});
        addHeader(
                headers, "Location", route.relativeLocation ? u.path : q->url(u.path).toEncoded());
        return answerTus(201, headers);
    }

    if (t.upload < 0 || d->tusUploads.at(t.upload).upload.terminated
        || d->tusUploads.at(t.upload).upload.expired)
        return answerTus(route.goneStatus, headers, "no such upload\n");
    if (method == "HEAD") {
        const TusUpload &u = d->tusUploads.at(t.upload).upload;
        addHeader(headers, "Upload-Offset", QByteArray::number(u.offset));
        addHeader(headers, "Upload-Length", QByteArray::number(u.length));
        if (!u.metadataRaw.isEmpty())
            addHeader(headers, "Upload-Metadata", u.metadataRaw);
        addHeader(headers, "Cache-Control", "no-store");
        return answerTus(200, headers);
    }
    stopTusWriter(t.upload); // DELETE
    TusUpload &u = d->tusUploads[t.upload].upload;
    QFile::remove(u.file);
    u.terminated = true;
    answerTus(204, headers);
}

// The answer (Tus-Resumable is added by startResponse), or its scripted absence: for methods
// other than PATCH, dropAfterBytes/stallAfterBytes mean "done, but never answered".
void FaultServer::Connection::answerTus(int status, HeaderList headers, const QByteArray &body)
{
    state = State::Responding;
    const Fault &f = tus->fault;
    if (method != "PATCH" && f.dropAfterBytes >= 0) {
        socket->abort();
        return finish();
    }
    if (method != "PATCH" && f.stallAfterBytes >= 0) {
        state = State::Stalled; // until the client leaves
        return;
    }
    Fault shape;
    shape.extraHeaders = f.extraHeaders;
    if (!body.isEmpty())
        return answerPlain(status, body, headers, shape);
    useMem = true;
    memBody.clear();
    shape.omitContentLength = status == 204; // RFC 9110 8.6: never on a 204
    startResponse(status, headers, 0, shape);
}

// Cuts the connection still writing into `upload` (a stalled PATCH, or one draining a client
// that is gone); what it stored stays.
void FaultServer::Connection::stopTusWriter(int upload)
{
    Connection *writer = q->d->tusUploads.at(upload).writer;
    if (!writer || writer == this)
        return;
    q->d->tusUploads[upload].writer = nullptr;
    writer->finish(); // first, so that the abort does not make it read on
    writer->socket->abort();
}

void FaultServer::Connection::finishTus()
{
    Private *d = q->d.get();
    TusRequest &t = *tus;
    if (t.upload >= 0 && d->tusUploads.at(t.upload).writer == this)
        d->tusUploads[t.upload].writer = nullptr;
    if (up && t.sink == TusRequest::Sink::Verify) {
        // Cut before it was answered: a chunk that arrived whole is still taken, as a server
        // would whose answer got lost; a partial one is useless without its checksum.
        TusUpload &u = d->tusUploads[t.upload].upload;
        if (up->received == up->declared && !u.expired && !u.terminated)
            commitChunk(u, up->file.fileName(), t.sha1);
        QFile::remove(up->file.fileName());
    }
    Q_EMIT q->tusRequestFinished(t.route, method, record >= 0 ? d->records.at(record).status : 0);
}

void FaultServer::setTusRoute(const QByteArray &path, const TusRoute &route)
{
    d->routes.remove(path);
    d->uploadRoutes.remove(path);
    d->tusRoutes.insert(path, TusRouteState{route, {}});
}

void FaultServer::expireTusUploads(const QByteArray &path)
{
    for (auto &s : d->tusUploads) {
        if (s.route == path)
            s.upload.expired = true;
    }
}

QList<TusUpload> FaultServer::tusUploads(const QByteArray &path) const
{
    QList<TusUpload> result;
    for (const auto &s : std::as_const(d->tusUploads)) {
        if (s.route == path)
            result.append(s.upload);
    }
    return result;
}

qint64 FaultServer::tusBytesReceived(const QByteArray &path) const
{
    qint64 total = 0;
    for (const auto &u : std::as_const(d->uploads)) {
        if (u.route == path)
            total += u.bytesReceived + u.bytesDiscarded;
    }
    return total;
}

int FaultServer::tusRequestCount(const QByteArray &path, const QByteArray &method) const
{
    return int(std::count_if(d->records.cbegin(), d->records.cend(), [&](const RequestRecord &r) {
        return r.route == path && r.method == method;
    }));
}

} // namespace FaultTest
