#pragma once

// A real tus server (tus_server.mjs: @tus/server with a FileStore) in a child node process, and
// the log of every request it saw. The test process owns the listening socket and hands it to
// each node it starts, so a server killed with SIGKILL comes back on the same port, and a client
// that connects meanwhile waits in the socket's backlog instead of being refused.

#include <QtCore/QByteArray>
#include <QtCore/QHash>
#include <QtCore/QJsonObject>
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QProcess>
#include <QtCore/QString>
#include <QtCore/QUrl>

#include <functional>
#include <memory>

namespace TusTest {

struct TusRequest
{
    int generation = 0; // which start of the server saw it: 1, 2, ...
    int n = 0;          // its number within that generation
    QByteArray method;
    QByteArray url;
    qint64 uploadOffset = -1; // request headers; -1 when absent
    qint64 uploadLength = -1;
    qint64 contentLength = -1;
    QByteArray uploadMetadata;
    QByteArray uploadChecksum;
    QByteArray tusResumable;
    int status = 0;             // 0: not answered yet; -1: the connection closed first
    qint64 responseOffset = -1; // Upload-Offset of the answer
    QByteArray location;        // of the answer

    bool settled() const { return status != 0; }
    QString describe() const;
};

class TusServer : public QObject
{
    Q_OBJECT

public:
    TusServer(const QString &node,
              const QString &modules,
              const QString &script,
              const QString &storeDirectory);
    ~TusServer() override;

    bool listen(); // the socket, on an ephemeral loopback port
    // Starts node on the socket and waits until it serves. `throttle`: at most this many body
    // bytes per second into the store (0: no limit).
    bool start(qint64 throttle = 0);
    bool kill(); // SIGKILL, and wait until it is gone
    bool isRunning() const;

    quint16 port() const { return m_port; }
    QUrl endpoint() const; // the creation URL, http://127.0.0.1:PORT/files
    int generation() const { return m_generation; }

    QList<TusRequest> requests() const { return m_requests; }
    QList<TusRequest> requests(const QByteArray &method, int sinceIndex = 0) const;
    QString describeLog() const; // every request so far, one a line, for failure messages
    QString errors() const { return QString::fromLocal8Bit(m_stderr); }

    // The id of the first upload the server created ("" until then), from its Location.
    QString firstUploadId() const;
    // Whether the running server is still writing a body into the upload's file (an aborted
    // PATCH can be answered before its last bytes reach the file).
    bool isWriting(const QString &id) const { return m_writes.value(id) > 0; }
    static QString uploadId(const QByteArray &location);
    QString storedPath(const QString &id) const;     // the upload's bytes
    QString storedInfoPath(const QString &id) const; // its JSON record (size, metadata)
    qint64 storedSize(const QString &id) const;      // -1 when absent
    QJsonObject storedMetadata(const QString &id) const;

private:
    void readOutput();
    void parseLine(const QByteArray &line);

    QString m_node;
    QString m_modules;
    QString m_script;
    QString m_store;
    int m_socket = -1;
    quint16 m_port = 0;
    int m_generation = 0;
    bool m_serving = false;
    std::unique_ptr<QProcess> m_process;
    QByteArray m_stderr;
    QList<TusRequest> m_requests;
    QHash<QString, int> m_writes; // bodies being written, by upload id
};

} // namespace TusTest
