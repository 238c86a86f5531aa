#pragma once

// A scripted HTTP/1.1 server on loopback for tests and the demo. Bodies are generated from
// (size, seed) on the fly, and request bodies of uploads are streamed to files, so nothing large
// is ever held in memory.

#include <QtCore/QByteArray>
#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QPair>
#include <QtCore/QString>
#include <QtCore/QUrl>

#include <memory>

class QIODevice;
class QTcpServer;

namespace FaultTest {

// The resource a route serves: `size` bytes of deterministic content derived from `seed`.
struct Entity
{
    qint64 size = 0;
    quint32 seed = 1;
    QByteArray etag = "\"v1\"";                               // empty: no ETag header
    QByteArray lastModified = "Tue, 01 Sep 2026 10:00:00 GMT"; // empty: no Last-Modified
};

// What the server does to one request. Fields combine; defaults mean "behave correctly".
// On an upload route the byte counts refer to the request body the server reads (see
// UploadRoute); on a download route to the response body it sends.
struct Fault
{
    int status = 0;                    // non-zero: answer with this status and errorBody, no entity
    QByteArray errorBody = "error body that must never reach a file";
    QByteArray retryAfter;             // Retry-After header value, e.g. "7" or an HTTP-date
    QByteArray location;               // Location header value (for 3xx)
    qint64 dropAfterBytes = -1;        // close the connection after this many body bytes
    qint64 stallAfterBytes = -1;       // stop sending (uploads: reading) after this many body
                                       // bytes; keep the connection open
    qint64 throttle = 0;               // bytes per second; 0 = as fast as possible
    bool answerBeforeBody = false;     // uploads: answer `status` right after the request head
    bool ignoreRange = false;          // answer 200 with the whole entity even to a Range request
    qint64 contentRangeShift = 0;      // 206 whose Content-Range (and body) starts this far off
    bool gzipWhenAsked = false;        // gzip the body when Accept-Encoding allows it
    bool omitContentLength = false;    // no Content-Length; the end is marked by closing
    QList<QPair<QByteArray, QByteArray>> extraHeaders;
};

struct Route
{
    Entity entity;
    // Request n (0-based) to this route gets script[n]; once the script is used up,
    // every further request gets `then`.
    QList<Fault> script;
    Fault then;
};

struct RequestRecord
{
    QByteArray method;
    QByteArray path;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray header(const QByteArray &name) const; // case-insensitive; empty if absent
    int status = 0;        // what the server answered
    qint64 bodyBytesSent = 0; // updated while the body goes out
};

// A route that receives request bodies (PUT, POST, PATCH; other methods get 405). Request n
// gets script[n], then `then`. Per request, in this order:
// - status with answerBeforeBody: answered right after the head (no 100 Continue, body unread);
// - dropAfterBytes (<= the body length): the connection is reset after that many body bytes,
//   no answer; equal to the length means "stored, but the answer is lost";
// - stallAfterBytes (<= the body length): reading stops there, the connection stays open
//   (until the client's leaving can be seen: often only when the server is destroyed, since
//   the client's FIN queues behind the bytes not read);
// - throttle: the body is read no faster than that (a client that dies mid-upload still has
//   its kernel's send buffer, up to a few MiB, drained at this rate);
// - status: answered after the whole body arrived (with retryAfter, location, errorBody);
// - otherwise successStatus with responseBody, or generatedResponseBytes of generated content
//   (seed 99) when >= 0.
// A fault's extraHeaders and omitContentLength shape the answer; its download-only fields are
// ignored. Every answer has Connection: close. "Expect: 100-continue" gets "100 Continue"
// before the body is read. Bodies need Content-Length ("Transfer-Encoding: chunked" is answered
// with 411); none means an empty body.
struct UploadRoute
{
    QList<Fault> script;
    Fault then;
    int successStatus = 201;
    QByteArray responseBody = "stored";
    qint64 generatedResponseBytes = -1;
    QList<QPair<QByteArray, QByteArray>> responseHeaders;
    bool storeBody = true; // false: only count and hash (no file; for huge benchmark bodies)
};

// One request to an upload route with an upload method. Body fields are final once the answer
// starts (or the connection was cut); the whole record once uploadFinished() was emitted.
struct ReceivedUpload
{
    QByteArray method;
    QByteArray path;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray header(const QByteArray &name) const; // case-insensitive; empty if absent
    QString bodyFile;           // what was received; empty if not stored
    qint64 bytesReceived = 0;   // body bytes read (and stored)
    qint64 declaredLength = -1; // Content-Length; -1 if the request had none
    QByteArray sha256;          // hex, lowercase, of the bytes received
    bool complete = false;      // all declared bytes arrived
    int status = 0;             // what the server answered; 0: no answer
    qint64 bytesDiscarded = 0;  // body bytes that arrived after an early answer, thrown away
};

class FaultServer : public QObject
{
    Q_OBJECT
public:
    explicit FaultServer(QObject *parent = nullptr);
    ~FaultServer() override;

    bool listen(quint16 port = 0); // loopback only; 0 = ephemeral
    quint16 port() const;
    QUrl url(const QByteArray &path) const; // http://127.0.0.1:<port><path>

    void setRoute(const QByteArray &path, const Route &route);
    // Replace the entity (e.g. a new seed and ETag) keeping the route's script position.
    void setEntity(const QByteArray &path, const Entity &entity);

    // A path is a download route or an upload route; setting one kind replaces the other.
    void setUploadRoute(const QByteArray &path, const UploadRoute &route);
    // Where body files go; default: a temporary directory the server owns (and removes).
    void setUploadDirectory(const QString &dir);
    QString uploadDirectory() const;

    // Every request, to upload routes too (those are recorded when their head arrives).
    QList<RequestRecord> requests(const QByteArray &path = QByteArray()) const; // all if empty
    int requestCount(const QByteArray &path) const;
    qint64 bodyBytesSent(const QByteArray &path) const; // total over all requests to the route
    int openConnections() const;
    QList<ReceivedUpload> uploads(const QByteArray &path = QByteArray()) const; // all if empty
    qint64 bodyBytesReceived(const QByteArray &path) const; // total over all uploads to the route

    // Content helpers, shared by tests and the demo to know what the right bytes are.
    static char contentByte(quint32 seed, qint64 offset);
    static void fillContent(quint32 seed, qint64 offset, char *data, qint64 length);
    static QByteArray contentSha256(const Entity &entity); // hex, lowercase
    static bool writeContent(QIODevice *device, const Entity &entity); // streams in chunks

Q_SIGNALS:
    // The answer to request `index` of `path` (as in requests(path)) starts; its status is set.
    void requestReceived(const QByteArray &path, int index);
    void bodyProgress(const QByteArray &path, qint64 totalBodyBytesSent);
    // The response to request `index` of `path` is over: fully sent, dropped, or the client
    // went away (a stalled response ends only then). Its RequestRecord is final.
    void responseFinished(const QByteArray &path, int index);
    // Every 64 KiB and when a body ends; the total counts all uploads to `path`.
    void uploadProgress(const QByteArray &path, qint64 totalBodyBytesReceived);
    // Upload `index` of `path` (as in uploads(path)) is over and its record final: its
    // connection ended or, for a stall, reading stopped for good.
    void uploadFinished(const QByteArray &path, int index);

private:
    class Connection;
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace FaultTest
