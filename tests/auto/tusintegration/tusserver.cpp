#include "tusserver.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonDocument>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace TusTest {

namespace {

constexpr int kChildFd = 3; // where node finds the listening socket (--fd 3)
constexpr int kStartMs = 15000;

qint64 number(const QJsonValue &v)
{
    return v.isString() ? v.toString().toLongLong() : -1;
}

QByteArray bytes(const QJsonValue &v)
{
    return v.isString() ? v.toString().toUtf8() : QByteArray();
}

} // namespace

QString TusRequest::describe() const
{
    QString s = QStringLiteral("#%1.%2 %3 %4")
                        .arg(generation)
                        .arg(n)
                        .arg(QString::fromLatin1(method), QString::fromUtf8(url));
    if (uploadOffset >= 0)
        s += QStringLiteral(" Upload-Offset: %1").arg(uploadOffset);
    if (uploadLength >= 0)
        s += QStringLiteral(" Upload-Length: %1").arg(uploadLength);
    if (contentLength >= 0)
        s += QStringLiteral(" Content-Length: %1").arg(contentLength);
    if (!uploadChecksum.isEmpty())
        s += QStringLiteral(" Upload-Checksum: %1").arg(QString::fromLatin1(uploadChecksum));
    if (status == 0)
        return s + QStringLiteral(" -> (no answer yet)");
    if (status < 0)
        return s + QStringLiteral(" -> (connection closed before the answer)");
    s += QStringLiteral(" -> %1").arg(status);
    if (responseOffset >= 0)
        s += QStringLiteral(" Upload-Offset: %1").arg(responseOffset);
    if (!location.isEmpty())
        s += QStringLiteral(" Location: %1").arg(QString::fromUtf8(location));
    return s;
}

TusServer::TusServer(const QString &node,
                     const QString &modules,
                     const QString &script,
                     const QString &storeDirectory)
    : m_node(node)
    , m_modules(modules)
    , m_script(script)
    , m_store(storeDirectory)
{}

TusServer::~TusServer()
{
    kill();
    if (m_socket >= 0)
        ::close(m_socket);
}

bool TusServer::listen()
{
    m_socket = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (m_socket < 0)
        return false;
    sockaddr_in addr = {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(m_socket, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0
        || ::listen(m_socket, 64) != 0
        || ::getsockname(m_socket, reinterpret_cast<sockaddr *>(&addr), &len) != 0)
        return false;
    m_port = ntohs(addr.sin_port);
    return QDir().mkpath(m_store);
}

bool TusServer::start(qint64 throttle)
{
    if (m_socket < 0 || isRunning())
        return false;
    ++m_generation;
    m_serving = false;
    m_writes.clear(); // a killed server writes no more
    m_process = std::make_unique<QProcess>();
    QStringList args = {m_script,
                        QStringLiteral("--modules"),
                        m_modules,
                        QStringLiteral("--store"),
                        m_store,
                        QStringLiteral("--fd"),
                        QString::number(kChildFd)};
    if (throttle > 0)
        args << QStringLiteral("--throttle") << QString::number(throttle);
    const int fd = m_socket;
    // Runs in the child between fork and exec: only async-signal-safe calls.
    m_process->setChildProcessModifier([fd] {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL); // no server outlives an aborted test
        if (fd == kChildFd)
            ::fcntl(fd, F_SETFD, 0); // keep it across exec
        else
            ::dup2(fd, kChildFd); // the copy does not have FD_CLOEXEC
    });
    connect(m_process.get(), &QProcess::readyReadStandardOutput, this, &TusServer::readOutput);
    connect(m_process.get(), &QProcess::readyReadStandardError, this, [this] {
        m_stderr += m_process->readAllStandardError();
    });
    m_process->start(m_node, args);
    const bool up = QTest::qWaitFor(
            [this] { return m_serving || m_process->state() == QProcess::NotRunning; }, kStartMs);
    if (!up || !m_serving) {
        m_stderr += m_process->readAllStandardError();
        qWarning("tus server did not start: %s", m_stderr.constData());
        kill();
        return false;
    }
    return true;
}

bool TusServer::kill()
{
    if (!m_process)
        return true;
    if (m_process->state() != QProcess::NotRunning) {
        QSignalSpy done(m_process.get(), &QProcess::finished);
        m_process->kill();
        if (!done.wait(10000) && done.isEmpty())
            return false;
    }
    readOutput(); // the lines written before it died
    m_stderr += m_process->readAllStandardError();
    m_process.reset();
    return true;
}

bool TusServer::isRunning() const
{
    return m_process && m_process->state() != QProcess::NotRunning;
}

QUrl TusServer::endpoint() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1/files").arg(m_port));
}

QList<TusRequest> TusServer::requests(const QByteArray &method, int sinceIndex) const
{
    QList<TusRequest> out;
    for (qsizetype i = sinceIndex; i < m_requests.size(); ++i) {
        if (m_requests.at(i).method == method)
            out.append(m_requests.at(i));
    }
    return out;
}

QString TusServer::describeLog() const
{
    QStringList lines;
    for (const TusRequest &r : m_requests)
        lines.append(r.describe());
    if (!m_stderr.isEmpty())
        lines.append(QStringLiteral("node stderr: ") + errors());
    return lines.join(QLatin1Char('\n'));
}

QString TusServer::firstUploadId() const
{
    for (const TusRequest &r : m_requests) {
        if (r.method == "POST" && !r.location.isEmpty())
            return uploadId(r.location);
    }
    return {};
}

QString TusServer::uploadId(const QByteArray &location)
{
    return QUrl(QString::fromUtf8(location)).path().section(QLatin1Char('/'), -1);
}

QString TusServer::storedPath(const QString &id) const
{
    return QDir(m_store).filePath(id);
}

QString TusServer::storedInfoPath(const QString &id) const
{
    return QDir(m_store).filePath(id + QStringLiteral(".json"));
}

qint64 TusServer::storedSize(const QString &id) const
{
    const QFileInfo info(storedPath(id));
    return !id.isEmpty() && info.isFile() ? info.size() : -1;
}

QJsonObject TusServer::storedMetadata(const QString &id) const
{
    QFile f(storedInfoPath(id));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll())
            .object()
            .value(QStringLiteral("metadata"))
            .toObject();
}

void TusServer::readOutput()
{
    if (!m_process)
        return;
    while (m_process->canReadLine())
        parseLine(m_process->readLine().trimmed());
}

void TusServer::parseLine(const QByteArray &line)
{
    const QJsonObject o = QJsonDocument::fromJson(line).object();
    if (o.isEmpty()) {
        qWarning("tus server: unexpected output: %s", line.constData());
        return;
    }
    if (o.contains(QStringLiteral("port"))) {
        m_serving = o.value(QStringLiteral("port")).toInt() == m_port;
        if (!m_serving)
            qWarning("tus server: serves the wrong port: %s", line.constData());
        return;
    }
    const QString event = o.value(QStringLiteral("event")).toString();
    if (event == QLatin1String("write") || event == QLatin1String("written")) {
        m_writes[o.value(QStringLiteral("id")).toString()]
                += event == QLatin1String("write") ? 1 : -1;
        return;
    }
    const int n = o.value(QStringLiteral("n")).toInt();
    if (event == QLatin1String("request")) {
        TusRequest r;
        r.generation = m_generation;
        r.n = n;
        r.method = bytes(o.value(QStringLiteral("method")));
        r.url = bytes(o.value(QStringLiteral("url")));
        r.uploadOffset = number(o.value(QStringLiteral("uploadOffset")));
        r.uploadLength = number(o.value(QStringLiteral("uploadLength")));
        r.contentLength = number(o.value(QStringLiteral("contentLength")));
        r.uploadMetadata = bytes(o.value(QStringLiteral("uploadMetadata")));
        r.uploadChecksum = bytes(o.value(QStringLiteral("uploadChecksum")));
        r.tusResumable = bytes(o.value(QStringLiteral("tusResumable")));
        m_requests.append(r);
        return;
    }
    for (qsizetype i = m_requests.size() - 1; i >= 0; --i) {
        TusRequest &r = m_requests[i];
        if (r.generation != m_generation || r.n != n)
            continue;
        if (event == QLatin1String("aborted")) {
            r.status = -1;
        } else {
            r.status = o.value(QStringLiteral("status")).toInt();
            r.responseOffset = number(o.value(QStringLiteral("uploadOffset")));
            r.location = bytes(o.value(QStringLiteral("location")));
        }
        return;
    }
    qWarning("tus server: an answer to an unknown request: %s", line.constData());
}

} // namespace TusTest
