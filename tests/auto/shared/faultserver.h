#pragma once

// A scripted HTTP/1.1 server on loopback for tests and the demo. Bodies are generated from
// (size, seed) on the fly, so nothing large is ever held in memory.

#include <QtCore/QByteArray>
#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QPair>
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
struct Fault
{
    int status = 0;                    // non-zero: answer with this status and errorBody, no entity
    QByteArray errorBody = "error body that must never reach a file";
    QByteArray retryAfter;             // Retry-After header value, e.g. "7" or an HTTP-date
    QByteArray location;               // Location header value (for 3xx)
    qint64 dropAfterBytes = -1;        // close the connection after this many body bytes
    qint64 stallAfterBytes = -1;       // stop sending after this many body bytes; keep it open
    qint64 throttle = 0;               // bytes per second; 0 = as fast as possible
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

    QList<RequestRecord> requests(const QByteArray &path = QByteArray()) const; // all if empty
    int requestCount(const QByteArray &path) const;
    qint64 bodyBytesSent(const QByteArray &path) const; // total over all requests to the route
    int openConnections() const;

    // Content helpers, shared by tests and the demo to know what the right bytes are.
    static char contentByte(quint32 seed, qint64 offset);
    static void fillContent(quint32 seed, qint64 offset, char *data, qint64 length);
    static QByteArray contentSha256(const Entity &entity); // hex, lowercase
    static bool writeContent(QIODevice *device, const Entity &entity); // streams in chunks

Q_SIGNALS:
    void requestReceived(const QByteArray &path, int index);
    void bodyProgress(const QByteArray &path, qint64 totalBodyBytesSent);
    // The response to request `index` of `path` is over: fully sent, dropped, or the client
    // went away (a stalled response ends only then). Its RequestRecord is final.
    void responseFinished(const QByteArray &path, int index);

private:
    class Connection;
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace FaultTest
