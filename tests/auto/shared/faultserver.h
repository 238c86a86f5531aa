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
class QSslConfiguration;
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
    QByteArray path;  // the request's own path (without query)
    QByteArray route; // tus: the creation path it is recorded under (see TusRoute); else empty
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
    QByteArray route; // tus PATCH: the creation path (see TusRoute); else empty
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

// A minimal tus 1.0 server (https://tus.io/protocols/resumable-upload) with the creation and
// termination extensions (checksum with sha1 when `checksum`). Its creation path is the route's
// path; uploads live at <path>/<id>. Per request:
// - OPTIONS (anywhere on the route): 204 with Tus-Version, Tus-Extension, Tus-Max-Size,
//   Tus-Checksum-Algorithm; needs no Tus-Resumable. Every answer carries Tus-Resumable: 1.0.0.
// - script[method][n] applies to the n-th request with that method (0-based), then none. Its
//   status replaces the normal handling (retryAfter, location, errorBody, extraHeaders; a
//   PATCH body is read and thrown away first, or not at all with answerBeforeBody); otherwise
//   the request is handled and its extraHeaders join the answer. dropAfterBytes and
//   stallAfterBytes: PATCH: store that many body bytes, then reset / stop reading for good;
//   other methods: do the work (create, delete), then reset / never answer. throttle: PATCH
//   body read rate (`throttle` below when the fault sets none).
// - Without "Tus-Resumable: 1.0.0": 412 with Tus-Version.
// - POST <path>: Upload-Length (digits) required, else 400; above maxSize 413; Upload-Metadata
//   must be "key base64", ... (value optional, keys unique), else 400. Any body is discarded.
//   201 with Location (absolute, or the path alone with relativeLocation).
// - HEAD <path>/<id>: 200 with Upload-Offset, Upload-Length, Upload-Metadata (if given),
//   Cache-Control: no-store.
// - PATCH <path>/<id>, checked in this order: Tus-Resumable (412); to <path> itself: 405;
//   unknown/terminated/expired: goneStatus; Content-Type other than
//   application/offset+octet-stream: 415; Upload-Offset missing: 400, not the current offset:
//   409; (checksum) Upload-Checksum with an algorithm other than sha1 or a digest that is not
//   20 bytes: 400; offset + Content-Length > Upload-Length: 400 and nothing is stored. Errors
//   are answered after the body was read and thrown away. Otherwise the body is appended to
//   the upload's file as it arrives (the offset moves with every byte stored, so a cut keeps
//   what came); with Upload-Checksum it goes to a side file and is appended only if its sha1
//   matches, else 460 and the offset stays (a whole chunk whose answer is dropped is still
//   verified and stored; a partial one never). 204 with Upload-Offset.
//   A PATCH to an upload that another connection is still writing (stalled, or draining a
//   dead client's bytes) cuts that one first (as tusd 2 does), then checks the offset.
// - DELETE <path>/<id>: 204; the file is removed; later requests to it get goneStatus.
// - Other methods: 405.
// Records: every request (to <path> and to <path>/<id>) is in requests(<path>) with
// RequestRecord::path the real path and route == <path> (requests(<path>/<id>) lists one
// upload's). PATCHes are also in uploads(<path>) (bodyFile empty: the bytes are in
// TusUpload::file; sha256 and bytesReceived are the request's body's), so uploadProgress
// (total: PATCH body bytes read at <path>) and uploadFinished report them with <path>;
// requestReceived/responseFinished use <path> too; tusRequestFinished ends every request.
struct TusRoute
{
    QHash<QByteArray, QList<Fault>> script; // by method: "POST", "HEAD", "PATCH", ...
    qint64 maxSize = 0;                     // Tus-Max-Size; 0: no limit
    bool checksum = false;                  // offer the checksum extension (sha1)
    bool relativeLocation = false;          // Location: /files/<id> instead of http://...
    int goneStatus = 404;                   // for unknown, terminated and expired uploads
    qint64 throttle = 0;                    // PATCH body bytes/s for requests whose fault sets none
};

struct TusUpload
{
    QByteArray id;
    QByteArray path; // <creation path>/<id>
    qint64 length = 0;
    qint64 offset = 0; // bytes stored in `file`
    QByteArray metadataRaw;
    QList<QPair<QByteArray, QByteArray>> metadata; // decoded, in the order sent
    QString file;
    bool terminated = false; // DELETEd: the file is gone
    bool expired = false;    // expireTusUploads(): the file is kept
    QByteArray sha256;       // hex, lowercase, of the stored bytes once offset == length
};

class FaultServer : public QObject
{
    Q_OBJECT
public:
    explicit FaultServer(QObject *parent = nullptr);
    ~FaultServer() override;

    bool listen(quint16 port = 0); // loopback only; 0 = ephemeral
    quint16 port() const;
    QUrl url(const QByteArray &path) const; // http(s)://127.0.0.1:<port><path>

    // HTTPS: every connection is served over TLS with `configuration` (local certificate and
    // private key). Call before listen(). A client that rejects the handshake sends no request,
    // so it leaves no record.
    void setSslConfiguration(const QSslConfiguration &configuration);
    bool isEncrypted() const;

    void setRoute(const QByteArray &path, const Route &route);
    // Replace the entity (e.g. a new seed and ETag) keeping the route's script position.
    void setEntity(const QByteArray &path, const Entity &entity);

    // A path is a download route or an upload route; setting one kind replaces the other.
    void setUploadRoute(const QByteArray &path, const UploadRoute &route);
    // Where body files go; default: a temporary directory the server owns (and removes).
    void setUploadDirectory(const QString &dir);
    QString uploadDirectory() const;

    // A tus server at `path` (see TusRoute); replaces another route there. Setting it again
    // restarts the scripts and keeps the uploads.
    void setTusRoute(const QByteArray &path, const TusRoute &route);
    // Every upload at `path` now counts as unknown (goneStatus), as after a server-side expiry;
    // files are kept. A PATCH still reading into one goes on storing, but gets goneStatus.
    void expireTusUploads(const QByteArray &path);
    QList<TusUpload> tusUploads(const QByteArray &path) const; // in creation order
    // PATCH body bytes read at `path`, stored or thrown away (also after an early answer).
    qint64 tusBytesReceived(const QByteArray &path) const;
    int tusRequestCount(const QByteArray &path, const QByteArray &method) const;

    // Every request, to upload routes too (those are recorded when their head arrives).
    // Matches RequestRecord::path or ::route.
    QList<RequestRecord> requests(const QByteArray &path = QByteArray()) const; // all if empty
    int requestCount(const QByteArray &path) const;
    qint64 bodyBytesSent(const QByteArray &path) const; // total over all requests to the route
    int openConnections() const;
    // Download responses to `path` held by stallAfterBytes send the rest of their body at full
    // speed and end as their fault says otherwise ("hold until released"); returns how many.
    int releaseStalled(const QByteArray &path);
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
    // A request to the tus route at `path` is over: its answer went out (status), or there
    // was none (0: dropped, or the client left a stalled request).
    void tusRequestFinished(const QByteArray &path, const QByteArray &method, int status);

private:
    class Connection;
    struct Private;
    void acceptFrom(QTcpServer *server);
    std::unique_ptr<Private> d;
};

} // namespace FaultTest
