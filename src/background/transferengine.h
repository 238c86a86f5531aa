#pragma once

// The engine owns the network access manager, the store, the jobs and the waiting callers.
// Downloader is a thin client, so the engine could later move into an agent process.

#include "background_private_export.h"
#include "downloader.h"
#include "networkresponse.h"
#include "sessionconfiguration.h"
#include "speedmeter.h"
#include "transferqueue.h"
#include "transferstore.h"
#include "uploadoptions.h"

#include <QtCore/QFuture>
#include <QtCore/QHash>
#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QPromise>
#include <QtCore/QSet>
#include <QtCore/QTimer>

#include <memory>

class QNetworkAccessManager;

namespace Background {

class Clock;
class Reachability;
class TransferJob;

class BACKGROUND_AUTOTEST_EXPORT TransferEngine : public QObject
{
    Q_OBJECT
public:
    // One engine per store file and thread, shared by every Downloader using that store.
    static std::shared_ptr<TransferEngine> forConfiguration(const SessionConfiguration &config);
    ~TransferEngine() override;

    TransferStore &store() { return m_store; }
    QNetworkAccessManager *network() const { return m_network; }
    // The manager for requests that trust `config`'s certificate authorities. Qt checks a
    // server's certificate when it opens a connection and then reuses it (and its settings)
    // for any request to that host, so sessions that trust differently never share one.
    QNetworkAccessManager *network(const SessionConfiguration &config);
    Clock *clock() const { return m_clock; }
    void setClock(Clock *clock); // for tests; not owned, must outlive the engine's use of it
    Reachability *reachability() const { return m_reachability; }
    // For tests; not owned. Null goes back to the system's view.
    void setReachability(Reachability *reachability);
    // True when transfers that need the network may run now.
    bool networkAllowed() const;
    // Loopback hosts work without a network, so they never wait for it; tests of the waiting
    // itself, whose servers are all on loopback, turn that off.
    void setLoopbackNeedsNetwork(bool needs);
    bool needsNetwork(const QUrl &url) const;

    QFuture<NetworkResponse> download(const QNetworkRequest &request,
                                      const QString &identifier,
                                      const QString &destinationPath,
                                      const DownloadOptions &options,
                                      const SessionConfiguration &config);
    QFuture<NetworkResponse> upload(const QNetworkRequest &request,
                                    const QString &filePath,
                                    const QString &identifier,
                                    const UploadOptions &options,
                                    const SessionConfiguration &config);
    QFuture<NetworkResponse> resume(const QString &identifier, const SessionConfiguration &config);
    bool forget(const QString &identifier);
    bool cancel(const QString &identifier);
    bool pause(const QString &identifier);
    int resumeAll(TransferInfo::Kind kind, const SessionConfiguration &config);
    // The session's queue settings (concurrency, allowMetered) from the latest client created
    // on this store; a TransferModel never sets them.
    void applyQueueSettings(const SessionConfiguration &config);
    // Once per kind and engine, soon after: queue what is unfinished in the store.
    void restoreOnStart(TransferInfo::Kind kind, const SessionConfiguration &config);

    // For jobs: a job waiting to retry gives its slot back, and asks for one when due.
    void jobWaiting(TransferJob *job);
    void jobDue(TransferJob *job);

    // Snapshots as callers should see them: a row left "running" by a dead owner is queued.
    QList<TransferInfo> transfers(std::optional<TransferInfo::Kind> kind = std::nullopt);
    std::optional<TransferInfo> transfer(const QString &identifier);
    // The live byte count, speed and time left of a transfer this process runs.
    void addLiveProgress(TransferInfo *info) const;

Q_SIGNALS:
    // `kind` lets a Downloader and an Uploader on one engine each speak of their own transfers.
    void progress(Background::TransferInfo::Kind kind,
                  const QString &identifier,
                  qint64 bytesDone,
                  qint64 bytesTotal);
    void finished(Background::TransferInfo::Kind kind,
                  const QString &identifier,
                  const Background::NetworkResponse &response);
    void pendingChanged();
    void stateChanged(Background::TransferInfo::Kind kind,
                      const QString &identifier,
                      Background::TransferInfo::State state);
    // The transfer's row left the store: forget() or cancel() in this process.
    void removed(Background::TransferInfo::Kind kind, const QString &identifier);
    // A canceled tus upload's DELETE is over: answered (acknowledged) or failed.
    void terminated(const QString &identifier, bool acknowledged);

private:
    explicit TransferEngine(const SessionConfiguration &config);

    using Promise = std::shared_ptr<QPromise<NetworkResponse>>;
    struct RemoteWait
    {
        QNetworkRequest request;
        SessionConfiguration config;
        TransferInfo::Kind kind;
    };
    // Queued here, not started yet (no lease).
    struct Pending
    {
        TransferRow row; // enough to claim it: identifier, kind, url, destination, order
        QNetworkRequest request;
        SessionConfiguration config;
        bool storedRequest = false; // restored: the request is built from the claimed row
    };
    struct Meter
    {
        SpeedMeter speed;
        qint64 total = -1;
        qint64 lastEmitMs = -1;
        qint64 lastDone = -1; // of the last signal sent
    };

    // Why a request cannot even be accepted: no store, a bad identifier or URL.
    std::optional<NetworkResponse> refuse(const QString &identifier, const QUrl &url) const;
    // The result kept for a finished upload of this URL and file, if any.
    std::optional<NetworkResponse>
    keptUploadResult(const QString &identifier, const QUrl &url, const QString &absolutePath);
    TransferRow freshRow(const QNetworkRequest &request,
                         const QString &identifier,
                         const QString &localPath,
                         const SessionConfiguration &config) const;
    QFuture<NetworkResponse> submit(const TransferRow &fresh,
                                    const QNetworkRequest &request,
                                    const SessionConfiguration &config);

    // The request the store remembers for `row` (without the sensitive headers).
    static QNetworkRequest storedRequest(const TransferRow &row);
    Lease myLease() const;
    TransferInfo snapshot(const TransferRow &row);
    bool ownerIsDead(const Lease &lease) const;
    bool leaseIsLive(const Lease &lease) const;
    QueueEntry queueEntryFor(const TransferRow &row) const;
    void enqueue(const TransferRow &row,
                 const QNetworkRequest &request,
                 const SessionConfiguration &config,
                 bool storedRequest = false);
    void schedulePump();
    void pump();
    void startJob(const TransferRow &row,
                  const QNetworkRequest &request,
                  const SessionConfiguration &config);
    // Takes a transfer out of this process's hands, keeping its partial data: paused, or
    // back in the queue while the network is away.
    void suspend(const QString &identifier, TransferInfo::State why);
    void waitRemotely(const QString &identifier, const RemoteWait &wait);
    // Queues the unfinished transfers of `kind` a batch per event-loop turn, so a large store
    // never holds the loop for long. `all`: also those that need the app's credentials.
    void restore(TransferInfo::Kind kind, const SessionConfiguration &config, bool all, qint64 afterSeq);
    void onNetworkChanged();
    void watchPaused();
    void onJobProgress(TransferInfo::Kind kind, const QString &identifier, qint64 done, qint64 total);
    void onJobFinished(TransferJob *job, const NetworkResponse &response);
    void
    resolve(TransferInfo::Kind kind, const QString &identifier, const NetworkResponse &response);
    void pollRemote();
    void terminate(const QString &identifier,
                   const QNetworkRequest &base,
                   const QUrl &uploadUrl,
                   const SessionConfiguration &trust);
    static QFuture<NetworkResponse> ready(const NetworkResponse &response);
    // A future that ends with the transfer `identifier` queued or running here.
    QFuture<NetworkResponse> join(const QString &identifier);

    SessionConfiguration m_config;
    TransferStore m_store;
    QNetworkAccessManager *m_network;
    QHash<QByteArray, QNetworkAccessManager *> m_trustNetworks; // by the CAs' digests
    Clock *m_clock;
    QString m_ownerToken;
    qint64 m_startedAt;
    QHash<QString, TransferJob *> m_jobs;
    QHash<QString, QList<Promise>> m_promises;
    QHash<QString, RemoteWait> m_remote;
    QHash<QString, qint64> m_remoteProgress;
    QSet<QString> m_remotePaused; // waits whose pause was already announced
    QHash<QString, Pending> m_pending;
    QHash<QString, Meter> m_meters;
    TransferQueue m_queue;
    Reachability *m_reachability = nullptr;
    Reachability *m_systemReachability = nullptr;
    bool m_pumpQueued = false;
    bool m_loopbackNeedsNetwork = false;
    bool m_networkWasAllowed = true;
    bool m_restored[2] = {false, false};
    QTimer m_heartbeat;
    QTimer m_remotePoll;
    QTimer m_dueTimer;
    QTimer m_pauseWatch;
};

} // namespace Background
