#pragma once

// One tus 1.0 upload: create it once (POST), remember its URL in the store, and send the file
// with PATCH requests from whatever offset the server reports (HEAD), so an interruption or a
// crash costs at most the bytes the server had not stored yet.

#include "transferjob.h"
#include "uploadoptions.h"

#include <memory>

class QNetworkReply;

namespace Background {

class UploadBody;

class TusUploadJob : public TransferJob
{
    Q_OBJECT
public:
    TusUploadJob(TransferEngine *engine,
                 const TransferRow &row,
                 const QNetworkRequest &request,
                 const SessionConfiguration &configuration);
    ~TusUploadJob() override;

    void stop() override;
    void cancel() override;
    QUrl uploadUrl() const { return m_row.remoteUrl; }

    // The DELETE (termination) of a tus upload, with the headers of `base`.
    static QNetworkRequest terminationRequest(const QNetworkRequest &base, const QUrl &uploadUrl);

protected:
    void beginAttempt() override;
    bool isAttemptRunning() const override { return bool(m_reply); }
    void onStalled() override;
    void releaseLocal(const NetworkResponse &response) override;
    qint64 bytesDone() const override { return m_offset + m_sentThisPatch; }

private:
    enum class Step { Options, Create, Probe, Patch };

    QNetworkRequest tusRequest(const QUrl &url) const;
    void send(Step step, const QNetworkRequest &request, const QByteArray &method);
    void discover();
    void create();
    void probe();
    void patch();
    void onReplyFinished();
    void onCreated(int status, const QList<QPair<QByteArray, QByteArray>> &headers);
    void onProbed(int status, const QList<QPair<QByteArray, QByteArray>> &headers);
    void onPatched(int status, const QList<QPair<QByteArray, QByteArray>> &headers);
    // The server forgot the upload: drop its URL and create a new one.
    void recreate();
    // The server's offset moved (or was learnt); false if the row is gone (canceled elsewhere).
    bool acceptOffset(qint64 offset);
    void statusOutcome(int status, const QList<QPair<QByteArray, QByteArray>> &headers);
    void protocolError(const QString &message, int status, const HeaderList &headers);
    void complete(int status, const HeaderList &headers);
    void canceledElsewhere();
    void dropReply();

    UploadOptions m_options;
    qint64 m_size = 0;
    Step m_step = Step::Probe;
    ReplyPtr m_reply{nullptr, ReplyDeleter{this}};
    std::unique_ptr<UploadBody> m_body;
    qint64 m_offset = 0;        // what the server confirmed
    qint64 m_sentThisPatch = 0; // what the running PATCH has sent so far
    qint64 m_patchLength = 0;   // what the running PATCH carries
    qint64 m_attemptStart = 0;  // the confirmed offset when this attempt began
    int m_roundsWithoutProgress = 0;
    bool m_recreated = false;   // at most one new upload per attempt
    bool m_discovered = false;  // OPTIONS asked (once per job)
    bool m_useChecksum = false; // the server takes sha1 Upload-Checksum
};

} // namespace Background
