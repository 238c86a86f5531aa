#pragma once

// What QML sees of a result and of a transfer snapshot, and the library's enums.
//
// NetworkResponse names its delay retryAfterSeconds and TransferInfo keeps plain members, so
// both reach JavaScript through small read-only value types with the names the QML API
// documents. The enums come straight from the library's gadgets (QML_FOREIGN_NAMESPACE):
// NetworkResponse.Success, NetworkResponse.HttpError, TransferInfo.Paused, TransferInfo.High.

#include "networkresponse.h"
#include "transferinfo.h"

#include <QtCore/QDateTime>
#include <QtCore/QObject>
#include <QtCore/QUrl>
#include <QtQml/qqml.h>

namespace Background {

class QmlNetworkResponse
{
    Q_GADGET
    QML_VALUE_TYPE(networkResponse)
    Q_PROPERTY(QString identifier READ identifier CONSTANT)
    Q_PROPERTY(int outcome READ outcome CONSTANT)
    Q_PROPERTY(QString outcomeName READ outcomeName CONSTANT)
    Q_PROPERTY(int httpStatus READ httpStatus CONSTANT)
    Q_PROPERTY(int retryAfter READ retryAfter CONSTANT)
    Q_PROPERTY(QString filePath READ filePath CONSTANT)
    Q_PROPERTY(QUrl url READ url CONSTANT)
    Q_PROPERTY(qint64 bytes READ bytes CONSTANT)
    Q_PROPERTY(int error READ error CONSTANT)
    Q_PROPERTY(QString errorString READ errorString CONSTANT)
    Q_PROPERTY(int attempts READ attempts CONSTANT)
    Q_PROPERTY(QString body READ body CONSTANT)
    Q_PROPERTY(QString bodyFilePath READ bodyFilePath CONSTANT)
    Q_PROPERTY(bool success READ success CONSTANT)

public:
    QmlNetworkResponse() = default;
    explicit QmlNetworkResponse(const NetworkResponse &response)
        : m_response(response)
    {}

    QString identifier() const { return m_response.identifier(); }
    int outcome() const { return int(m_response.outcome()); }
    QString outcomeName() const { return NetworkResponse::outcomeName(m_response.outcome()); }
    int httpStatus() const { return m_response.httpStatus(); }
    int retryAfter() const { return m_response.retryAfterSeconds(); } // -1: none given
    QString filePath() const { return m_response.filePath(); }
    QUrl url() const { return m_response.url(); }
    qint64 bytes() const { return m_response.bytes(); }
    int error() const { return int(m_response.error()); }
    QString errorString() const { return m_response.errorString(); }
    int attempts() const { return m_response.attempts(); }
    // An upload's answer (its first MiB), as UTF-8.
    QString body() const { return QString::fromUtf8(m_response.body()); }
    QString bodyFilePath() const { return m_response.bodyFilePath(); }
    bool success() const { return m_response.isSuccess(); }

    NetworkResponse response() const { return m_response; }

private:
    NetworkResponse m_response;
};

class QmlTransferInfo
{
    Q_GADGET
    QML_VALUE_TYPE(transferInfo)
    Q_PROPERTY(bool valid READ valid CONSTANT)
    Q_PROPERTY(QString identifier READ identifier CONSTANT)
    Q_PROPERTY(int kind READ kind CONSTANT)
    Q_PROPERTY(QUrl url READ url CONSTANT)
    Q_PROPERTY(QString localPath READ localPath CONSTANT)
    Q_PROPERTY(int state READ state CONSTANT)
    Q_PROPERTY(QString stateName READ stateName CONSTANT)
    Q_PROPERTY(qint64 bytesDone READ bytesDone CONSTANT)
    Q_PROPERTY(qint64 bytesTotal READ bytesTotal CONSTANT)
    Q_PROPERTY(int attempts READ attempts CONSTANT)
    Q_PROPERTY(QDateTime nextAttemptAt READ nextAttemptAt CONSTANT)
    Q_PROPERTY(QString lastError READ lastError CONSTANT)
    Q_PROPERTY(int priority READ priority CONSTANT)
    Q_PROPERTY(qint64 speed READ speed CONSTANT)
    Q_PROPERTY(qint64 eta READ eta CONSTANT)
    Q_PROPERTY(bool hasResult READ hasResult CONSTANT)
    Q_PROPERTY(Background::QmlNetworkResponse result READ result CONSTANT)

public:
    QmlTransferInfo() = default;
    explicit QmlTransferInfo(const TransferInfo &info)
        : m_info(info)
        , m_valid(true)
    {}

    bool valid() const { return m_valid; }
    QString identifier() const { return m_info.identifier; }
    int kind() const { return int(m_info.kind); }
    QUrl url() const { return m_info.url; }
    QString localPath() const { return m_info.localPath; }
    int state() const { return int(m_info.state); }
    QString stateName() const { return TransferInfo::stateName(m_info.state); }
    qint64 bytesDone() const { return m_info.bytesReceived; }
    qint64 bytesTotal() const { return m_info.bytesTotal; }
    int attempts() const { return m_info.attempts; }
    QDateTime nextAttemptAt() const { return m_info.nextAttemptAt; }
    QString lastError() const { return m_info.lastError; }
    int priority() const { return int(m_info.priority); }
    qint64 speed() const { return m_info.bytesPerSecond; }
    qint64 eta() const { return m_info.etaSeconds; }
    bool hasResult() const { return m_info.result.has_value(); }
    QmlNetworkResponse result() const
    {
        return m_info.result ? QmlNetworkResponse(*m_info.result) : QmlNetworkResponse();
    }

private:
    TransferInfo m_info;
    bool m_valid = false;
};

// NetworkResponse.Success, .Rejected, .Retry, .Failed (also NetworkResponse.Outcome.Success)
// and the errors: NetworkResponse.NoError, .HttpError, .Canceled, ...
namespace NetworkResponseForeign {
Q_NAMESPACE
QML_NAMED_ELEMENT(NetworkResponse)
QML_FOREIGN_NAMESPACE(Background::NetworkResponse)
} // namespace NetworkResponseForeign

// TransferInfo.Queued, .Running, .Waiting, .Finished, .Paused, .WaitingForNetwork;
// TransferInfo.Low, .Normal, .High; TransferInfo.Download, .Upload.
namespace TransferInfoForeign {
Q_NAMESPACE
QML_NAMED_ELEMENT(TransferInfo)
QML_FOREIGN_NAMESPACE(Background::TransferInfo)
} // namespace TransferInfoForeign

} // namespace Background
