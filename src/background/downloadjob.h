#pragma once

// One download and its attempts: request, validation of the answer, streaming to the partial
// file, checkpoints, retries and the durable publish.

#include "networkresponse.h"
#include "partialfile.h"
#include "transferjob.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QFutureWatcher>
#include <QtCore/QObject>
#include <QtCore/QTimer>
#include <QtNetwork/QNetworkRequest>

#include <limits>
#include <memory>

class QNetworkReply;

namespace Background {

class TransferEngine;

class DownloadJob : public TransferJob
{
    Q_OBJECT
public:
    DownloadJob(TransferEngine *engine,
                const TransferRow &row,
                const QNetworkRequest &request,
                const SessionConfiguration &configuration);
    ~DownloadJob() override;

    void stop() override;
    void cancel() override;

protected:
    void beginAttempt() override;
    bool isAttemptRunning() const override;
    void onStalled() override;
    void releaseLocal(const NetworkResponse &response) override;
    qint64 bytesDone() const override;

private:
    bool prepareOffset();
    // Ends the transfer as Failed/TooLarge when `size` passes the configured maximum.
    bool tooLarge(qint64 size);
    // Ends the transfer as Failed/DiskFull (data kept) when writing `toCome` more bytes would
    // leave less than the configured reserve free on the partial file's volume.
    bool noRoomFor(qint64 toCome);
    // A write or flush failed: Failed/DiskFull (data kept) or Failed/LocalIoError.
    void failLocally(const PartialFile::Failure &failure);
    void onMetaDataChanged();
    void onReadyRead();
    void onReplyFinished();
    void readAvailable();
    void abortReply();
    // Makes the bytes written so far durable and records their offset. Unforced, once per
    // checkpoint interval and in the background: the fsync runs on a worker thread and the
    // offset is recorded when it ends (onBackgroundSync), so the download never waits for the
    // disk's flush. Forced (pause, error, end of body), here and now.
    bool checkpoint(bool force);
    void onBackgroundSync();
    bool recordCheckpoint(qint64 end);
    void emitProgress(bool force);
    void restartFromZero();
    void publish(int status, const HeaderList &headers);

    ReplyPtr m_reply{nullptr, ReplyDeleter{this}};
    PartialFile m_partial;
    QByteArray m_buffer;

    // Per attempt
    qint64 m_offset = 0;   // where this attempt's body starts in the file
    qint64 m_received = 0; // body bytes written in this attempt
    qint64 m_total = -1;   // entity size when known
    qint64 m_lastCheckpoint = 0;
    int m_checkpointsStarted = 0;
    QFutureWatcher<std::optional<PartialFile::Failure>> m_backgroundSync;
    qint64 m_backgroundSyncEnd = 0;
    // Bumped when the file is rewound or synced here and now: a background sync started
    // before then must not record its offset.
    int m_fileGeneration = 0;
    int m_backgroundSyncGeneration = -1;
    bool m_accepted = false; // a 2xx whose body goes to the file
    bool m_completeBy416 = false;
    int m_status = 0;
    bool m_finishPending = false; // the reply finished while the rate limit held data back

    QTimer m_rateTimer;
    QElapsedTimer m_checkpointClock;
    QElapsedTimer m_progressClock;
    QElapsedTimer m_rateClock;
    qint64 m_rateConsumed = 0;
};

} // namespace Background
