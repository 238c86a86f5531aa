#pragma once

// Internals of FaultServer shared by faultserver.cpp (serving downloads, the connection's
// plumbing), faultserver_upload.cpp (receiving uploads) and faultserver_tus.cpp (the tus
// protocol on top of both). Not for tests to include.

#include "faultserver.h"
#include "sha256.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QHash>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimer>

#include <memory>

class QTcpSocket;

namespace FaultTest {
namespace Internal {

constexpr qint64 ChunkSize = 64 * 1024;
constexpr qint64 MaxQueued = 256 * 1024;     // Qt-side write buffer ceiling
constexpr qint64 ProgressStep = 64 * 1024;   // bodyProgress / uploadProgress granularity
constexpr qint64 MaxRequestHead = 64 * 1024; // refuse absurd request heads
constexpr int ThrottleTickMs = 20;

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

QByteArray reasonPhrase(int status);
QByteArray httpDateNow();
void addHeader(HeaderList &headers, const char *name, const QByteArray &value);
QByteArray headerValue(const HeaderList &headers, const QByteArray &name); // joined with ", "

struct RouteState
{
    Route route;
    int served = 0; // script position
};

struct UploadRouteState
{
    UploadRoute route;
    int served = 0;
};

// The request-body side of one upload connection.
struct UploadTransfer
{
    Fault fault;
    UploadRoute route;
    int uploadIndex = -1; // into Private::uploads
    int pathIndex = -1;   // among this path's uploads
    qint64 declared = 0;  // body length (0 when the request declared none)
    qint64 limit = 0;     // body bytes we will read before the cut (or the end)
    qint64 received = 0;
    qint64 lastReported = 0;
    qint64 readChunk = ChunkSize;
    enum class Cut { None, Drop, Stall } cut = Cut::None;
    QFile file;
    Internal::Sha256 hash;
    bool bodyEnded = false;  // the record's digest and completeness are final
    bool draining = false;   // answered early; unread input is discarded until the peer leaves
    bool peerGone = false;   // the client left while we were reading
    bool badFraming = false; // chunked or a bad Content-Length: the body's length is unknown
    bool reported = false;   // uploadFinished was emitted
    double credit = 0;
    QTimer *throttleTimer = nullptr;
    QElapsedTimer throttleClock;
    QTimer *hangupPoll = nullptr; // notices a peer leaving while we refuse to read (stall)
};

struct TusRouteState
{
    TusRoute route;
    QHash<QByteArray, int> served; // script position by method
};

// One request to a tus route (faultserver_tus.cpp).
struct TusRequest
{
    QByteArray route;  // the creation path; the connection's `path` while it lives
    QByteArray target; // the request's own path
    Fault fault;
    int upload = -1; // into Private::tusUploads; -1: none named, or unknown
    // PATCH: where the body goes, and the answer once it is in (errorStatus 0: success).
    enum class Sink { Discard, Append, Verify } sink = Sink::Discard;
    int errorStatus = 0;
    QByteArray errorBody;
    HeaderList errorHeaders;
    QByteArray sha1; // Verify: the digest the client announced
};

// Whether a record belongs to `path`: its own path, or the tus route it was recorded under.
template<typename Record>
bool recordMatches(const Record &r, const QByteArray &path)
{
    return r.path == path || (!r.route.isEmpty() && r.route == path);
}

// The records of one path, or all of them when the path is empty.
template<typename Record>
QList<Record> recordsFor(const QList<Record> &records, const QByteArray &path)
{
    if (path.isEmpty())
        return records;
    QList<Record> result;
    for (const Record &r : records) {
        if (recordMatches(r, path))
            result.append(r);
    }
    return result;
}

} // namespace Internal

struct FaultServer::Private
{
    QTcpServer *server = nullptr;
    QHash<QByteArray, Internal::RouteState> routes;
    QHash<QByteArray, Internal::UploadRouteState> uploadRoutes;
    QList<RequestRecord> records;
    QList<ReceivedUpload> uploads;
    QList<Connection *> connections;
    QString uploadDir; // empty: tempDir
    std::unique_ptr<QTemporaryDir> tempDir;
    int uploadFiles = 0; // names the next body file

    // tus (faultserver_tus.cpp)
    struct TusUploadState
    {
        QByteArray route;
        TusUpload upload;
        Connection *writer = nullptr; // the PATCH storing into it, if any
    };
    QHash<QByteArray, Internal::TusRouteState> tusRoutes;
    QList<TusUploadState> tusUploads;
    int tusIds = 0;

    QString uploadDirectory();
    QByteArray tusRouteOf(const QByteArray &path) const; // empty: not on a tus route
};

// One accepted socket: reads a single request, answers it, then closes.
class FaultServer::Connection : public QObject
{
public:
    Connection(FaultServer *server, QTcpSocket *socket);
    ~Connection() override;
    // FaultServer::releaseStalled() for this connection; false when it holds nothing of `path`.
    bool releaseStall(const QByteArray &forPath);

private:
    enum class State { ReadingHead, ReadingBody, ReadingUpload, Responding, Stalled, Done };
    enum class Cut { None, Drop, Stall };

    void onReadyRead();
    void onPeerGone();
    bool parseHead(qsizetype headEnd);
    void respond();
    void answerPlain(int status,
                     const QByteArray &body,
                     Internal::HeaderList headers,
                     const Fault &fault);
    void startResponse(int status,
                       const Internal::HeaderList &headers,
                       qint64 bodyLength,
                       const Fault &f);
    void onBytesWritten(qint64 n);
    void pump();
    void reportProgress(bool force);
    void lingeringClose();
    void finish();

    // Uploads (faultserver_upload.cpp).
    bool isUpload() const;
    void beginUpload();
    bool takeBodyFraming();
    void startReadingBody();
    void pumpUpload();
    void endUploadBody();
    void respondUpload();
    void answerEarly(int status, const QByteArray &body, Internal::HeaderList headers);
    void reportUploadProgress(bool force);
    void uploadPeerGone();
    void finishUpload();

    // tus (faultserver_tus.cpp).
    void beginTus();
    void beginTusPatch();
    void respondTus();
    void respondTusPatch();
    void answerTus(int status, Internal::HeaderList headers, const QByteArray &body = QByteArray());
    void tusStored(qint64 n);
    void stopTusWriter(int upload);
    void finishTus();

    FaultServer *q;
    QTcpSocket *socket;
    State state = State::ReadingHead;
    QByteArray inbuf;
    qint64 requestBodyLeft = 0;

    QByteArray method, path;
    Internal::HeaderList reqHeaders;
    int record = -1;    // index into d->records
    int pathIndex = -1; // index among this path's records

    // Body source: generated entity bytes from `bodyOffset`, or `memBody` when non-null.
    quint32 seed = 1;
    qint64 bodyOffset = 0;
    QByteArray memBody;
    bool useMem = false;
    qint64 sendLimit = 0;   // body bytes we will hand to the socket
    qint64 queued = 0;      // body bytes handed to the socket
    qint64 headPending = 0; // header bytes not yet reported by bytesWritten
    qint64 delivered = 0;   // body bytes the socket reported written
    qint64 lastReported = 0;
    Cut cut = Cut::None;
    qint64 afterStallLimit = 0; // what a released stall goes on to send, and how it ends
    Cut afterStallCut = Cut::None;
    bool linger = false; // half-close after the response, then wait for the peer to leave
    qint64 throttle = 0;
    double credit = 0;
    QTimer *throttleTimer = nullptr;
    QElapsedTimer throttleClock;
    QByteArray chunk;

    std::unique_ptr<Internal::UploadTransfer> up; // set for requests to upload routes
    std::unique_ptr<Internal::TusRequest> tus;    // set for requests to tus routes
};

} // namespace FaultTest
