#pragma once

// Shared by the engine-level queue tests: responses the server holds until the test lets them
// go, and a count of what the server is answering at any moment.

#include "downloadertest.h"

#include <QtCore/QHash>
#include <QtCore/QObject>
#include <QtCore/QPair>

namespace QueueTest {

using namespace DownloaderTest;

constexpr qint64 kKiB = 1024;
constexpr qint64 kMiB = 1024 * 1024;

// A response that sends its head and `after` body bytes, then waits for
// FaultServer::releaseStalled() (or for the client to leave).
inline FaultTest::Fault held(qint64 after = 16 * kKiB)
{
    FaultTest::Fault f;
    f.stallAfterBytes = after;
    return f;
}

// The harness's settings, with a stall timeout no test reaches: a held response must stay
// held until the test releases it.
inline Background::SessionConfiguration queueConfig(const TransferHarness &h)
{
    Background::SessionConfiguration c = h.config();
    c.setStallTimeout(std::chrono::minutes(10));
    return c;
}

// The start offset of a "bytes=N-" request header; -1 when there is none.
inline qint64 rangeStart(const FaultTest::RequestRecord &request)
{
    const QByteArray range = request.header("Range");
    if (!range.startsWith("bytes=") || !range.endsWith('-'))
        return -1;
    return range.mid(6).chopped(1).toLongLong();
}

// The paths of every request the server answered, in the order the answers began.
inline QByteArrayList requestOrder(const FaultTest::FaultServer &server)
{
    QByteArrayList paths;
    const auto all = server.requests();
    for (const auto &r : all)
        paths.append(r.path);
    return paths;
}

// Responses the server has begun and not finished, in total and by Host header (which tells
// 127.0.0.1 from localhost), with the highest counts seen. The server's count can only be
// lower than the client's: it ends a response when the last byte leaves, before the client
// has read it.
class InFlight
{
public:
    explicit InFlight(FaultTest::FaultServer *server)
    {
        QObject::connect(server,
                         &FaultTest::FaultServer::requestReceived,
                         &m_context,
                         [this, server](const QByteArray &path, int index) {
                             const QByteArray host
                                     = server->requests(path).at(index).header("Host");
                             m_open.insert({path, index}, host);
                             m_max = qMax(m_max, int(m_open.size()));
                             const int onHost = ++m_byHost[host];
                             m_maxByHost[host] = qMax(m_maxByHost.value(host), onHost);
                         });
        QObject::connect(server,
                         &FaultTest::FaultServer::responseFinished,
                         &m_context,
                         [this](const QByteArray &path, int index) {
                             const auto it = m_open.constFind({path, index});
                             if (it == m_open.constEnd())
                                 return;
                             m_byHost[it.value()] -= 1;
                             m_open.erase(it);
                         });
    }
    InFlight(const InFlight &) = delete;
    InFlight &operator=(const InFlight &) = delete;

    int now() const { return int(m_open.size()); }
    int max() const { return m_max; }
    int now(const QByteArray &host) const { return m_byHost.value(host); }
    int max(const QByteArray &host) const { return m_maxByHost.value(host); }

private:
    QObject m_context;
    QHash<QPair<QByteArray, int>, QByteArray> m_open; // (path, index) -> Host
    QHash<QByteArray, int> m_byHost;
    QHash<QByteArray, int> m_maxByHost;
    int m_max = 0;
};

} // namespace QueueTest
