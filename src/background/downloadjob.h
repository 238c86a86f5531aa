#pragma once

// One download and its attempts: request, validation of the answer, streaming to the partial
// file, checkpoints, retries and the durable publish.

#include "networkresponse.h"
#include "partialfile.h"
#include "transferjob.h"

#include <QtCore/QElapsedTimer>
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
    bool checkpoint(bool force);
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
