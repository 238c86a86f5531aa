#include "sessionconfiguration.h"

#include <algorithm>

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QSharedData>
#include <QtCore/QStandardPaths>

namespace Background {

/*!
    \class Background::SessionConfiguration
    \inmodule Background
    \inheaderfile Background/sessionconfiguration.h
    \brief The settings of a transfer session: where the store lives, how transfers retry, and
    the limits they keep.

    A SessionConfiguration is a value: fill one in and pass it to the constructor of a
    \l Background::Downloader, \l Background::Uploader or \l Background::TransferModel, which
    keeps a copy. Changing the object afterwards changes nothing; a client's settings stay those
    it was created with. A default-constructed configuration is ready to use: every setting
    has a default, listed with it below.

    \snippet configuration.cpp configuration

    \section1 The store names the session

    storePath() is the SQLite file that holds every transfer, its state and its result. It
    survives the process: the next run that opens the same file finds unfinished transfers and
    kept results there. By default it is \c background-transfers.sqlite in
    QStandardPaths::AppLocalDataLocation (on Linux
    \c {~/.local/share/<organization>/<application>/}), so set the application and
    organization names before the first client is created. The directory is created when
    missing, and the store is readable by its owner only.

    All clients on one store in one thread share one engine: one queue and one set of running
    transfers. Several processes may use one store at the same time; each
    transfer then belongs to one of them at a time (see leaseTimeout()).

    \section1 Which settings apply where

    Most settings belong to the transfers a client asks for: a transfer runs with the
    retryPolicy(), stallTimeout(), maximumRate(), checkpointInterval(), maximumRedirects(),
    maximumDownloadSize(), diskSpaceReserve(), caCertificates() and sensitiveHeaders() of the
    Downloader or Uploader that asked for it (a transfer restored on start-up: of the client
    that restored it). Clients with different settings can share a store.

    A few settings belong to the whole session:
    \list
    \li maximumConcurrentTransfers(), maximumConcurrentTransfersPerHost() and allowMetered():
        the Downloader or Uploader created last on the store (in this thread) sets them for
        every client.
    \li resumeOnStart(): the first Downloader (for downloads) and the first Uploader (for
        uploads) created on the store with it set restore the unfinished transfers.
    \li resultLifetime() and the heartbeat of leaseTimeout(): the client that opens the store
        first in this thread.
    \endlist

    The \c bgtransfer command-line tool (\c examples/cli) builds its configuration from its
    options. It turns resumeOnStart() off because each command names the transfers it runs:

    \snippet cli/main.cpp session-configuration

    \sa Background::RetryPolicy, Background::Downloader, Background::Uploader
*/
class SessionConfigurationData : public QSharedData
{
public:
    QString storePath;
    RetryPolicy retryPolicy;
    std::chrono::milliseconds stallTimeout{30000};
    QByteArrayList sensitiveHeaders{QByteArrayLiteral("authorization"),
                                    QByteArrayLiteral("cookie"),
                                    QByteArrayLiteral("proxy-authorization")};
    qint64 maximumRate = 0;
    std::chrono::milliseconds checkpointInterval{1000};
    std::chrono::milliseconds leaseTimeout{15000};
    int maximumRedirects = 10;
    qint64 maximumDownloadSize = 0;
    std::chrono::milliseconds resultLifetime{std::chrono::hours(24 * 30)};
    int maximumConcurrent = 6;
    int maximumConcurrentPerHost = 4;
    qint64 diskSpaceReserve = qint64(64) * 1024 * 1024;
    bool allowMetered = true;
    bool resumeOnStart = true;
    QList<QSslCertificate> caCertificates;
};

/*!
    \fn Background::SessionConfiguration::SessionConfiguration()

    Constructs a configuration with every setting at its default.
*/
SessionConfiguration::SessionConfiguration()
    : d(new SessionConfigurationData)
{}

/*!
    \fn Background::SessionConfiguration::SessionConfiguration(const SessionConfiguration &other)

    Constructs a copy of \a other. The settings are shared until one of them changes.
*/
SessionConfiguration::SessionConfiguration(const SessionConfiguration &other) = default;

/*!
    \fn Background::SessionConfiguration &Background::SessionConfiguration::operator=(const SessionConfiguration &other)

    Makes this configuration a copy of \a other and returns a reference to it.
*/
SessionConfiguration &SessionConfiguration::operator=(const SessionConfiguration &other) = default;

/*!
    \fn Background::SessionConfiguration::~SessionConfiguration()

    Destroys the configuration.
*/
SessionConfiguration::~SessionConfiguration() = default;

/*!
    \fn QString Background::SessionConfiguration::storePath() const

    Returns the path of the transfer store: the one set with setStorePath(), or
    defaultStorePath() when none was set.

    The store path names the session: every Downloader, Uploader and TransferModel on the same
    store in one thread shares one engine.

    \sa setStorePath()
*/
QString SessionConfiguration::storePath() const
{
    return d->storePath.isEmpty() ? defaultStorePath() : d->storePath;
}

/*!
    \fn void Background::SessionConfiguration::setStorePath(const QString &path)

    Sets the path of the transfer store to \a path; an empty path selects defaultStorePath().
    A relative path is taken relative to the working directory. The file and its directory are
    created when the session opens the store.

    Unfinished transfers and kept results stay in the store they were asked for in: a client on
    another store does not see them.

    \sa storePath()
*/
void SessionConfiguration::setStorePath(const QString &path)
{
    d->storePath = path;
}

/*!
    \fn QString Background::SessionConfiguration::defaultStorePath()

    Returns the store a configuration uses unless told otherwise: \c background-transfers.sqlite
    in the writable QStandardPaths::AppLocalDataLocation, which depends on the application and
    organization names of the QCoreApplication.

    \sa storePath()
*/
QString SessionConfiguration::defaultStorePath()
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation);
    return QDir(dir).filePath(QStringLiteral("background-transfers.sqlite"));
}

/*!
    \fn Background::RetryPolicy Background::SessionConfiguration::retryPolicy() const

    Returns when and how often a transient failure is tried again before the transfer ends as
    \c Retry. The default is a default-constructed \l Background::RetryPolicy: five retries,
    starting at up to one second and doubling up to five minutes.

    \sa setRetryPolicy()
*/
RetryPolicy SessionConfiguration::retryPolicy() const
{
    return d->retryPolicy;
}

/*!
    \fn void Background::SessionConfiguration::setRetryPolicy(const Background::RetryPolicy &policy)

    Sets the retry policy to \a policy.

    \snippet configuration.cpp retry-policy

    \sa retryPolicy()
*/
void SessionConfiguration::setRetryPolicy(const RetryPolicy &policy)
{
    d->retryPolicy = policy;
}

/*!
    \fn std::chrono::milliseconds Background::SessionConfiguration::stallTimeout() const

    Returns how long a transfer may go without receiving or sending a byte before the attempt
    is abandoned as stalled (NetworkResponse::Error \c StallTimeout) and retried under the
    retry policy. A download keeps what it received. The default is 30 seconds.

    \sa setStallTimeout()
*/
std::chrono::milliseconds SessionConfiguration::stallTimeout() const
{
    return d->stallTimeout;
}

/*!
    \fn void Background::SessionConfiguration::setStallTimeout(std::chrono::milliseconds timeout)

    Sets the stall timeout to \a timeout.

    \sa stallTimeout()
*/
void SessionConfiguration::setStallTimeout(std::chrono::milliseconds timeout)
{
    d->stallTimeout = timeout;
}

/*!
    \fn QByteArrayList Background::SessionConfiguration::sensitiveHeaders() const

    Returns the names of the request header fields that are sensitive, in lower case. Always
    contains \c authorization, \c cookie and \c proxy-authorization.

    A sensitive header is kept in memory only: it is never written to the store, and it is not
    sent to another origin (scheme, host, port) when a redirect leads there. The price is that
    the store cannot repeat such a request by itself: a transfer that carried one is not
    restored on start-up (see resumeOnStart()), and \c resume() sends the request without it.
    The app asks for the transfer again with \c networkResponse() and its credentials.

    \sa addSensitiveHeader(), isSensitiveHeader()
*/
QByteArrayList SessionConfiguration::sensitiveHeaders() const
{
    return d->sensitiveHeaders;
}

/*!
    \fn void Background::SessionConfiguration::addSensitiveHeader(const QByteArray &name)

    Adds the header field \a name (an API key, a session token) to the sensitive ones.
    Surrounding blanks are ignored and the case does not matter; an empty name or one already
    listed changes nothing. The built-in names cannot be removed.

    \sa sensitiveHeaders()
*/
void SessionConfiguration::addSensitiveHeader(const QByteArray &name)
{
    const QByteArray lower = name.trimmed().toLower();
    if (!lower.isEmpty() && !d->sensitiveHeaders.contains(lower))
        d->sensitiveHeaders.append(lower);
}

/*!
    \fn bool Background::SessionConfiguration::isSensitiveHeader(const QByteArray &name) const

    Returns \c true when the header field \a name is sensitive, compared case-insensitively.

    \sa sensitiveHeaders()
*/
bool SessionConfiguration::isSensitiveHeader(const QByteArray &name) const
{
    return d->sensitiveHeaders.contains(name.trimmed().toLower());
}

/*!
    \fn std::chrono::milliseconds Background::SessionConfiguration::resultLifetime() const

    Returns how long a finished transfer's result is kept. When a session opens the store, the
    results last written longer ago than this are dropped, together with the files of large
    upload answers (NetworkResponse::bodyFilePath()), and the store file is compacted. The
    downloaded files themselves are never touched.

    The default is 30 days; 0 keeps results until the app calls \c forget().

    \sa setResultLifetime()
*/
std::chrono::milliseconds SessionConfiguration::resultLifetime() const
{
    return d->resultLifetime;
}

/*!
    \fn void Background::SessionConfiguration::setResultLifetime(std::chrono::milliseconds lifetime)

    Sets the lifetime of kept results to \a lifetime; a negative value counts as 0 (keep them).

    \sa resultLifetime()
*/
void SessionConfiguration::setResultLifetime(std::chrono::milliseconds lifetime)
{
    d->resultLifetime = std::max(std::chrono::milliseconds(0), lifetime);
}

/*!
    \fn qint64 Background::SessionConfiguration::maximumDownloadSize() const

    Returns the largest download allowed, in bytes; 0, the default, means no limit.

    A download whose announced size (Content-Length, or the total of a Content-Range) passes
    the limit ends before a byte is written; one without an announced size ends as soon as it
    has received more. Either way the outcome is \c Failed with NetworkResponse::Error
    \c TooLarge, and the partial data is deleted.

    \sa setMaximumDownloadSize()
*/
qint64 SessionConfiguration::maximumDownloadSize() const
{
    return d->maximumDownloadSize;
}

/*!
    \fn void Background::SessionConfiguration::setMaximumDownloadSize(qint64 bytes)

    Sets the largest download allowed to \a bytes; 0 or less means no limit.

    \sa maximumDownloadSize()
*/
void SessionConfiguration::setMaximumDownloadSize(qint64 bytes)
{
    d->maximumDownloadSize = qMax<qint64>(0, bytes);
}

/*!
    \fn qint64 Background::SessionConfiguration::maximumRate() const

    Returns the highest rate, in bytes per second, at which each transfer receives (a
    download) or sends (an upload); 0, the default, means unlimited. The limit holds for each
    transfer on its own, not for their sum.

    \sa setMaximumRate()
*/
qint64 SessionConfiguration::maximumRate() const
{
    return d->maximumRate;
}

/*!
    \fn void Background::SessionConfiguration::setMaximumRate(qint64 bytesPerSecond)

    Sets the highest rate of each transfer to \a bytesPerSecond; 0 or less means unlimited.

    \sa maximumRate()
*/
void SessionConfiguration::setMaximumRate(qint64 bytesPerSecond)
{
    d->maximumRate = qMax<qint64>(0, bytesPerSecond);
}

/*!
    \fn std::chrono::milliseconds Background::SessionConfiguration::checkpointInterval() const

    Returns how often a download makes its received bytes durable: the partial file is flushed
    to disk (fsync) and its length recorded in the store. The default is one second.

    After the process is killed, a download resumes from everything the partial file holds;
    after a power loss or reboot, only from the last checkpoint. A shorter interval loses less
    after a power loss and costs more disk writes.

    \sa setCheckpointInterval()
*/
std::chrono::milliseconds SessionConfiguration::checkpointInterval() const
{
    return d->checkpointInterval;
}

/*!
    \fn void Background::SessionConfiguration::setCheckpointInterval(std::chrono::milliseconds interval)

    Sets the checkpoint interval to \a interval.

    \sa checkpointInterval()
*/
void SessionConfiguration::setCheckpointInterval(std::chrono::milliseconds interval)
{
    d->checkpointInterval = interval;
}

/*!
    \fn std::chrono::milliseconds Background::SessionConfiguration::leaseTimeout() const

    Returns how long a transfer's owner may stay silent before another process may take the
    transfer over. The default is 15 seconds.

    A running transfer is leased to one process, which renews the lease every third of this
    time. Another process that asks for the same identifier waits for the result while the
    lease is fresh, and takes the transfer over when it is older than this, or at once when
    the owner's process is gone. Use the same value in every process that shares a store.

    \sa setLeaseTimeout()
*/
std::chrono::milliseconds SessionConfiguration::leaseTimeout() const
{
    return d->leaseTimeout;
}

/*!
    \fn void Background::SessionConfiguration::setLeaseTimeout(std::chrono::milliseconds timeout)

    Sets the lease timeout to \a timeout.

    \sa leaseTimeout()
*/
void SessionConfiguration::setLeaseTimeout(std::chrono::milliseconds timeout)
{
    d->leaseTimeout = timeout;
}

/*!
    \fn int Background::SessionConfiguration::maximumRedirects() const

    Returns how many redirects one attempt follows; the default is 10. A download redirected
    more often ends as \c Rejected with NetworkResponse::Error \c TooManyRedirects.

    Redirects are followed by the library, not by Qt: only to http and https, never from https
    to http, and without the sensitive headers when the origin changes. Uploads follow only 307
    and 308.

    \sa setMaximumRedirects()
*/
int SessionConfiguration::maximumRedirects() const
{
    return d->maximumRedirects;
}

/*!
    \fn void Background::SessionConfiguration::setMaximumRedirects(int count)

    Sets the number of redirects one attempt follows to \a count; 0 follows none (a negative
    count counts as 0).

    \sa maximumRedirects()
*/
void SessionConfiguration::setMaximumRedirects(int count)
{
    d->maximumRedirects = qMax(0, count);
}

/*!
    \fn int Background::SessionConfiguration::maximumConcurrentTransfers() const

    Returns how many transfers of the session run at the same time; the default is 6. The
    others wait in the queue as \c Queued: higher priority first, then in the order they were
    asked for.

    This is a setting of the whole session: the Downloader or Uploader created last on the
    store (in this thread) sets it for every client of the store.

    \sa setMaximumConcurrentTransfers(), maximumConcurrentTransfersPerHost()
*/
int SessionConfiguration::maximumConcurrentTransfers() const
{
    return d->maximumConcurrent;
}

/*!
    \fn void Background::SessionConfiguration::setMaximumConcurrentTransfers(int count)

    Sets the number of transfers that run at the same time to \a count, at least 1.

    \sa maximumConcurrentTransfers()
*/
void SessionConfiguration::setMaximumConcurrentTransfers(int count)
{
    d->maximumConcurrent = qMax(1, count);
}

/*!
    \fn int Background::SessionConfiguration::maximumConcurrentTransfersPerHost() const

    Returns how many transfers of the session run at the same time to one host (one scheme,
    host and port); the default is 4. A session-wide setting, like
    maximumConcurrentTransfers().

    \sa setMaximumConcurrentTransfersPerHost()
*/
int SessionConfiguration::maximumConcurrentTransfersPerHost() const
{
    return d->maximumConcurrentPerHost;
}

/*!
    \fn void Background::SessionConfiguration::setMaximumConcurrentTransfersPerHost(int count)

    Sets the number of transfers that run at the same time to one host to \a count, at least 1.

    \sa maximumConcurrentTransfersPerHost()
*/
void SessionConfiguration::setMaximumConcurrentTransfersPerHost(int count)
{
    d->maximumConcurrentPerHost = qMax(1, count);
}

/*!
    \fn qint64 Background::SessionConfiguration::diskSpaceReserve() const

    Returns how many bytes downloads leave free on the destination's volume; the default is
    64 MiB.

    A download whose announced size would leave less than this free does not start, and one
    that gets there while it runs (or meets a full disk) stops. It ends as \c Failed with
    NetworkResponse::Error \c DiskFull and keeps its partial data: \c resume() continues from
    it once there is room.

    \sa setDiskSpaceReserve()
*/
qint64 SessionConfiguration::diskSpaceReserve() const
{
    return d->diskSpaceReserve;
}

/*!
    \fn void Background::SessionConfiguration::setDiskSpaceReserve(qint64 bytes)

    Sets the space downloads leave free to \a bytes; 0 or less lets them fill the disk.

    \sa diskSpaceReserve()
*/
void SessionConfiguration::setDiskSpaceReserve(qint64 bytes)
{
    d->diskSpaceReserve = qMax<qint64>(0, bytes);
}

/*!
    \fn bool Background::SessionConfiguration::allowMetered() const

    Returns whether transfers may use a metered connection (a mobile plan, a tethered phone);
    the default is \c true.

    When \c false and the system reports the connection as metered, transfers do not start
    and running ones stop, keeping their data, in the state \c WaitingForNetwork; they continue
    by themselves once an unmetered connection is back. Transfers to loopback hosts never wait.
    Whether a connection is metered comes from QNetworkInformation; where the system reports
    nothing, nothing is held. A session-wide setting, like maximumConcurrentTransfers().

    \sa setAllowMetered()
*/
bool SessionConfiguration::allowMetered() const
{
    return d->allowMetered;
}

/*!
    \fn void Background::SessionConfiguration::setAllowMetered(bool allow)

    Sets whether transfers may use a metered connection to \a allow.

    \sa allowMetered()
*/
void SessionConfiguration::setAllowMetered(bool allow)
{
    d->allowMetered = allow;
}

/*!
    \fn bool Background::SessionConfiguration::resumeOnStart() const

    Returns whether unfinished transfers continue by themselves when the app starts; the
    default is \c true.

    With it, the first Downloader created on a store queues every unfinished, unpaused
    download in it one event-loop turn later (so the app can connect its signals first), with
    the request the store kept; the first Uploader does the same for uploads. The app learns
    of their results through the client's \c finished() signal, or by asking for the
    identifiers again. A transfer whose request carried sensitive headers is not restored: it
    waits until the app asks for it again with them.

    Without it, a transfer continues only when the app asks for it again, or calls
    \c resume() or \c resumeAll().

    \sa setResumeOnStart(), sensitiveHeaders()
*/
bool SessionConfiguration::resumeOnStart() const
{
    return d->resumeOnStart;
}

/*!
    \fn void Background::SessionConfiguration::setResumeOnStart(bool resume)

    Sets whether unfinished transfers continue by themselves when the app starts to \a resume.

    \sa resumeOnStart()
*/
void SessionConfiguration::setResumeOnStart(bool resume)
{
    d->resumeOnStart = resume;
}

/*!
    \fn QList<QSslCertificate> Background::SessionConfiguration::caCertificates() const

    Returns the certificate authorities the session trusts for https besides the system's: a
    company's own CA, say. Empty by default.

    Every request of the session's transfers accepts a server certificate issued by either the
    system's authorities or these. The library never ignores a TLS error: a server that neither
    vouches for ends as \c Failed with NetworkResponse::Error \c TlsError. The process-wide
    TLS defaults stay as they are.

    \sa setCaCertificates(), addCaCertificatesFromFile()
*/
QList<QSslCertificate> SessionConfiguration::caCertificates() const
{
    return d->caCertificates;
}

/*!
    \fn void Background::SessionConfiguration::setCaCertificates(const QList<QSslCertificate> &certificates)

    Sets the extra certificate authorities to \a certificates, replacing those set before.
    Null certificates and duplicates are left out.

    \sa caCertificates()
*/
void SessionConfiguration::setCaCertificates(const QList<QSslCertificate> &certificates)
{
    d->caCertificates.clear();
    for (const QSslCertificate &c : certificates) {
        if (!c.isNull() && !d->caCertificates.contains(c))
            d->caCertificates.append(c);
    }
}

/*!
    \fn bool Background::SessionConfiguration::addCaCertificatesFromFile(const QString &path)

    Adds the certificates of the PEM file at \a path to the extra certificate authorities.
    Returns \c false, adding none, when the file cannot be read or holds no certificate.

    \sa caCertificates()
*/
bool SessionConfiguration::addCaCertificatesFromFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return false;
    // A PEM file is small; a huge one is not a certificate file.
    const QList<QSslCertificate> read
            = QSslCertificate::fromData(file.read(qint64(16) * 1024 * 1024), QSsl::Pem);
    if (std::none_of(
                read.begin(), read.end(), [](const QSslCertificate &c) { return !c.isNull(); }))
        return false;
    setCaCertificates(d->caCertificates + read);
    return true;
}

} // namespace Background
