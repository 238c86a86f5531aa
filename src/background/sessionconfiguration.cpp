#include "sessionconfiguration.h"

#include <algorithm>

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QSharedData>
#include <QtCore/QStandardPaths>

namespace Background {

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

SessionConfiguration::SessionConfiguration()
    : d(new SessionConfigurationData)
{}
SessionConfiguration::SessionConfiguration(const SessionConfiguration &other) = default;
SessionConfiguration &SessionConfiguration::operator=(const SessionConfiguration &other) = default;
SessionConfiguration::~SessionConfiguration() = default;

QString SessionConfiguration::storePath() const
{
    return d->storePath.isEmpty() ? defaultStorePath() : d->storePath;
}

void SessionConfiguration::setStorePath(const QString &path)
{
    d->storePath = path;
}

QString SessionConfiguration::defaultStorePath()
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation);
    return QDir(dir).filePath(QStringLiteral("background-transfers.sqlite"));
}

RetryPolicy SessionConfiguration::retryPolicy() const
{
    return d->retryPolicy;
}
void SessionConfiguration::setRetryPolicy(const RetryPolicy &policy)
{
    d->retryPolicy = policy;
}
std::chrono::milliseconds SessionConfiguration::stallTimeout() const
{
    return d->stallTimeout;
}
void SessionConfiguration::setStallTimeout(std::chrono::milliseconds timeout)
{
    d->stallTimeout = timeout;
}

QByteArrayList SessionConfiguration::sensitiveHeaders() const
{
    return d->sensitiveHeaders;
}

void SessionConfiguration::addSensitiveHeader(const QByteArray &name)
{
    const QByteArray lower = name.trimmed().toLower();
    if (!lower.isEmpty() && !d->sensitiveHeaders.contains(lower))
        d->sensitiveHeaders.append(lower);
}

bool SessionConfiguration::isSensitiveHeader(const QByteArray &name) const
{
    return d->sensitiveHeaders.contains(name.trimmed().toLower());
}

std::chrono::milliseconds SessionConfiguration::resultLifetime() const
{
    return d->resultLifetime;
}
void SessionConfiguration::setResultLifetime(std::chrono::milliseconds lifetime)
{
    d->resultLifetime = std::max(std::chrono::milliseconds(0), lifetime);
}

qint64 SessionConfiguration::maximumDownloadSize() const
{
    return d->maximumDownloadSize;
}
void SessionConfiguration::setMaximumDownloadSize(qint64 bytes)
{
    d->maximumDownloadSize = qMax<qint64>(0, bytes);
}

qint64 SessionConfiguration::maximumRate() const
{
    return d->maximumRate;
}
void SessionConfiguration::setMaximumRate(qint64 bytesPerSecond)
{
    d->maximumRate = qMax<qint64>(0, bytesPerSecond);
}
std::chrono::milliseconds SessionConfiguration::checkpointInterval() const
{
    return d->checkpointInterval;
}
void SessionConfiguration::setCheckpointInterval(std::chrono::milliseconds interval)
{
    d->checkpointInterval = interval;
}
std::chrono::milliseconds SessionConfiguration::leaseTimeout() const
{
    return d->leaseTimeout;
}
void SessionConfiguration::setLeaseTimeout(std::chrono::milliseconds timeout)
{
    d->leaseTimeout = timeout;
}
int SessionConfiguration::maximumRedirects() const
{
    return d->maximumRedirects;
}
void SessionConfiguration::setMaximumRedirects(int count)
{
    d->maximumRedirects = qMax(0, count);
}

int SessionConfiguration::maximumConcurrentTransfers() const
{
    return d->maximumConcurrent;
}
void SessionConfiguration::setMaximumConcurrentTransfers(int count)
{
    d->maximumConcurrent = qMax(1, count);
}
int SessionConfiguration::maximumConcurrentTransfersPerHost() const
{
    return d->maximumConcurrentPerHost;
}
void SessionConfiguration::setMaximumConcurrentTransfersPerHost(int count)
{
    d->maximumConcurrentPerHost = qMax(1, count);
}
qint64 SessionConfiguration::diskSpaceReserve() const
{
    return d->diskSpaceReserve;
}
void SessionConfiguration::setDiskSpaceReserve(qint64 bytes)
{
    d->diskSpaceReserve = qMax<qint64>(0, bytes);
}
bool SessionConfiguration::allowMetered() const
{
    return d->allowMetered;
}
void SessionConfiguration::setAllowMetered(bool allow)
{
    d->allowMetered = allow;
}
bool SessionConfiguration::resumeOnStart() const
{
    return d->resumeOnStart;
}
void SessionConfiguration::setResumeOnStart(bool resume)
{
    d->resumeOnStart = resume;
}

QList<QSslCertificate> SessionConfiguration::caCertificates() const
{
    return d->caCertificates;
}
void SessionConfiguration::setCaCertificates(const QList<QSslCertificate> &certificates)
{
    d->caCertificates.clear();
    for (const QSslCertificate &c : certificates) {
        if (!c.isNull() && !d->caCertificates.contains(c))
            d->caCertificates.append(c);
    }
}

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
