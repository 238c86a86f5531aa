#pragma once

#include "background_export.h"
#include "retrypolicy.h"

#include <QtCore/QByteArrayList>
#include <QtCore/QList>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>
#include <QtNetwork/QSslCertificate>

#include <chrono>

namespace Background {

class SessionConfigurationData;

// Settings shared by the transfers of one Downloader. The store path names the session:
// every Downloader on the same store in one process shares one engine.
class BACKGROUND_EXPORT SessionConfiguration
{
public:
    SessionConfiguration();
    SessionConfiguration(const SessionConfiguration &other);
    SessionConfiguration &operator=(const SessionConfiguration &other);
    ~SessionConfiguration();

    // Default: "background-transfers.sqlite" under QStandardPaths::AppLocalDataLocation.
    QString storePath() const;
    void setStorePath(const QString &path);
    static QString defaultStorePath();

    RetryPolicy retryPolicy() const;
    void setRetryPolicy(const RetryPolicy &policy);

    // A transfer that receives nothing for this long is interrupted (and retried). Default 30 s.
    std::chrono::milliseconds stallTimeout() const;
    void setStallTimeout(std::chrono::milliseconds timeout);

    // Request headers that never reach the store or another origin. Always contains
    // Authorization, Cookie and Proxy-Authorization; names are compared case-insensitively.
    QByteArrayList sensitiveHeaders() const;
    void addSensitiveHeader(const QByteArray &name);
    bool isSensitiveHeader(const QByteArray &name) const;

    // Upper bound on the receive rate of each transfer in bytes per second; 0 means unlimited.
    qint64 maximumRate() const;
    void setMaximumRate(qint64 bytesPerSecond);

    // How often received bytes are made durable (fsync + checkpoint in the store). Default 1 s.
    std::chrono::milliseconds checkpointInterval() const;
    void setCheckpointInterval(std::chrono::milliseconds interval);

    // A lease whose heartbeat is older than this belongs to a dead owner. Default 15 s.
    std::chrono::milliseconds leaseTimeout() const;
    void setLeaseTimeout(std::chrono::milliseconds timeout);

    int maximumRedirects() const; // default 10
    void setMaximumRedirects(int count);

    // A download whose announced (or received) size passes this many bytes ends as
    // Failed/TooLarge before more is written; 0 means no limit (the default).
    qint64 maximumDownloadSize() const;
    void setMaximumDownloadSize(qint64 bytes);

    // Kept results older than this are dropped (with their response body files) when a session
    // opens the store, which is then compacted. Default 30 days; 0 keeps them until forget().
    std::chrono::milliseconds resultLifetime() const;
    void setResultLifetime(std::chrono::milliseconds lifetime);

    // The session's concurrency: the latest Downloader or Uploader created on a store in a
    // thread sets it (and allowMetered) for every client of that store. Defaults: 6 at once,
    // 4 to one host (scheme, host, port).
    int maximumConcurrentTransfers() const;
    void setMaximumConcurrentTransfers(int count);
    int maximumConcurrentTransfersPerHost() const;
    void setMaximumConcurrentTransfersPerHost(int count);

    // A download does not start, or stops as Failed/DiskFull with its partial data kept, when it
    // would leave less than this many bytes free on the destination's volume. Default 64 MiB.
    qint64 diskSpaceReserve() const;
    void setDiskSpaceReserve(qint64 bytes);

    // False: transfers wait (WaitingForNetwork) while the system reports a metered connection.
    bool allowMetered() const; // default true
    void setAllowMetered(bool allow);

    // True: the first Downloader (Uploader) of a store continues every unfinished, unpaused
    // download (upload) in it, without the app naming them. Default true. A transfer whose
    // request carried sensitive headers waits for the app to ask for it again with them.
    bool resumeOnStart() const;
    void setResumeOnStart(bool resume);

    // Certificate authorities the session trusts for https besides the system's (a company's
    // own CA, say). Every request of the session's transfers checks the server against both;
    // the library never ignores a TLS error. Empty by default.
    QList<QSslCertificate> caCertificates() const;
    void setCaCertificates(const QList<QSslCertificate> &certificates);
    // Adds the certificates of the PEM file at `path`; false, adding none, when the file
    // cannot be read or holds no certificate.
    bool addCaCertificatesFromFile(const QString &path);

private:
    QSharedDataPointer<SessionConfigurationData> d;
};

} // namespace Background
