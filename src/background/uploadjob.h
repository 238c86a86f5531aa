#pragma once

// One plain HTTP upload (PUT, POST or PATCH; raw or multipart/form-data) and its attempts.
// The body streams from the source file; every attempt sends it from the start.

#include "transferjob.h"
#include "uploadoptions.h"

#include <QtCore/QFile>

#include <memory>

class QNetworkReply;

namespace Background {

class UploadBody;

class UploadJob : public TransferJob
{
    Q_OBJECT
public:
    UploadJob(TransferEngine *engine,
              const TransferRow &row,
              const QNetworkRequest &request,
              const SessionConfiguration &configuration);
    ~UploadJob() override;

    void stop() override;
    void cancel() override;

    static constexpr qint64 KeptBodyLimit
            = qint64(1024) * 1024; // in the store; the rest goes to a file
    // The whole answer kept in that file at most; the rest is read and dropped (with a warning),
    // so a server cannot fill the disk through an answer.
    static constexpr qint64 KeptFileLimit = qint64(64) * 1024 * 1024;

protected:
    void beginAttempt() override;
    bool isAttemptRunning() const override { return bool(m_reply); }
    void onStalled() override;
    void releaseLocal(const NetworkResponse &response) override;
    qint64 bytesDone() const override { return m_sent; }

private:
    bool makeBody(QNetworkRequest *request);
    void onUploadProgress(qint64 sent, qint64 total);
    void onReadyRead();
    void onReplyFinished();
    void dropReply();
    void finishWith(int status, const HeaderList &headers);

    UploadOptions m_options;
    ReplyPtr m_reply{nullptr, ReplyDeleter{this}};
    std::unique_ptr<UploadBody> m_body;
    qint64 m_sent = 0;
    qint64 m_total = -1;
    void keepInFile(const QByteArray &data);
    QByteArray m_responseBody;
    QFile m_responseFile; // once the body passes KeptBodyLimit
    bool m_responseFileFailed = false; // could not be opened: the rest is dropped
    qint64 m_responseDropped = 0;      // bytes past KeptFileLimit or after that failure
};

} // namespace Background
